"""The version of session-cli (read by hatchling at build time and by ``session --version``)."""

__version__ = "0.1.0"
