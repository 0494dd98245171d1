"""How stored bytes are sealed: the envelope (compression and authenticated encryption) and keys."""
