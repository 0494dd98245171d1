"""The insights' heavy libraries, imported only when insights are asked for.

numpy and scikit-learn (which brings scipy) come with the ``session-analyzer[insights]`` extra.
``session-analyze`` without ``--insights`` never imports them (a test checks what a plain report
imports); with ``--insights`` and without the extra, :func:`require` fails before any session is
read, with the command that installs them.
"""

from __future__ import annotations

from sessionkeeper.analyzer.errors import MissingDependencyError

__all__ = ["INSTALL_HINT", "require"]

INSTALL_HINT = "pip install 'session-analyzer[insights]'"


def require() -> None:
    """Raise :class:`MissingDependencyError` (exit status 1 in the command) unless numpy,
    scipy and scikit-learn can be imported."""
    try:
        import numpy  # noqa: F401
        import scipy.stats  # noqa: F401
        import sklearn.linear_model  # noqa: F401
    except ImportError as exc:
        raise MissingDependencyError(
            f"--insights needs numpy and scikit-learn, which are not installed ({exc.name or exc}): "
            f"{INSTALL_HINT}"
        ) from None
