"""``python -m proeftuin.cli``: the same entry point as the ``proeftuin`` console script."""

from proeftuin.cli import main

main()
