"""What session-core holds: scopes, values and their encoding, events, state, ids and the one converter."""
