"""The BackupTarget specification: written once against the protocol, run on every target."""
