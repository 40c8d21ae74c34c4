"""Policy files shipped with checkov-pitr (installed as the package checkov_pitr.policies)."""
