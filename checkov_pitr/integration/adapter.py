"""The checks plain checkov (`--external-checks-dir`) runs, one class per framework family, around the core:
skips only where the domain's reading finds them, policy exemptions, the core's one-line reason in `details`,
and no exception ever escapes (checkov would drop the table from the report)."""
from __future__ import annotations

from typing import Any, Dict, List, Mapping, Sequence, Tuple

from checkov.cloudformation.checks.resource.base_resource_check import BaseResourceCheck as CfnResourceCheck
from checkov.common.bridgecrew.severities import Severities
from checkov.common.models.enums import CheckCategories, CheckResult
from checkov.terraform.checks.resource.base_resource_check import BaseResourceCheck as TfResourceCheck

from checkov_pitr.domain import core
from checkov_pitr.domain.core import Result, Subject, Verdict
from checkov_pitr.domain.policy import LoadedPolicy, active_policy, exemption_ids
from checkov_pitr.domain.readers.cloudformation import metadata_skips, template_tags
from checkov_pitr.domain.skips import IGNORED_NOTE
from checkov_pitr.integration import sources
from checkov_pitr.integration.patches import DETAILS_KEY
from checkov_pitr.rule import CheckMeta, PITR_ENABLED, PITR_NOT_LOST, PITR_PERIOD

_CHECKOV_RESULT = {Result.PASSED: CheckResult.PASSED, Result.FAILED: CheckResult.FAILED,
                   Result.UNKNOWN: CheckResult.UNKNOWN, Result.NONE: CheckResult.UNKNOWN}  # no result for UNKNOWN


class PitrCheck:
    """What every checkov-pitr check shares; mixed in before checkov's base resource check. A subclass gives
    `label`, `subjects`, `dialect_for`, `skips`, `resource_ids`, `resource_tags`, `RESOURCES`, `EVALUATED_KEYS`."""

    meta: CheckMeta
    RESOURCES: Sequence[str]
    EVALUATED_KEYS: Dict[str, List[str]]

    def __init__(self, meta: CheckMeta) -> None:
        self.meta = meta
        super().__init__(  # type: ignore[call-arg]  # checkov's base resource check, after this mixin
            name=meta.name, id=meta.id, categories=[CheckCategories.BACKUP_AND_RECOVERY],
            supported_resources=list(self.RESOURCES), guideline=meta.guideline)

    # checkov reads `check.severity` when it filters and reports; ours follows the policy.
    @property
    def severity(self) -> Any:
        policy, _ = active_policy()
        return Severities[policy.severity_for(self.meta.id) if policy else self.meta.severity]

    @severity.setter
    def severity(self, value: Any) -> None:
        pass  # checkov's BaseCheck assigns None; the policy decides

    def run(self, scanned_file: str, entity_configuration: Dict[str, Any], entity_name: str,
            entity_type: str, skip_info: Any) -> Any:
        conf = entity_configuration
        self._entity = (scanned_file, entity_name, entity_type)
        # checkov's skip regex also fires on values (a tag saying checkov:skip=...): a skip counts only
        # where the domain's reading of the file finds it (a comment, Metadata); otherwise the table is judged
        self._note = ""
        if skip_info:
            try:
                genuine = self.meta.id in self.skips(conf, scanned_file)
            except Exception:  # reading the file again must never hide a table
                genuine = False
            skip_info, self._note = (skip_info, "") if genuine else (None, IGNORED_NOTE)
        exemption = None
        policy, _ = active_policy()
        if not skip_info and policy and policy.exemptions:
            try:
                exemption, expired = policy.exemption_for(
                    self.meta.id, self.resource_ids(conf, entity_name, entity_type), self.resource_tags(conf))
            except Exception:  # exemption matching must never hide a table
                exemption, expired = None, None
            if expired:
                self._note += expired.expired_note
        self.details = []
        result = super().run(scanned_file, conf, entity_name, entity_type, skip_info)  # type: ignore[misc]
        # A policy exemption skips only what the check judges here: where it gives no result
        # (CKV_PITR_003 outside a plan, CKV_PITR_002 where PITR is off) it stays silent.
        if exemption and result.get("result") in (CheckResult.PASSED, CheckResult.FAILED):
            result = {"result": CheckResult.SKIPPED, "suppress_comment": exemption.comment()}
        if self.details:
            result[DETAILS_KEY] = list(self.details)
        return result

    def scan_resource_conf(self, conf: Dict[str, Any]) -> CheckResult:
        policy, error = active_policy()
        scanned_file, name, entity_type = getattr(self, "_entity", ("", "", ""))
        label = self.label(conf, name, entity_type)
        if policy is None:
            verdict = Verdict(Result.FAILED, f"{label}: not judged, the policy is invalid: {error}")
        else:
            try:
                verdict = self.judge(conf, label, entity_type, scanned_file, policy)
            except Exception as exc:  # fail closed: an unreadable table is FAILED, never dropped
                verdict = Verdict(Result.FAILED, f"{label}: PITR settings could not be read ({type(exc).__name__}: {exc})")
        reason = " ".join(verdict.reason.splitlines())  # one line, whatever the values held
        self.details = [reason + getattr(self, "_note", "") if verdict.result is Result.FAILED else reason]
        self.evaluated_keys = self.EVALUATED_KEYS[self.meta.id]
        return _CHECKOV_RESULT[verdict.result]

    def judge(self, conf: Mapping[str, Any], label: str, entity_type: str, scanned_file: str,
              policy: LoadedPolicy) -> Verdict:
        subjects = self.subjects(conf, label, entity_type, scanned_file)  # type: ignore[attr-defined]
        judge = core.judge_enabled if self.meta is PITR_ENABLED else core.judge_period
        return judge(subjects, policy.core, self.dialect_for(conf, scanned_file))  # type: ignore[attr-defined]


class CloudFormationPitrCheck(PitrCheck, CfnResourceCheck):
    """CloudFormation, SAM, CDK output, serverless.yml resources."""

    RESOURCES = core.CFN_TYPES
    EVALUATED_KEYS = {PITR_ENABLED.id: ["Properties/PointInTimeRecoverySpecification/PointInTimeRecoveryEnabled"],
                      PITR_PERIOD.id: ["Properties/PointInTimeRecoverySpecification/RecoveryPeriodInDays"]}

    def label(self, conf: Mapping[str, Any], name: str, entity_type: str) -> str:
        return name

    def dialect_for(self, conf: Mapping[str, Any], scanned_file: str) -> str:
        """How the messages word an unresolved value for this resource."""
        return "cloudformation"

    def subjects(self, conf: Mapping[str, Any], label: str, entity_type: str, scanned_file: str) -> List[Subject]:
        properties = conf.get("Properties", core.MISSING)
        globals_spec = core.MISSING
        if entity_type == core.SAM_SIMPLE_TABLE and not (isinstance(properties, Mapping) and core.CFN_SPEC in properties):
            # checkov merges Globals into SimpleTables, but not when any SimpleTable in the template
            # has no Properties; take Globals.SimpleTable from the domain's reading then.
            path = sources.locate(scanned_file, conf)
            table = (sources.template_tables(path) or {}).get(f"{entity_type}.{label}") if path else None
            globals_spec = table.globals_spec if table is not None else core.MISSING
        return core.read_cloudformation(label, entity_type, properties, globals_spec)

    def skips(self, conf: Mapping[str, Any], scanned_file: str) -> Mapping[str, str]:
        return metadata_skips(conf)

    def resource_ids(self, conf: Mapping[str, Any], name: str, entity_type: str) -> List[str]:
        return [f"{entity_type}.{name}", name]

    def resource_tags(self, conf: Mapping[str, Any]) -> Dict[str, Any]:
        return template_tags(conf.get("Properties"))


class TerraformPitrCheck(PitrCheck, TfResourceCheck):
    """Terraform HCL, .tf.json and plans."""

    RESOURCES = core.TF_TYPES
    EVALUATED_KEYS = {PITR_ENABLED.id: ["point_in_time_recovery/[0]/enabled", "replica/*/point_in_time_recovery",
                                        "point_in_time_recovery"],
                      PITR_PERIOD.id: ["point_in_time_recovery/[0]/recovery_period_in_days"],
                      PITR_NOT_LOST.id: ["point_in_time_recovery"]}

    def scan_entity_conf(self, conf: Dict[str, Any], entity_type: str) -> CheckResult:
        # checkov's base class runs handle_dynamic_values here, which copies a dynamic block's content
        # into the resource even when its for_each is empty (a PITR block that does not exist would
        # pass) and raises on shapes it does not expect; the core reads `dynamic` itself.
        self.entity_type = entity_type
        if conf.get("count") == [0] or conf.get("for_each") in ([[]], [{}]):
            # a resource with count = 0, or for_each over an empty collection, does not exist (checkov
            # still hands over the un-indexed resource for an empty for_each)
            return CheckResult.UNKNOWN
        return self.scan_resource_conf(conf)

    def label(self, conf: Mapping[str, Any], name: str, entity_type: str) -> str:
        address = conf.get("__address__")
        return address if isinstance(address, str) and address else f"{entity_type}.{name}"

    def subjects(self, conf: Mapping[str, Any], label: str, entity_type: str, scanned_file: str) -> List[Subject]:
        return core.read_terraform(label, entity_type, conf)

    def dialect_for(self, conf: Mapping[str, Any], scanned_file: str) -> str:
        # an unresolved value in a plan is known only after apply: "scan the plan" would be no advice
        in_plan = "__change_actions__" in conf or (scanned_file.endswith(".json") and not scanned_file.endswith(".tf.json"))
        return "terraform_plan" if in_plan else "terraform"

    def skips(self, conf: Mapping[str, Any], scanned_file: str) -> Mapping[str, str]:
        # HCL and .tf.json: the block's comments as the domain reads them; a plan: none (checkov-pitr
        # takes no skips from a plan's sources)
        path = None if self.dialect_for(conf, scanned_file) == "terraform_plan" else sources.locate(scanned_file, conf)
        start = core.unwrap(conf.get("__start_line__", conf.get("__startline__")))
        return ((sources.terraform_skips(path) or {}).get(start) or {}) if path else {}

    def resource_ids(self, conf: Mapping[str, Any], name: str, entity_type: str) -> List[str]:
        # type.name only for a root-module table: a glob matches the whole address (see policy.exemption_ids)
        return exemption_ids(self.label(conf, name, entity_type), entity_type, name)

    def resource_tags(self, conf: Mapping[str, Any]) -> Dict[str, Any]:
        tags = core.unwrap(conf.get("tags"))
        return {str(k): core.unwrap(v) for k, v in core.clean(tags).items()} if isinstance(tags, Mapping) else {}


class PlanPitrChangeCheck(TerraformPitrCheck):
    """CKV_PITR_003: compares `before` and `after` of the plan's resource_changes."""

    def __init__(self) -> None:
        super().__init__(PITR_NOT_LOST)

    def judge(self, conf: Mapping[str, Any], label: str, entity_type: str, scanned_file: str,
              policy: LoadedPolicy) -> Verdict:
        actions = conf.get("__change_actions__")
        if not isinstance(actions, list):
            return Verdict(Result.NONE, "not a plan: CKV_PITR_003 judges Terraform plans only")
        if set(actions) <= {"create", "no-op", "read"}:
            return core.judge_change(actions, [], [], label)
        plan_path = sources.locate(scanned_file, conf)
        change = (sources.plan_changes(plan_path) or {}).get(label) if plan_path else None
        if change is None:
            return Verdict(Result.FAILED, f"{label}: the plan's resource_changes entry could not be read, so a "
                                          "PITR change cannot be ruled out; scan the complete `terraform show -json` output")
        before = core.read_terraform(label, entity_type, change.before or {})
        after = core.read_terraform(label, entity_type, change.after or {})
        return core.judge_change(list(change.actions) or actions, before, after, label)


def all_checks() -> Tuple[PitrCheck, ...]:
    """CloudFormation's CKV_PITR_001 and 002, then Terraform's 001, 002 and 003 (each registers with checkov)."""
    return (CloudFormationPitrCheck(PITR_ENABLED), CloudFormationPitrCheck(PITR_PERIOD),
            TerraformPitrCheck(PITR_ENABLED), TerraformPitrCheck(PITR_PERIOD), PlanPitrChangeCheck())
