"""``python -m searchkit``: the same command as ``searchkit``."""

from searchkit.cli import cli

if __name__ == "__main__":
    cli(prog_name="searchkit")
