"""Fault-injection suite: a faulty file system under session-core, I/O errors and power loss."""
