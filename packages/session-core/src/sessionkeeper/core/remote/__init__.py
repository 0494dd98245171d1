"""Remote backup: a data directory's sealed files replicated to a :class:`~sessionkeeper.core.storage.
targets.BackupTarget` (an S3-compatible bucket, or a directory), and restored from it.

The modules, one job each (see ``docs/remote.md``)::

    settings   which remote (URL, setting, environment), its S3 connection (AWS variables), the host name
    s3         S3Target: the BackupTarget on obstore (imported only when an s3:// remote is opened)
    keys       where things live on a remote: objects/, hosts/<host>/manifest, hosts/<host>/index/
    documents  Manifest and Index: what a push records, sealed with the codec
    local      the picture of the local files to push: snapshots whole, journals as appended segments
    state      this data directory's push state (remote.d/): what was sent, last success, last error
    push       the push: key proof, objects (create only), index, manifest (replace if unchanged)
    restore    a session's files fetched, checked and written back
    verify     every manifest resolvable, every object's hash
    prune      retention: this host's old pushes dropped, then objects nothing names swept (grace)
    fetch      a host's latest push written into a directory to read (sessions, archive); object cache

Nothing here is imported by ``import sessionkeeper.core``: a program that configures no remote pays
nothing for it (the CLI's ``session backup`` imports it when it runs).
"""
