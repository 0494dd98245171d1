"""Operations on stored sessions from any process: reading, verify/export/import, key rotation."""
