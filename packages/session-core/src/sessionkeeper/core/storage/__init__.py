"""Files on disk: layout, file system and locks, journals, documents, store identity, load and write."""
