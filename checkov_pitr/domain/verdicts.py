"""Judge a table of the inventory with the core, as the checks judge what checkov hands them. No checkov here."""
from __future__ import annotations

from typing import List

from checkov_pitr.domain import core
from checkov_pitr.domain.core import Policy, Result, Verdict
from checkov_pitr.domain.inventory import CLOUDFORMATION, SERVERLESS, TERRAFORM_PLAN, UNRESOLVED_PREFIX, FoundTable
from checkov_pitr.rule import PITR_ENABLED, PITR_NOT_LOST, PITR_PERIOD


def checks_for(table: FoundTable) -> List[str]:
    """The check ids that judge this table (CKV_PITR_003 judges plans only)."""
    ids = [PITR_ENABLED.id, PITR_PERIOD.id]
    return ids + [PITR_NOT_LOST.id] if table.framework == TERRAFORM_PLAN else ids


def judge(table: FoundTable, check_id: str, policy: Policy) -> Verdict:
    """The verdict of one check on one table; never raises (a table that cannot be read is FAILED).
    A table with several readings (variants) passes only if it passes under each."""
    if table.variants:
        return _combined([judge(variant, check_id, policy) for variant in table.variants])
    verdict = _judge_one(table, check_id, policy)
    if table.context and verdict.reason:
        return Verdict(verdict.result, f"{table.context}: {verdict.reason}")
    return verdict


def _combined(verdicts: List[Verdict]) -> Verdict:
    """The worst of FAILED, UNKNOWN, PASSED among the readings (NONE adds nothing), else NONE."""
    for result in (Result.FAILED, Result.UNKNOWN, Result.PASSED):
        chosen = [v.reason for v in verdicts if v.result is result]
        if chosen:
            return Verdict(result, " | ".join(dict.fromkeys(chosen)))
    return Verdict(Result.NONE, " | ".join(dict.fromkeys(v.reason for v in verdicts if v.reason)))


def _judge_one(table: FoundTable, check_id: str, policy: Policy) -> Verdict:
    try:
        problem = table.problem
        if problem and check_id != PITR_ENABLED.id:
            return Verdict(Result.NONE, f"{table.label}: {problem}")
        if problem:  # a problem "unresolved: ..." follows the policy's `unresolved`; any other fails
            unknown = problem.startswith(UNRESOLVED_PREFIX) and policy.unresolved != "fail"
            result = Result.UNKNOWN if unknown else Result.FAILED
            return Verdict(result, f"{table.label}: {problem.removeprefix(UNRESOLVED_PREFIX)}")
        if check_id == PITR_NOT_LOST.id:  # plans only: no other reader gives a table a change
            if table.change is None:
                return Verdict(Result.NONE, f"{table.label}: no resource_changes entry")
            before, after = (core.read_terraform(table.label, table.resource_type, values or {})
                             for values in (table.change.before, table.change.after))
            return core.judge_change(list(table.change.actions), before, after, table.label)
        if table.framework in (CLOUDFORMATION, SERVERLESS):
            dialect = "cloudformation"
            found = core.read_cloudformation(table.label, table.resource_type, table.config, table.globals_spec)
        else:
            dialect = "terraform_plan" if table.framework == TERRAFORM_PLAN else "terraform"
            found = core.read_terraform(table.label, table.resource_type, table.config)
        return (core.judge_enabled if check_id == PITR_ENABLED.id else core.judge_period)(found, policy, dialect)
    except Exception as exc:  # fail closed, like the checks
        if check_id != PITR_ENABLED.id:
            return Verdict(Result.NONE, "")
        return Verdict(Result.FAILED, f"{table.label}: PITR settings could not be read ({type(exc).__name__}: {exc})")
