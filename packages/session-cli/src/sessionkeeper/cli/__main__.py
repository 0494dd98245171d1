"""``python -m sessionkeeper.cli`` runs the ``session`` command."""

from sessionkeeper.cli import main

main()
