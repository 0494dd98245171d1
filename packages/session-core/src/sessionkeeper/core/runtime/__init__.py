"""The running SessionManager: its lifecycle (signals, exit, fork) and background work."""
