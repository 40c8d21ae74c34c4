"""Where checkov meets the domain: the check classes, the reconciliation of checkov's records with
our inventory, the few guarded patches of checkov we need, and the outputs (SARIF, summaries).

Modules here may import checkov and `checkov_pitr.domain`; the domain never imports them.
"""
