"""The domain: reading DynamoDB tables from every source shape, the inventory, the judges, the fixer.

Nothing in this package imports checkov (a test enforces it): it works on files, text and plain
data, so it can be tested on its own and reused by any front end.
"""
