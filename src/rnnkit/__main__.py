"""``python -m rnnkit ...``: the command line (also what ``torchrun -m rnnkit train ...`` starts)."""

from rnnkit.cli import _console

if __name__ == "__main__":
    _console()
