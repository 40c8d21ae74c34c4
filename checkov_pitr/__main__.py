"""`python -m checkov_pitr`: the `checkov-pitr` command, for when the console script is not on PATH."""
import sys

from checkov_pitr.cli import main

if __name__ == "__main__":
    sys.exit(main())
