"""Readers of every source shape: each turns a file's bytes into the DynamoDB resources it holds,
or a one-line reason why it cannot be read. No checkov here."""
