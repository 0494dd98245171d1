"""``python -m sessionkeeper.analyzer`` runs ``session-analyze``."""

from __future__ import annotations

from .cli import main

if __name__ == "__main__":
    main()
