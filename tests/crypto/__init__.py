"""Compression and authenticated encryption at rest, proven on real files and real processes."""
