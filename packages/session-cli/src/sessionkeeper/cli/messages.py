"""Every text the CLI shows, in English and Korean, keyed by message id.

The language is chosen once per run (:func:`use`) and :func:`text` looks messages up in it, falling
back to English for an id a translation lacks. Templates are ``str.format`` templates: literal
braces are doubled. Click's own usage-error messages are not here and stay English.
JSON output is never translated: scripts rely on its field names and values.
"""

from __future__ import annotations

__all__ = ["CATALOGUE", "current", "has", "singular_for", "text", "use"]

# A line that is only "\b" keeps click from re-wrapping the paragraph that follows (examples).
EN: dict[str, str] = {
    # -- general ---------------------------------------------------------------------------------
    "error": "Error: {message}",
    "warning": "warning: {message}",
    "yes": "yes",
    "no": "no",
    "os_error": "{reason}: {path}",
    "os_error.plain": "{reason}",
    # -- errors from core, by kind (core's own English text is the detail) --------------------------
    "core.invalid_id": (
        "invalid session id {id}: expected session_YYYYMMDD_HHMMSS_<8 hex digits> "
        "(see 'session list' for the ids that exist)"
    ),
    "core.not_found": "{detail}",
    "core.corrupt": "{what} is unreadable: {reason}",
    "core.SessionLockedError": "{detail}",
    "core.LegacySessionError": "{detail}",
    "core.SaveError": "{detail}",
    "core.ValueDecodeError": "{detail}",
    "core.UnserializableValueError": "{detail}",
    "core.NoActiveSessionError": "{detail}",
    "core.other": "{detail}",
    # -- errors found by the CLI ---------------------------------------------------------------------
    "error.config": "invalid configuration: {detail}",
    "error.no_data_dir": "data directory {path} does not exist ({origin})",
    "error.data_dir_not_dir": "data directory {path} ({origin}) is not a directory",
    "error.no_current": "no current session in {path}",
    "error.no_key": "no key {key!r} in the {scope} scope",
    "error.file_exists": "{path} already exists (use --force to replace it)",
    "error.repair_failed": "recovered, but the fresh snapshot could not be written: {detail}",
    "verify.damaged": "{count} of {total} stores are damaged (see above); {repair}",
    "verify.damaged.one": "{count} of {total} stores is damaged (see above); {repair}",
    "verify.repair.one": "repair it with '{command}'",
    "verify.repair.many": "each row says which command repairs it",
    "verify.locked": "{count} of {total} stores are locked, so they were not checked: {reason}",
    "verify.locked.one": "{count} of {total} stores is locked, so it was not checked: {reason}",
    "verify.reason.no_key": (
        "they are encrypted and no key is configured (set SESSIONKEEPER_KEY_FILE, SESSIONKEEPER_KEY "
        "or SESSIONKEEPER_PASSPHRASE)"
    ),
    "verify.reason.wrong_key": (
        "they are encrypted with a key that is not configured (configure that key with "
        "SESSIONKEEPER_KEY_FILE, SESSIONKEEPER_KEY or SESSIONKEEPER_PASSPHRASE)"
    ),
    # -- plugins ---------------------------------------------------------------------------------------
    "plugin.broken": "plugin command '{name}' ({target}) could not be loaded and is skipped: {reason}",
    "plugin.not_command": (
        "plugin command '{name}' ({target}) is a {kind}, not a click command, and is skipped"
    ),
    # -- labels of field lists -------------------------------------------------------------------------
    "label.session": "Session",
    "label.data_dir": "Data directory",
    "label.started": "Started",
    "label.last_checkpoint": "Last checkpoint",
    "label.resumed_from": "Resumed from",
    "label.stored_id": "Id inside the file",
    "label.keys": "Keys",
    "label.events": "Events",
    "label.size": "Size",
    "label.last_save_error": "Last save error",
    "label.files": "Files",
    "label.live": "In use",
    "label.legacy": "Format",
    "label.source": "Read from",
    "label.continued_from": "Continued from",
    "label.repaired": "Repaired",
    "label.warnings": "Warnings",
    "label.dropped": "Dropped",
    # -- how a session was read ------------------------------------------------------------------------
    "load.source": "{source}, {records} journal record(s) replayed",
    "source.snapshot": "snapshot",
    "source.backup": "backup (the snapshot was unreadable)",
    "source.journal": "journal only (no snapshot yet)",
    "source.legacy": "file of the old session tool",
    "source.new": "new session",
    "source.empty": "nothing stored yet",
    "keys.counts": "session {session}, user {user}, app {app}",
    # -- commands ------------------------------------------------------------------------------------
    "resume.done": "Resumed {id} (now the current session).",
    "recover.done": "Recovered {id} (now the current session).",
    "recover.repaired": "wrote a fresh snapshot; the backup was kept",
    "checkpoint.done": "Checkpointed {id}: {keys} key(s) and {events} event(s) in a fresh snapshot.",
    "info.current": "{id} (current)",
    "info.keys": "{counts}",
    "info.size": "{size} in {files} file(s)",
    "info.live": "yes, a running process has it open",
    "info.not_live": "no",
    "label.status": "Status",
    "label.last_update": "Last change",
    "label.host": "Host",
    "status.running": "running",
    "status.ended": "ended",
    "status.crashed": "crashed",
    "status.unknown": "unknown",
    "status.running.long": "running (a process has it open)",
    "status.ended.long": "ended cleanly",
    "status.crashed.long": "crashed (its last process never stopped it; nothing acknowledged is lost)",
    "status.unknown.long": "unknown (the file does not say)",
    "column.last_update": "Last change",
    "info.legacy": "written by the old session tool (read-only; resume continues it as a new session)",
    "list.empty": "No sessions in {path}.",
    "list.title": "{count} session(s) in {path}",
    "list.current_mark": "* the current session",
    "show.values": "Values ({count})",
    "show.scope_values": "{scope} values ({count})",
    "show.no_values": "No values in the session scope.",
    "show.no_scope_values": "No values in the {scope} scope.",
    "show.events": "Events ({count})",
    "show.events_part": "Events ({shown} of {count}, {which})",
    "show.first": "the first",
    "show.last": "the last",
    "opt.show_limit": "Only the first N events.",
    "opt.show_tail": "Only the last N events.",
    "opt.show_scope": "Whose values: the session's (default), the USER or APP scope's, or all.",
    "opt.no_pager": "Never page the output (it is paged only on a terminal).",
    "show.undecodable": "<cannot be decoded here: {reason}>",
    "show.bad_events": "some events could not be decoded; shown as stored ({reason})",
    "event.command": "{command} (exit {code})",
    "event.completed": "{task}: {outcome}",
    "event.started": "{task} {title}",
    "event.success": "succeeded",
    "event.failure": "failed",
    "where.session": " of {id}",
    "set.done": "Set {key!r} in the {scope} scope{where}.",
    "set.not_finite": "VALUE {value} is not a finite number, which JSON cannot hold; quote it to store "
    "the text (--string)",
    "set.too_deep": "VALUE is nested too deeply (at most 254 levels can be stored)",
    "delete.done": "Deleted {key!r} from the {scope} scope{where}.",
    "export.done": "Exported {id} to {path} ({size}).",
    "import.done": "Imported {path} as {id}.",
    "prune.nothing": "Nothing to remove: {kept} session(s), at most {max} kept.",
    "prune.done": (
        "Removed {count} old session(s) (at most {max} are kept); their events are in the history archive:"
    ),
    "prune.done_no_archive": (
        "Removed {count} old session(s) (at most {max} are kept) and their events (history archive off):"
    ),
    "prune.would": (
        "Would remove {count} old session(s) (at most {max} are kept); their events would move to the "
        "history archive:"
    ),
    "prune.would_no_archive": (
        "Would remove {count} old session(s) (at most {max} are kept) and their events (history archive off):"
    ),
    "prune.kept": "Kept {count} session(s) beyond the limit that could not be archived:",
    "prune.expired": (
        "The history archive let go of {count} session(s) older than {days} day(s) or beyond its size limit."
    ),
    "prune.remaining": "{kept} session(s) remain in {path}.",
    "retention.removed": (
        "Retention removed {count} old session(s) (at most {max} are kept); their events are in the "
        "history archive: session history"
    ),
    "retention.kept": "Retention kept {id}: {reason}",
    "history.title": "{count} archived session(s) in {path}",
    "history.empty": "No archived sessions in {path} (retention moves old sessions there).",
    "column.ended": "Ended",
    "column.events": "Events",
    "column.host": "Host",
    "verify.title": "Stores of {path}",
    "verify.ok": "All {count} stores are intact.",
    "verify.ok.one": "The only store is intact.",
    "verify.status.ok": "ok",
    "verify.status.absent": "not created yet",
    "verify.status.damaged": "DAMAGED",
    "verify.status.no_key": "locked: no key",
    "verify.status.wrong_key": "locked: wrong key",
    "verify.hint.session": "repair: {command}",
    "verify.hint.scope": "repair: change any {scope} value ({command}); that writes the store afresh",
    "verify.needs_key": "encrypted with key {keys} ({count} file(s) not checked)",
    # -- keys ------------------------------------------------------------------------------------------
    "key.exists": (
        "{path} already exists; a key file is never overwritten "
        "(use --force only if nothing is sealed with it)"
    ),
    "key.created": "Wrote a new key to {path} (key id {id}). To use it: export SESSIONKEEPER_KEY_FILE={path}",
    "key.writing": "New files are written: {how}",
    "key.sealing.plain": "plain",
    "key.sealing.empty": "(empty)",
    "key.rotate_needs_file": (
        "rotation needs a key file (SESSIONKEEPER_KEY_FILE or key-file in [tool.sessionkeeper]); "
        "a key given in SESSIONKEEPER_KEY or a passphrase cannot be rewritten"
    ),
    "key.rotated": "Re-sealed {count} file(s) under key {id}; {path} now holds only the new key.",
    "column.file": "File",
    "column.sealing": "Written as",
    "column.key_id": "Key id",
    "opt.key_out": "Where to write the key file (default: the user directory's 'key').",
    "opt.key_force": "Overwrite an existing key file.",
    # -- table columns ----------------------------------------------------------------------------------
    "column.session": "Session",
    "column.started": "Started",
    "column.size": "Size",
    "column.backup": "Backup",
    "column.live": "In use",
    "column.key": "Key",
    "column.value": "Value",
    "column.time": "Time",
    "column.kind": "Kind",
    "column.what": "What",
    "column.store": "Store",
    "column.status": "Status",
    "column.details": "Details",
    # -- help: click's section titles ------------------------------------------------------------------
    "help.usage": "Usage: ",
    "help.options": "Options",
    "help.commands": "Commands",
    # -- help: options ----------------------------------------------------------------------------------
    "opt.help": "Show this message and exit.",
    "opt.version": "Show the version and exit.",
    "opt.data_dir": (
        "Data directory (default: $SESSIONKEEPER_DATA_DIR, else the project's, found at or above "
        "the current directory, else ./RUNS)."
    ),
    "opt.lang": "Language of messages (default: from LC_ALL, LC_MESSAGES or LANG).",
    "opt.json": "Print the result as JSON, for scripts.",
    "opt.scope": "Scope of the key.",
    "opt.string": "Store VALUE as a string, even if it parses as JSON.",
    "opt.wait": "How long to wait for another process's checkpoint to finish.",
    "opt.output": "Write to FILE instead of standard output.",
    "opt.force": "Replace FILE if it exists.",
    "opt.max": "Sessions to keep.",
    "opt.dry_run": "Only list what would be removed; change nothing.",
    "opt.history_limit": "Only the N most recent archived sessions.",
    # -- help: commands ---------------------------------------------------------------------------------
    "help.session": (
        "Keep a workflow's state safe across sessions and crashes.\n\n"
        "Every command works on the data directory: --data-dir, else SESSIONKEEPER_DATA_DIR, else "
        "the nearest one at or above the current directory (a RUNS/ holding sessions, or what a "
        "pyproject.toml with [tool.sessionkeeper] names), else ./RUNS; 'session info' says which. "
        "USER values live in SESSIONKEEPER_USER_DIR (default: the platform's user data directory). "
        "Reading commands never create the data directory. Messages are in Korean when LC_ALL, "
        "LC_MESSAGES or LANG is ko_* (or with --lang ko).\n\n"
        "A SESSION_ID may be the whole id, a unique start of its random part (75b2) or of the id, "
        "'latest' or 'current'. Global options may come before or after the command; colour is "
        "used on a terminal (--color auto|always|never; NO_COLOR is honoured).\n\n"
        "\b\nExamples:\n"
        "  session start                       # a new session, made current\n"
        "  session set current_feature auth    # a SESSION value of the current session\n"
        "  session set user:theme dark --scope user\n"
        "  session info                        # the current session\n"
        "  session list --json                 # every session, for scripts\n"
        "  session verify                      # check every file; exit status 1 if damaged\n\n"
        "\b\nExit status: 0 success, 1 a failure (one line on stderr), 2 a usage error,\n"
        "3 stores locked (verify: encrypted, and no key or the wrong key is configured).\n\n"
        "\b\nShell completion (add to your shell's start-up file):\n"
        '  bash:  eval "$(_SESSION_COMPLETE=bash_source session)"\n'
        '  zsh:   eval "$(_SESSION_COMPLETE=zsh_source session)"\n'
        "  fish:  _SESSION_COMPLETE=fish_source session | source\n\n"
        "Other installed packages can add commands (entry-point group 'sessionkeeper.cli')."
    ),
    "help.start": (
        "Start a new session and make it current; print its id.\n\n"
        "The previous session is left as it was. Creates the data directory if needed, and "
        "applies retention: the 10 most recent sessions are kept, older ones move into the history "
        "archive (their events and a summary; see 'session history'), which stderr reports.\n\n"
        "\b\nExamples:\n"
        "  session start\n"
        "  SID=$(session start)\n"
        "  session --data-dir ./RUNS start --json"
    ),
    "help.resume": (
        "Make the latest session current again and summarise it.\n\n"
        "A session written by the old session tool is continued as a new session; its file is "
        "left unchanged.\n\n"
        "\b\nExamples:\n"
        "  session resume\n"
        "  session resume --json"
    ),
    "help.recover": (
        "Make a session current again, repairing it if needed.\n\n"
        "Makes SESSION_ID the current session, from its backup if its newest file is unreadable. "
        "Says what was recovered and what had to be dropped (damaged journal records, an unreadable "
        "snapshot). When the backup was used, a fresh snapshot replaces the damaged one.\n\n"
        "\b\nExamples:\n"
        "  session recover session_20261125_001423_75b26fb7\n"
        "  session recover session_20261125_001423_75b26fb7 --json"
    ),
    "help.checkpoint": (
        "Compact a session's journal into a fresh snapshot.\n\n"
        "SESSION_ID defaults to the current session. Safe while another process writes the session. "
        "The snapshot before it is kept as the "
        "backup.\n\n"
        "\b\nExamples:\n"
        "  session checkpoint\n"
        "  session checkpoint session_20261125_001423_75b26fb7 --wait 30"
    ),
    "help.info": (
        "Describe the current session.\n\n"
        "Id, start, last checkpoint, keys per scope, events, size and files, and whether a running "
        "process has it open. USER and APP counts are the copies in the session's last snapshot. "
        "Reads the session without locking: never blocks a process that is writing it.\n\n"
        "\b\nExamples:\n"
        "  session info\n"
        "  session info --json"
    ),
    "help.list": (
        "List the sessions of the data directory, oldest first.\n\n"
        "\b\nExamples:\n"
        "  session list\n"
        "  session list --json"
    ),
    "help.show": (
        "Show a session's values and events.\n\n"
        "SESSION_ID defaults to the current session. On a terminal a long output goes through a "
        "pager ($SESSION_PAGER, else $PAGER, else less); piped, never.\n\n"
        "\b\nExamples:\n"
        "  session show\n"
        "  session show --tail 20\n"
        "  session show --scope all --no-pager\n"
        "  session show session_20261125_001423_75b26fb7 --json"
    ),
    "help.get": (
        "Print the value of KEY.\n\n"
        "Strings are printed as they are, anything else as JSON. Exit status 1 if KEY is not set; "
        "the message then says in which scope KEY is, or which near name exists.\n\n"
        "\b\nExamples:\n"
        "  session get current_feature\n"
        "  session get user:theme --scope user\n"
        "  session get project:name --scope app --json"
    ),
    "help.set": (
        "Set KEY to VALUE (parsed as JSON, else kept as a string).\n\n"
        "SESSION values go to the current session. The change is on stable storage when the "
        "command returns.\n\n"
        "VALUE - reads standard input and @FILE a file (one final newline is dropped); @@ starts "
        "a text with a literal @. Text that is not JSON is stored as a string, with a warning when "
        "it looks like broken JSON; --string always stores a string, --json-value refuses anything "
        "but JSON (exit status 1, nothing stored).\n\n"
        "\b\nExamples:\n"
        "  session set current_feature authentication\n"
        "  session set retries 3                       # the number 3\n"
        '  session set retries 3 --string              # the text "3"\n'
        "  session set temp -5                         # the number -5\n"
        '  session set done \'["setup", "database"]\'\n'
        "  session set settings '{{\"verbose\": true}}' --scope app\n"
        "  session set notes @notes.md                 # the text of a file\n"
        "  git log -1 | session set last_commit -      # standard input\n"
        '  session set handle @@alice                  # the text "@alice"'
    ),
    "help.delete": (
        "Remove KEY.\n\n"
        "Exit status 1 if KEY was not set.\n\n"
        "\b\nExamples:\n"
        "  session delete current_feature\n"
        "  session delete user:theme --scope user"
    ),
    "help.export": (
        "Export a session as one JSON document.\n\n"
        "SESSION_ID defaults to the current session. The document is the session's snapshot with its "
        "journal applied; 'session import' reads it.\n\n"
        "\b\nExamples:\n"
        "  session export > backup.json\n"
        "  session export session_20261125_001423_75b26fb7 -o backup.json\n"
        "  session export 75b2 -o backup.json           # a unique start of the id's random part\n"
        "  session export latest -o latest.json"
    ),
    "help.import": (
        "Import an exported session as a new session.\n\n"
        "Prints the new id. Files of the old session tool are accepted too. FILE may be - for "
        "standard input. Nothing is "
        "written if the document does not parse.\n\n"
        "\b\nExamples:\n"
        "  session import backup.json\n"
        "  session import - < backup.json"
    ),
    "help.prune": (
        "Remove the oldest sessions beyond --max now; their events and a summary move into the "
        "history archive first (see 'session history').\n\n"
        "The current session and sessions in use by a running process are never removed, nor a "
        "session that cannot be archived (damaged, or encrypted with a key not configured here): "
        "it is named instead. --dry-run only lists what would go.\n\n"
        "\b\nExamples:\n"
        "  session prune --dry-run\n"
        "  session prune\n"
        "  session prune --max 3 --json"
    ),
    "help.history": (
        "List the sessions retention moved into the history archive, oldest first.\n\n"
        "The archive keeps their events for reports (session-analyze reads it with the live "
        "sessions) for history-days (365) and up to history-max-mb (1024) in all; set them in "
        "[tool.sessionkeeper] or SESSIONKEEPER_HISTORY_DAYS / SESSIONKEEPER_HISTORY_MAX_MB.\n\n"
        "\b\nExamples:\n"
        "  session history\n"
        "  session history --limit 20 --json"
    ),
    "help.verify": (
        "Check the integrity of every file.\n\n"
        "Checks every session file and journal, and the USER and APP stores. Changes nothing, takes "
        "no lock, and works on read-only media. Encrypted files need their key: a store that cannot "
        "be opened without a key, or with the configured one, is reported as locked, not as damaged. "
        "A damaged store's row says which command repairs it.\n\n"
        "\b\nExit status:\n"
        "  0  every store is intact\n"
        "  1  a store is damaged (repair a session with 'session recover ID')\n"
        "  3  nothing is damaged, but stores are locked: no key, or the wrong key, is configured\n\n"
        "\b\nExamples:\n"
        "  session verify\n"
        "  SESSIONKEEPER_KEY_FILE=~/.config/sessionkeeper/key session verify\n"
        "  session verify --json"
    ),
    "help.key": (
        "Manage encryption keys for files at rest.\n\n"
        "Encryption is on when a key is configured: SESSIONKEEPER_KEY_FILE (or key-file in "
        "[tool.sessionkeeper]), SESSIONKEEPER_KEY or SESSIONKEEPER_PASSPHRASE.\n\n"
        "\b\nExamples:\n"
        "  session key new\n"
        "  session key status\n"
        "  session key rotate"
    ),
    "help.new": (
        "Write a new random 256-bit key to a key file readable only by you.\n\n"
        "\b\nExamples:\n"
        "  session key new\n"
        "  session key new -o ~/.config/sessionkeeper/key --json"
    ),
    "help.status": (
        "Show which files are plain, compressed or encrypted, and under which key id. Needs no key.\n\n"
        "\b\nExamples:\n"
        "  session key status\n"
        "  session key status --json"
    ),
    "help.rotate": (
        "Re-encrypt every file under a new key, then keep only the new key in the key file.\n\n"
        "Killed at any point, every file stays readable: both keys stay in the key file until the end. "
        "Stop running sessions first.\n\n"
        "\b\nExamples:\n"
        "  session key rotate"
    ),
    # == issue 16, the `session` command (data directory, ids, values, colour, hints) ===============
    "hint": "hint: {text}",
    "origin.option": "from --data-dir",
    "origin.env": "from SESSIONKEEPER_DATA_DIR",
    "origin.pyproject": "from [tool.sessionkeeper] in {file}",
    "origin.runs": "found: the nearest RUNS/ holding sessions at or above {cwd}",
    "origin.default": "the default: no project found at or above {cwd}",
    "error.no_data_dir_found": (
        "no data directory: none found at or above {cwd} (a RUNS/ folder holding sessions, or a "
        "pyproject.toml with [tool.sessionkeeper]), and {path} does not exist"
    ),
    "error.data_dir_blocked": (
        "data directory {path} ({origin}) cannot be created: {blocker} is not a directory"
    ),
    "error.cannot_write": "cannot write {path}: {reason}",
    "error.no_key_elsewhere": "no key {key!r} in the {scope} scope, but there is one in the {other} scope",
    "error.no_key_near": "no key {key!r} in the {scope} scope; did you mean {names}?",
    "error.no_key_near_elsewhere": (
        "no key {key!r} in the {scope} scope; did you mean {names} in the {other} scope?"
    ),
    "id.too_short": "{ref!r} is too short to name a session: give at least {min} hex digits of its id",
    "id.no_sessions": "no sessions in {path}",
    "id.no_match": "no session in {path} matches {ref!r}",
    "id.ambiguous": "{ref!r} matches {count} sessions: {candidates}; give more of the id",
    "id.more": "and {count} more",
    "value.stdin": "standard input",
    "value.not_json": (
        "VALUE is not valid JSON ({reason}), so it was stored as a string "
        "(--string says so; --json-value refuses it)"
    ),
    "value.invalid_json": "VALUE is not valid JSON ({reason}); nothing was stored (--json-value)",
    "value.exclusive": "--string and --json-value cannot be used together",
    "value.no_file_name": "VALUE '@' names no file: @FILE reads a file; write @@ to store the text '@'",
    "value.unreadable": (
        "cannot read VALUE from the file {source}: {reason} (to store text that starts with '@', write '@@')"
    ),
    "value.not_text": "VALUE from {source} is not UTF-8 text",
    "value.too_large": "VALUE from {source} is larger than {limit} bytes, more than one value can hold",
    "opt.color": "When to colour status words and errors: auto (a terminal, and no NO_COLOR), always, never.",
    "opt.json_global": "Print results as JSON, as each command's --json does.",
    "opt.json_value": (
        "VALUE must be JSON: refuse text that does not parse instead of storing it as a string."
    ),
    # == issue 17, remote backup: `session backup ...` (commands/backup.py) ===========================
    "help.backup": (
        "Back up the data directory to a remote, and restore from it.\n\n"
        "The remote is --remote URL, else SESSIONKEEPER_REMOTE, else remote in [tool.sessionkeeper]: "
        "s3://bucket/prefix (any S3-compatible store) or a directory. Endpoint and credentials come "
        "from AWS_ENDPOINT_URL, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_REGION and "
        "AWS_ALLOW_HTTP, and are never written anywhere. Files leave encrypted: a key is needed "
        "unless remote-plaintext = true.\n\n"
        "\b\nExamples:\n"
        "  session backup push\n"
        "  session backup status\n"
        "  session backup restore 75b2 --to /tmp/restored\n"
        "  session backup verify --remote s3://my-bucket/team"
    ),
    "help.backup.push": (
        "Push every session, the APP store and the USER store to the remote now.\n\n"
        "Only what changed since the last push is sent; the remote is changed only after the key "
        "configured here opened what it holds. A push stopped at any point leaves the remote "
        "restorable, and the next one goes on from where it stopped.\n\n"
        "\b\nExamples:\n"
        "  session backup push\n"
        "  session backup push --dry-run --json"
    ),
    "help.backup.status": (
        "Where the backup stands: the last push, time since the last success (lag), what is waiting "
        "to be sent (backlog) and the last error.\n\n"
        "\b\nExamples:\n"
        "  session backup status\n"
        "  session backup status --json"
    ),
    "help.backup.restore": (
        "Fetch SESSION_ID from the remote as this machine (or --host) last pushed it; with --all, "
        "every session and the APP store of that push (a machine set up again; USER comes with "
        "'session backup pull').\n\n"
        "Every object is checked before a file is written; an existing session is never "
        "overwritten. SESSION_ID may be a unique start of the id or of its random part.\n\n"
        "\b\nExamples:\n"
        "  session backup restore session_20261125_001423_75b26fb7\n"
        "  session backup restore 75b2 --to /tmp/restored --host laptop\n"
        "  session backup restore 75b2 --to /tmp/yesterday --at 2026-12-01T18:00\n"
        "  session backup restore --all --host old-laptop      # a machine set up again"
    ),
    "help.backup.prune": (
        "Remote retention: drop this machine's pushes beyond --keep-last (and older than "
        "--keep-within days), then remove the objects and indexes no manifest of any machine needs "
        "any more. An object is removed only once a prune of this data directory has found it "
        "unneeded for --grace seconds, so a push running meanwhile never loses what it wrote. "
        "Other machines' pushes are never dropped.\n\n"
        "\b\nExamples:\n"
        "  session backup prune --dry-run\n"
        "  session backup prune --keep-last 20 --keep-within 30 --json"
    ),
    "help.backup.verify": (
        "Check the remote: every manifest opens, every push it lists is there, every object hashes "
        "to its name.\n\n"
        "\b\nExit status:\n"
        "  0  all intact\n"
        "  1  problems found (listed)\n"
        "  3  locked: the remote was written with a key not configured here\n\n"
        "\b\nExamples:\n"
        "  session backup verify\n"
        "  session backup verify --quick --json"
    ),
    "opt.remote": "The remote (s3://bucket/prefix or a directory); over SESSIONKEEPER_REMOTE and pyproject.",
    "opt.backup_dry_run": "Only say what would be sent; change nothing.",
    "opt.restore_to": "Restore into this data directory (default: this run's).",
    "opt.backup_host": "Whose pushes: the machine's name on the remote (default: this machine's).",
    "opt.backup_quick": "Check objects' sizes only, without downloading them.",
    "opt.backup_keep_last": "Keep this machine's last N pushes.",
    "opt.backup_keep_within": "Keep only pushes younger than DAYS (the latest always stays).",
    "opt.backup_grace": "Remove an object only once it has been unneeded this long.",
    "opt.backup_prune_dry_run": "Only say what would be removed; change nothing.",
    "opt.restore_at": (
        "The session as of the last push at or before TIME (ISO 8601; local time without a zone)."
    ),
    "backup.bad_time": "--at {value!r} is not a time: give it as ISO 8601, e.g. 2026-12-01T09:30",
    "backup.no_remote": (
        "no remote is configured: give --remote URL, set SESSIONKEEPER_REMOTE, or put remote = "
        '"s3://bucket/prefix" in [tool.sessionkeeper]'
    ),
    "backup.pushed": (
        "Pushed {count} object(s) ({size}) of {stores} store(s) to {remote} as {host} (push {seq})."
    ),
    "backup.up_to_date": "{remote} is up to date ({host}, push {seq}).",
    "backup.would_push": "Would push {count} object(s) ({size}) to {remote} as {host}.",
    "backup.nothing_to_push": "Nothing to push: {remote} has everything ({host}).",
    "backup.skipped": "{store} was not pushed: {reason}",
    "backup.restored": (
        "Restored {id} into {path} from {host}'s push {seq} ({at}): {keys} key(s), {events} event(s)."
    ),
    "backup.would_restore": (
        "Would restore {id} into {path} from {host}'s push {seq} ({at}): {keys} key(s), {events} "
        "event(s); every object was fetched and checked, nothing was written."
    ),
    "opt.restore_dry_run": "Fetch and check everything, say what would be restored; write nothing.",
    "opt.restore_all": "Every session and the APP store of the push (those not here already).",
    "backup.restore_what": "give a SESSION_ID to restore, or --all (not both)",
    "backup.restored_all": (
        "Restored {count} store(s) ({size}) into {path} from {host}'s push {seq} ({at}); {present} "
        "already there, left alone."
    ),
    "backup.would_restore_all": (
        "Would restore {count} store(s) ({size}) into {path} from {host}'s push {seq} ({at}); {present} "
        "already there. Every object was fetched and checked, nothing was written."
    ),
    "backup.no_host": "{remote} holds no backup of {host} (see 'session backup verify' for the hosts it has)",
    "backup.no_session": "{host}'s latest push to {remote} has no session {ref}",
    "backup.verify_ok": (
        "All intact: {objects} object(s) ({size}) of {hosts} host(s); {unreferenced} unreferenced."
    ),
    "backup.verify_problems": "{count} problem(s) in {remote} (see above)",
    "backup.verify_locked": "{detail}",
    "backup.never": "never",
    "backup.none": "none",
    "backup.seq": "push {seq}",
    "backup.seconds": "{seconds} s",
    "backup.backlog": "{count} object(s) ({size}) waiting",
    "backup.no_backlog": "nothing waiting",
    "opt.list_remote": "Every machine's sessions on the remote (SESSIONKEEPER_REMOTE or pyproject's remote).",
    "list.remote_title": "{count} session(s) of {hosts} machine(s) in {remote}",
    "list.remote_empty": "No pushed sessions in {remote}.",
    "column.push": "Push",
    "column.pushed_at": "Pushed at",
    "recover.fetched": (
        "No local copy of {id}: fetched it from {remote} (pushed by {host}, push {seq}, {pushed_at})."
    ),
    "backup.pruned": (
        "{remote} ({host}): {dropped} push(es) dropped, {kept} kept; {count} object(s) ({size}) "
        "removed, {candidates} unneeded but within the grace period"
    ),
    "backup.would_prune": (
        "{remote} ({host}): would drop {dropped} push(es), keep {kept}, and remove {count} object(s) "
        "({size}); {candidates} unneeded but within the grace period"
    ),
    "help.backup.pull": (
        "Merge the USER scope from every machine that pushes to the remote.\n\n"
        "Per key, the newest write wins (a hybrid logical clock, so a change made after seeing "
        "another machine's is newer whatever the clocks say); deletes travel as tombstones. What this "
        "machine lacks is written to its USER scope; the table lists what was taken, deleted, or "
        "kept here against other machines' values (they take it at their pull). Values are never "
        "shown. Push afterwards to share the result.\n\n"
        "\b\nExamples:\n"
        "  session backup pull --dry-run\n"
        "  session backup pull && session backup push\n"
        "  session backup pull --json"
    ),
    "opt.backup_pull_dry_run": "Only say what would change; write nothing.",
    "progress.sending": "Sending",
    "progress.fetching": "Fetching",
    "pull.skipped": "{host} was not merged: {reason}",
    "pull.done": (
        "Merged USER from {hosts} other machine(s) in {remote}: {took} taken, {deleted} deleted, "
        "{kept} kept here, {deferred} changed meanwhile (next pull), {in_sync} already the same."
    ),
    "pull.would": (
        "Would merge USER from {hosts} other machine(s) in {remote}: {took} to take, {deleted} to "
        "delete, {kept} to keep here, {in_sync} already the same. Nothing was written."
    ),
    "pull.action.took": "taken",
    "pull.action.deleted": "deleted",
    "pull.action.kept": "kept here",
    "pull.action.deferred": "changed meanwhile",
    "column.pull_action": "Done",
    "column.written_at": "Written at",
    "column.disagreed": "Differed on",
    "backup.over_bound": (
        "{backlog}: over the bound ({size}, or {hours} h since the last success) — local saving goes "
        "on; check the remote and run `session backup push`"
    ),
    "backup.remote_value": "{url} ({origin})",
    "label.remote": "Remote",
    "label.backup_host": "As host",
    "label.last_push": "Last push",
    "label.last_success": "Last success",
    "label.lag": "Lag",
    "label.backlog": "Backlog",
    "label.last_error": "Last error",
    "label.not_pushed": "Not pushed",
    "label.remote_now": "Remote now",
    "column.pushes": "Pushes",
    "column.latest": "Latest",
}

KO: dict[str, str] = {
    # -- general ---------------------------------------------------------------------------------
    "error": "오류: {message}",
    "warning": "경고: {message}",
    "yes": "예",
    "no": "아니요",
    "os_error": "{reason}: {path}",
    "os_error.plain": "{reason}",
    # -- errors from core ------------------------------------------------------------------------------
    "core.invalid_id": (
        "잘못된 세션 ID {id}: session_YYYYMMDD_HHMMSS_<16진수 8자리> 형식이어야 합니다 "
        "(있는 ID는 'session list'로 확인하세요)"
    ),
    "core.not_found": "세션을 찾을 수 없습니다 ({detail})",
    "core.corrupt": "{what}을(를) 읽을 수 없습니다: {reason}",
    "core.SessionLockedError": "다른 프로세스가 잠그고 있습니다 ({detail})",
    "core.LegacySessionError": "이전 세션 도구의 파일은 다시 쓰지 않습니다 ({detail})",
    "core.SaveError": "저장하지 못했습니다 ({detail})",
    "core.ValueDecodeError": "저장된 값을 읽을 수 없습니다 ({detail})",
    "core.UnserializableValueError": "저장할 수 없는 값입니다 ({detail})",
    "core.NoActiveSessionError": "실행 중인 세션이 없습니다 ({detail})",
    "core.other": "{detail}",
    # -- errors found by the CLI ---------------------------------------------------------------------
    "error.config": "설정이 잘못되었습니다: {detail}",
    "error.no_data_dir": "데이터 디렉터리 {path}이(가) 없습니다 ({origin})",
    "error.data_dir_not_dir": "데이터 디렉터리 {path}({origin})은(는) 디렉터리가 아닙니다",
    "error.no_current": "{path}에 현재 세션이 없습니다",
    "error.no_key": "{scope} 범위에 키 {key!r}이(가) 없습니다",
    "error.file_exists": "{path}이(가) 이미 있습니다 (바꾸려면 --force)",
    "error.repair_failed": "복구했지만 새 스냅샷을 쓰지 못했습니다: {detail}",
    "verify.damaged": "저장소 {total}개 중 {count}개가 손상되었습니다 (위 표 참고). {repair}",
    "verify.repair.one": "'{command}'(으)로 복구하세요",
    "verify.repair.many": "각 행에 복구 명령이 있습니다",
    "verify.locked": "저장소 {total}개 중 {count}개가 잠겨 있어 검사하지 못했습니다: {reason}",
    "verify.reason.no_key": (
        "암호화되어 있는데 키가 설정되지 않았습니다 (SESSIONKEEPER_KEY_FILE, SESSIONKEEPER_KEY 또는 "
        "SESSIONKEEPER_PASSPHRASE를 설정하세요)"
    ),
    "verify.reason.wrong_key": (
        "설정되지 않은 키로 암호화되어 있습니다 (그 키를 SESSIONKEEPER_KEY_FILE, SESSIONKEEPER_KEY 또는 "
        "SESSIONKEEPER_PASSPHRASE로 설정하세요)"
    ),
    # -- plugins ---------------------------------------------------------------------------------------
    "plugin.broken": "플러그인 명령 '{name}'({target})을(를) 불러오지 못해 건너뜁니다: {reason}",
    "plugin.not_command": (
        "플러그인 명령 '{name}'({target})은(는) click 명령이 아니라 {kind}이므로 건너뜁니다"
    ),
    # -- labels ------------------------------------------------------------------------------------------
    "label.session": "세션",
    "label.data_dir": "데이터 디렉터리",
    "label.started": "시작",
    "label.last_checkpoint": "마지막 체크포인트",
    "label.resumed_from": "이어받은 세션",
    "label.stored_id": "파일 안의 ID",
    "label.keys": "키",
    "label.events": "이벤트",
    "label.size": "크기",
    "label.last_save_error": "마지막 저장 오류",
    "label.files": "파일",
    "label.live": "사용 중",
    "label.legacy": "형식",
    "label.source": "읽은 곳",
    "label.continued_from": "이어받은 원본",
    "label.repaired": "복구",
    "label.warnings": "경고",
    "label.dropped": "버린 것",
    # -- how a session was read ------------------------------------------------------------------------
    "load.source": "{source}, 저널 레코드 {records}개 재적용",
    "source.snapshot": "스냅샷",
    "source.backup": "백업 (스냅샷을 읽을 수 없음)",
    "source.journal": "저널만 (아직 스냅샷 없음)",
    "source.legacy": "이전 세션 도구의 파일",
    "source.new": "새 세션",
    "source.empty": "아직 저장된 것 없음",
    "keys.counts": "세션 {session}, 사용자 {user}, 앱 {app}",
    # -- commands ------------------------------------------------------------------------------------
    "resume.done": "{id} 세션을 이어갑니다 (이제 현재 세션).",
    "recover.done": "{id} 세션을 복구했습니다 (이제 현재 세션).",
    "recover.repaired": "새 스냅샷을 썼습니다. 백업은 그대로 둡니다",
    "checkpoint.done": "{id} 체크포인트 완료: 키 {keys}개, 이벤트 {events}개를 새 스냅샷에 담았습니다.",
    "info.current": "{id} (현재 세션)",
    "info.keys": "{counts}",
    "info.size": "파일 {files}개, {size}",
    "info.live": "예, 실행 중인 프로세스가 열어 두었습니다",
    "info.not_live": "아니요",
    "label.status": "상태",
    "label.last_update": "마지막 변경",
    "label.host": "호스트",
    "status.running": "실행 중",
    "status.ended": "종료됨",
    "status.crashed": "비정상 종료",
    "status.unknown": "알 수 없음",
    "status.running.long": "실행 중 (프로세스가 열어 두었습니다)",
    "status.ended.long": "정상 종료",
    "status.crashed.long": (
        "비정상 종료 (마지막 프로세스가 세션을 멈추지 않았습니다. 확인된 쓰기는 잃지 않았습니다)"
    ),
    "status.unknown.long": "알 수 없음 (파일에 기록이 없습니다)",
    "column.last_update": "마지막 변경",
    "info.legacy": "이전 세션 도구가 쓴 파일 (읽기 전용, 이어가면 새 세션으로 계속됩니다)",
    "list.empty": "{path}에 세션이 없습니다.",
    "list.title": "{path}의 세션 {count}개",
    "list.current_mark": "* 현재 세션",
    "show.values": "값 ({count}개)",
    "show.scope_values": "{scope} 값 ({count}개)",
    "show.no_values": "세션 범위에 값이 없습니다.",
    "show.no_scope_values": "{scope} 범위에 값이 없습니다.",
    "show.events": "이벤트 ({count}개)",
    "show.events_part": "이벤트 ({count}개 중 {which} {shown}개)",
    "show.first": "처음",
    "show.last": "마지막",
    "opt.show_limit": "처음 N개의 이벤트만.",
    "opt.show_tail": "마지막 N개의 이벤트만.",
    "opt.show_scope": "어느 범위의 값: 세션(기본), USER, APP 또는 all.",
    "opt.no_pager": "출력을 페이저로 넘기지 않습니다(터미널에서만 넘깁니다).",
    "show.undecodable": "<여기서는 읽을 수 없음: {reason}>",
    "show.bad_events": "일부 이벤트를 해석하지 못해 저장된 그대로 보여 줍니다 ({reason})",
    "event.command": "{command} (종료 코드 {code})",
    "event.completed": "{task}: {outcome}",
    "event.started": "{task} {title}",
    "event.success": "성공",
    "event.failure": "실패",
    "where.session": " ({id})",
    "set.done": "{scope} 범위에 {key!r}을(를) 설정했습니다{where}.",
    "set.not_finite": "VALUE {value}은(는) 유한한 숫자가 아니어서 JSON에 담을 수 없습니다. 텍스트로 "
    "저장하려면 --string을 쓰세요",
    "set.too_deep": "VALUE의 중첩이 너무 깊습니다 (최대 254단계까지 저장할 수 있습니다)",
    "delete.done": "{scope} 범위에서 {key!r}을(를) 삭제했습니다{where}.",
    "export.done": "{id}을(를) {path}에 내보냈습니다 ({size}).",
    "import.done": "{path}을(를) {id} 세션으로 가져왔습니다.",
    "prune.nothing": "지울 세션이 없습니다: 세션 {kept}개, 최대 {max}개 보관.",
    "prune.done": "오래된 세션 {count}개를 지웠습니다(최대 {max}개 보관). 이벤트는 기록 보관소에 있습니다:",
    "prune.done_no_archive": (
        "오래된 세션 {count}개와 그 이벤트를 지웠습니다(최대 {max}개 보관, 기록 보관소 꺼짐):"
    ),
    "prune.would": (
        "오래된 세션 {count}개를 지울 예정입니다(최대 {max}개 보관). 이벤트는 기록 보관소로 옮겨집니다:"
    ),
    "prune.would_no_archive": (
        "오래된 세션 {count}개와 그 이벤트를 지울 예정입니다(최대 {max}개 보관, 기록 보관소 꺼짐):"
    ),
    "prune.kept": "한도를 넘었지만 보관소에 옮길 수 없어 남긴 세션 {count}개:",
    "prune.expired": "기록 보관소가 {days}일보다 오래되었거나 크기 한도를 넘은 세션 {count}개를 지웠습니다.",
    "prune.remaining": "{path}에 세션 {kept}개가 남아 있습니다.",
    "retention.removed": (
        "보관 규칙이 오래된 세션 {count}개를 지웠습니다(최대 {max}개 보관). 이벤트는 기록 보관소에 "
        "있습니다: session history"
    ),
    "retention.kept": "보관 규칙이 {id}을(를) 남겼습니다: {reason}",
    "history.title": "{path}의 보관된 세션 {count}개",
    "history.empty": "{path}에 보관된 세션이 없습니다(보관 규칙이 오래된 세션을 이곳으로 옮깁니다).",
    "column.ended": "종료",
    "column.events": "이벤트",
    "column.host": "호스트",
    "verify.title": "{path}의 저장소",
    "verify.ok": "저장소 {count}개 모두 온전합니다.",
    "verify.ok.one": "하나뿐인 저장소가 온전합니다.",
    "verify.status.ok": "정상",
    "verify.status.absent": "아직 없음",
    "verify.status.damaged": "손상됨",
    "verify.status.no_key": "잠김: 키 없음",
    "verify.status.wrong_key": "잠김: 다른 키",
    "verify.hint.session": "복구: {command}",
    "verify.hint.scope": "복구: {scope} 값을 하나 바꾸면 ({command}) 저장소를 새로 씁니다",
    "verify.needs_key": "키 {keys}로 암호화됨 (검사하지 못한 파일 {count}개)",
    # -- keys ------------------------------------------------------------------------------------------
    "key.exists": (
        "{path}이(가) 이미 있습니다. 키 파일은 덮어쓰지 않습니다(그 키로 암호화된 것이 없을 때만 --force)"
    ),
    "key.created": "새 키를 {path}에 썼습니다(키 ID {id}). 사용하려면: export SESSIONKEEPER_KEY_FILE={path}",
    "key.writing": "새 파일을 쓰는 방식: {how}",
    "key.sealing.plain": "평문",
    "key.sealing.empty": "(비어 있음)",
    "key.rotate_needs_file": (
        "키 교체에는 키 파일이 필요합니다(SESSIONKEEPER_KEY_FILE 또는 [tool.sessionkeeper]의 key-file). "
        "SESSIONKEEPER_KEY나 암호문으로 준 키는 바꿔 쓸 수 없습니다"
    ),
    "key.rotated": "파일 {count}개를 키 {id}로 다시 봉인했습니다. {path}에는 이제 새 키만 있습니다.",
    "column.file": "파일",
    "column.sealing": "저장 방식",
    "column.key_id": "키 ID",
    "opt.key_out": "키 파일을 쓸 곳(기본: 사용자 디렉터리의 'key').",
    "opt.key_force": "기존 키 파일을 덮어씁니다.",
    # -- table columns ----------------------------------------------------------------------------------
    "column.session": "세션",
    "column.started": "시작",
    "column.size": "크기",
    "column.backup": "백업",
    "column.live": "사용 중",
    "column.key": "키",
    "column.value": "값",
    "column.time": "시각",
    "column.kind": "종류",
    "column.what": "내용",
    "column.store": "저장소",
    "column.status": "상태",
    "column.details": "자세히",
    # -- help: click's section titles ------------------------------------------------------------------
    "help.usage": "사용법: ",
    "help.options": "옵션",
    "help.commands": "명령",
    # -- help: options ----------------------------------------------------------------------------------
    "opt.help": "이 도움말을 보여 주고 끝냅니다.",
    "opt.version": "버전을 보여 주고 끝냅니다.",
    "opt.data_dir": (
        "데이터 디렉터리 (기본값: $SESSIONKEEPER_DATA_DIR, 없으면 현재 디렉터리 또는 그 위에서 찾은 "
        "프로젝트의 것, 없으면 ./RUNS)."
    ),
    "opt.lang": "메시지 언어 (기본값: LC_ALL, LC_MESSAGES 또는 LANG에서).",
    "opt.json": "결과를 JSON으로 출력합니다 (스크립트용).",
    "opt.scope": "키의 범위.",
    "opt.string": "VALUE가 JSON으로 해석되더라도 문자열로 저장합니다.",
    "opt.wait": "다른 프로세스의 체크포인트가 끝나기를 기다릴 시간.",
    "opt.output": "표준 출력 대신 FILE에 씁니다.",
    "opt.force": "FILE이 있으면 바꿉니다.",
    "opt.max": "보관할 세션 수.",
    "opt.dry_run": "지울 세션만 보여 주고 아무것도 바꾸지 않습니다.",
    "opt.history_limit": "가장 최근에 보관된 세션 N개만.",
    # -- help: commands ---------------------------------------------------------------------------------
    "help.session": (
        "작업 흐름의 상태를 세션과 충돌을 넘어 안전하게 지킵니다.\n\n"
        "모든 명령은 데이터 디렉터리에서 동작합니다: --data-dir, 없으면 SESSIONKEEPER_DATA_DIR, 없으면 "
        "현재 디렉터리 또는 그 위에서 가장 가까운 것(세션이 있는 RUNS/, 또는 [tool.sessionkeeper]가 있는 "
        "pyproject.toml이 가리키는 곳), 없으면 ./RUNS. 어느 것인지는 'session info'가 알려 줍니다. "
        "USER 값은 SESSIONKEEPER_USER_DIR(기본값: 플랫폼의 사용자 데이터 디렉터리)에 있습니다. "
        "읽기 명령은 데이터 디렉터리를 만들지 않습니다. LC_ALL, LC_MESSAGES 또는 LANG이 ko_*이면 "
        "(또는 --lang ko) 메시지를 한국어로 보여 줍니다.\n\n"
        "SESSION_ID는 전체 ID, 무작위 부분(75b2)이나 ID의 앞부분 중 하나로만 맞는 것, 'latest' 또는 "
        "'current'일 수 있습니다. 전역 옵션은 명령 앞이나 뒤에 쓸 수 있습니다. 터미널에서는 색을 "
        "씁니다(--color auto|always|never, NO_COLOR를 따름).\n\n"
        "\b\n예:\n"
        "  session start                       # 새 세션을 만들고 현재 세션으로\n"
        "  session set current_feature auth    # 현재 세션의 SESSION 값\n"
        "  session set user:theme dark --scope user\n"
        "  session info                        # 현재 세션\n"
        "  session list --json                 # 모든 세션 (스크립트용)\n"
        "  session verify                      # 모든 파일 검사, 손상되면 종료 상태 1\n\n"
        "\b\n종료 상태: 0 성공, 1 실패 (stderr에 한 줄), 2 사용법 오류,\n"
        "3 저장소 잠김 (verify: 암호화되어 있는데 키가 없거나 다른 키가 설정됨).\n\n"
        "\b\n셸 자동 완성 (셸 시작 파일에 추가):\n"
        '  bash:  eval "$(_SESSION_COMPLETE=bash_source session)"\n'
        '  zsh:   eval "$(_SESSION_COMPLETE=zsh_source session)"\n'
        "  fish:  _SESSION_COMPLETE=fish_source session | source\n\n"
        "설치된 다른 패키지가 명령을 더할 수 있습니다 (엔트리 포인트 그룹 'sessionkeeper.cli')."
    ),
    "help.start": (
        "새 세션을 시작해 현재 세션으로 삼고 ID를 출력합니다.\n\n"
        "이전 세션은 그대로 둡니다. 필요하면 데이터 디렉터리를 만들고, 보관 규칙을 적용합니다: 최근 "
        "세션 10개를 남기고, 더 오래된 세션은 기록 보관소로 옮깁니다(이벤트와 요약; 'session history' "
        "참고). 옮긴 내용은 stderr에 알립니다.\n\n"
        "\b\n예:\n"
        "  session start\n"
        "  SID=$(session start)\n"
        "  session --data-dir ./RUNS start --json"
    ),
    "help.resume": (
        "마지막 세션을 다시 현재 세션으로 삼고 요약합니다.\n\n"
        "이전 세션 도구가 쓴 세션은 새 세션으로 이어가며, 그 파일은 바꾸지 않습니다.\n\n"
        "\b\n예:\n"
        "  session resume\n"
        "  session resume --json"
    ),
    "help.recover": (
        "세션을 다시 현재 세션으로 삼고, 필요하면 복구합니다.\n\n"
        "SESSION_ID를 현재 세션으로 삼습니다. 최신 파일을 읽을 수 없으면 백업에서 복구합니다. 무엇을 "
        "복구했고 무엇을 버려야 했는지(손상된 저널 레코드, 읽을 수 "
        "없는 스냅샷) 알려 줍니다. "
        "백업을 썼다면 손상된 스냅샷을 새 스냅샷으로 바꿉니다.\n\n"
        "\b\n예:\n"
        "  session recover session_20261125_001423_75b26fb7\n"
        "  session recover session_20261125_001423_75b26fb7 --json"
    ),
    "help.checkpoint": (
        "세션의 저널을 새 스냅샷으로 압축합니다.\n\n"
        "SESSION_ID를 주지 않으면 현재 세션입니다. 다른 프로세스가 그 세션에 쓰는 중에도 안전합니다. "
        "이전 스냅샷은 백업으로 남깁니다.\n\n"
        "\b\n예:\n"
        "  session checkpoint\n"
        "  session checkpoint session_20261125_001423_75b26fb7 --wait 30"
    ),
    "help.info": (
        "현재 세션을 설명합니다.\n\n"
        "ID, 시작 시각, 마지막 체크포인트, 범위별 키 수, 이벤트, 크기와 파일, 실행 중인 프로세스가 "
        "열어 두었는지. USER와 APP 키 수는 세션의 마지막 스냅샷에 담긴 사본 기준입니다. 세션을 잠금 "
        "없이 읽으므로 "
        "그 세션에 쓰는 프로세스를 막지 않습니다.\n\n"
        "\b\n예:\n"
        "  session info\n"
        "  session info --json"
    ),
    "help.list": (
        "데이터 디렉터리의 세션을 오래된 것부터 보여 줍니다.\n\n"
        "\b\n예:\n"
        "  session list\n"
        "  session list --json"
    ),
    "help.show": (
        "세션의 값과 이벤트를 보여 줍니다.\n\n"
        "SESSION_ID를 주지 않으면 현재 세션입니다. 터미널에서는 긴 출력을 페이저($SESSION_PAGER, "
        "없으면 $PAGER, 없으면 less)로 보여 주고, 파이프로는 넘기지 않습니다.\n\n"
        "\b\n예:\n"
        "  session show\n"
        "  session show --tail 20\n"
        "  session show --scope all --no-pager\n"
        "  session show session_20261125_001423_75b26fb7 --json"
    ),
    "help.get": (
        "KEY의 값을 출력합니다.\n\n"
        "문자열은 그대로, 나머지는 JSON으로 출력합니다. KEY가 없으면 종료 상태 1이며, KEY가 있는 범위나 "
        "비슷한 이름을 알려 줍니다.\n\n"
        "\b\n예:\n"
        "  session get current_feature\n"
        "  session get user:theme --scope user\n"
        "  session get project:name --scope app --json"
    ),
    "help.set": (
        "KEY를 VALUE로 설정합니다 (JSON으로 해석하고, 안 되면 문자열로).\n\n"
        "SESSION 값은 현재 세션에 들어갑니다. 명령이 끝나면 변경이 안정 저장소에 있습니다.\n\n"
        "VALUE가 -이면 표준 입력을, @FILE이면 파일을 읽습니다(마지막 줄바꿈 하나는 버림). @@는 @로 "
        "시작하는 텍스트입니다. JSON이 아닌 텍스트는 문자열로 저장하며, 깨진 JSON처럼 보이면 경고합니다. "
        "--string은 항상 문자열로 저장하고, --json-value는 JSON이 아니면 거부합니다(종료 상태 1, "
        "저장하지 않음).\n\n"
        "\b\n예:\n"
        "  session set current_feature authentication\n"
        "  session set retries 3                       # 숫자 3\n"
        '  session set retries 3 --string              # 문자열 "3"\n'
        "  session set temp -5                         # 숫자 -5\n"
        '  session set done \'["setup", "database"]\'\n'
        "  session set settings '{{\"verbose\": true}}' --scope app\n"
        "  session set notes @notes.md                 # 파일의 텍스트\n"
        "  git log -1 | session set last_commit -      # 표준 입력\n"
        '  session set handle @@alice                  # 문자열 "@alice"'
    ),
    "help.delete": (
        "KEY를 지웁니다.\n\n"
        "KEY가 없으면 종료 상태 1.\n\n"
        "\b\n예:\n"
        "  session delete current_feature\n"
        "  session delete user:theme --scope user"
    ),
    "help.export": (
        "세션을 JSON 문서 하나로 내보냅니다.\n\n"
        "SESSION_ID를 주지 않으면 현재 세션입니다. 문서는 저널을 적용한 세션 스냅샷이며, 'session "
        "import'로 읽을 수 있습니다.\n\n"
        "\b\n예:\n"
        "  session export > backup.json\n"
        "  session export session_20261125_001423_75b26fb7 -o backup.json\n"
        "  session export 75b2 -o backup.json           # ID 무작위 부분의 앞부분(하나로만 맞을 때)\n"
        "  session export latest -o latest.json"
    ),
    "help.import": (
        "내보낸 세션을 새 세션으로 가져옵니다.\n\n"
        "새 ID를 출력합니다. 이전 세션 도구의 파일도 받습니다. FILE이 -이면 표준 입력에서 읽습니다. "
        "문서를 해석할 수 없으면 "
        "아무것도 쓰지 않습니다.\n\n"
        "\b\n예:\n"
        "  session import backup.json\n"
        "  session import - < backup.json"
    ),
    "help.prune": (
        "--max를 넘는 가장 오래된 세션을 지금 지웁니다. 먼저 이벤트와 요약을 기록 보관소로 "
        "옮깁니다('session history' 참고).\n\n"
        "현재 세션, 실행 중인 프로세스가 쓰는 세션, 보관소로 옮길 수 없는 세션(손상되었거나 여기 "
        "설정되지 않은 키로 암호화됨)은 지우지 않고 알려 줍니다. --dry-run은 지울 세션만 "
        "보여 줍니다.\n\n"
        "\b\n예:\n"
        "  session prune --dry-run\n"
        "  session prune\n"
        "  session prune --max 3 --json"
    ),
    "help.history": (
        "보관 규칙이 기록 보관소로 옮긴 세션을 오래된 순서로 보여 줍니다.\n\n"
        "보관소는 보고서를 위해 이벤트를 history-days(365)일 동안, 모두 합쳐 history-max-mb(1024)까지 "
        "보관합니다(session-analyze는 현재 세션과 함께 읽습니다). [tool.sessionkeeper] 또는 "
        "SESSIONKEEPER_HISTORY_DAYS / SESSIONKEEPER_HISTORY_MAX_MB로 설정합니다.\n\n"
        "\b\n예:\n"
        "  session history\n"
        "  session history --limit 20 --json"
    ),
    "help.verify": (
        "모든 파일이 온전한지 검사합니다.\n\n"
        "모든 세션 파일과 저널, USER와 APP 저장소를 검사합니다. 아무것도 바꾸지 않고 잠금도 걸지 않으며, "
        "읽기 전용 매체에서도 동작합니다. 암호화된 파일은 키가 있어야 열립니다: 키가 없거나 설정된 키로 "
        "열리지 않는 저장소는 손상이 아니라 잠김으로 보고합니다. 손상된 저장소의 행에는 복구 명령이 "
        "나옵니다.\n\n"
        "\b\n종료 상태:\n"
        "  0  모든 저장소가 온전함\n"
        "  1  손상된 저장소가 있음 (세션은 'session recover ID'로 복구)\n"
        "  3  손상은 없지만 잠긴 저장소가 있음: 키가 없거나 다른 키가 설정됨\n\n"
        "\b\n예:\n"
        "  session verify\n"
        "  SESSIONKEEPER_KEY_FILE=~/.config/sessionkeeper/key session verify\n"
        "  session verify --json"
    ),
    "help.key": (
        "저장된 파일의 암호화 키를 관리합니다.\n\n"
        "키가 설정되면 암호화가 켜집니다: SESSIONKEEPER_KEY_FILE(또는 [tool.sessionkeeper]의 key-file), "
        "SESSIONKEEPER_KEY, SESSIONKEEPER_PASSPHRASE.\n\n"
        "\b\n예:\n"
        "  session key new\n"
        "  session key status\n"
        "  session key rotate"
    ),
    "help.new": (
        "본인만 읽을 수 있는 키 파일에 새 256비트 무작위 키를 씁니다.\n\n"
        "\b\n예:\n"
        "  session key new\n"
        "  session key new -o ~/.config/sessionkeeper/key --json"
    ),
    "help.status": (
        "어떤 파일이 평문, 압축, 암호화 상태인지와 키 ID를 보여 줍니다. 키가 필요 없습니다.\n\n"
        "\b\n예:\n"
        "  session key status\n"
        "  session key status --json"
    ),
    "help.rotate": (
        "모든 파일을 새 키로 다시 암호화한 뒤 키 파일에는 새 키만 남깁니다.\n\n"
        "어느 순간에 중단되어도 모든 파일을 읽을 수 있습니다. 끝날 때까지 두 키가 키 파일에 남습니다. "
        "먼저 실행 중인 세션을 멈추세요.\n\n"
        "\b\n예:\n"
        "  session key rotate"
    ),
    # == issue 16, the `session` command (data directory, ids, values, colour, hints) ===============
    "hint": "힌트: {text}",
    "origin.option": "--data-dir로 지정",
    "origin.env": "SESSIONKEEPER_DATA_DIR로 지정",
    "origin.pyproject": "{file}의 [tool.sessionkeeper]에서",
    "origin.runs": "찾음: {cwd} 또는 그 위에서 가장 가까운, 세션이 있는 RUNS/",
    "origin.default": "기본값: {cwd} 또는 그 위에서 프로젝트를 찾지 못함",
    "error.no_data_dir_found": (
        "데이터 디렉터리가 없습니다: {cwd} 또는 그 위에서 찾지 못했고(세션이 있는 RUNS/ 폴더, 또는 "
        "[tool.sessionkeeper]가 있는 pyproject.toml), {path}도 없습니다"
    ),
    "error.data_dir_blocked": (
        "데이터 디렉터리 {path}({origin})을(를) 만들 수 없습니다: {blocker}은(는) 디렉터리가 아닙니다"
    ),
    "error.cannot_write": "{path}에 쓸 수 없습니다: {reason}",
    "error.no_key_elsewhere": "{scope} 범위에 키 {key!r}이(가) 없지만 {other} 범위에는 있습니다",
    "error.no_key_near": "{scope} 범위에 키 {key!r}이(가) 없습니다. {names}을(를) 찾으셨나요?",
    "error.no_key_near_elsewhere": (
        "{scope} 범위에 키 {key!r}이(가) 없습니다. {other} 범위의 {names}을(를) 찾으셨나요?"
    ),
    "id.too_short": "{ref!r}은(는) 세션을 가리키기에 너무 짧습니다: ID의 16진수를 {min}자리 이상 주세요",
    "id.no_sessions": "{path}에 세션이 없습니다",
    "id.no_match": "{path}에 {ref!r}과(와) 맞는 세션이 없습니다",
    "id.ambiguous": "{ref!r}과(와) 맞는 세션이 {count}개입니다: {candidates}. ID를 더 길게 주세요",
    "id.more": "외 {count}개",
    "value.stdin": "표준 입력",
    "value.not_json": (
        "VALUE가 올바른 JSON이 아니어서({reason}) 문자열로 저장했습니다 "
        "(--string은 문자열임을 밝히고, --json-value는 거부합니다)"
    ),
    "value.invalid_json": (
        "VALUE가 올바른 JSON이 아닙니다({reason}). 아무것도 저장하지 않았습니다 (--json-value)"
    ),
    "value.exclusive": "--string과 --json-value는 함께 쓸 수 없습니다",
    "value.no_file_name": (
        "VALUE '@'에 파일 이름이 없습니다: @FILE은 파일을 읽습니다. 텍스트 '@'를 저장하려면 @@라고 쓰세요"
    ),
    "value.unreadable": (
        "파일 {source}에서 VALUE를 읽을 수 없습니다: {reason} ('@'로 시작하는 텍스트는 '@@'로 쓰세요)"
    ),
    "value.not_text": "{source}의 VALUE가 UTF-8 텍스트가 아닙니다",
    "value.too_large": "{source}의 VALUE가 {limit}바이트보다 커서 값 하나에 담을 수 없습니다",
    "opt.color": "상태 단어와 오류에 색을 쓸 때: auto(터미널이고 NO_COLOR가 없을 때), always, never.",
    "opt.json_global": "결과를 JSON으로 출력합니다 (각 명령의 --json과 같음).",
    "opt.json_value": "VALUE는 JSON이어야 합니다: 해석되지 않는 텍스트를 문자열로 저장하지 않고 거부합니다.",
    # == issue 17, 원격 백업: `session backup ...` ====================================================
    "help.backup": (
        "데이터 디렉터리를 원격 저장소에 백업하고, 원격에서 복원합니다.\n\n"
        "원격은 --remote URL, 없으면 SESSIONKEEPER_REMOTE, 없으면 [tool.sessionkeeper]의 remote입니다: "
        "s3://bucket/prefix(S3 호환 저장소) 또는 디렉터리. 엔드포인트와 자격 증명은 AWS_ENDPOINT_URL, "
        "AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_REGION, AWS_ALLOW_HTTP에서 읽으며 어디에도 "
        "기록하지 않습니다. 파일은 암호화된 채로 나갑니다: remote-plaintext = true가 아니면 키가 "
        "필요합니다.\n\n"
        "\b\n예:\n"
        "  session backup push\n"
        "  session backup status\n"
        "  session backup restore 75b2 --to /tmp/restored\n"
        "  session backup verify --remote s3://my-bucket/team"
    ),
    "help.backup.push": (
        "모든 세션과 APP, USER 저장소를 지금 원격에 올립니다.\n\n"
        "지난번 이후 바뀐 것만 보냅니다. 여기 설정된 키로 원격의 내용을 연 뒤에만 원격을 바꿉니다. "
        "어느 순간에 중단되어도 원격은 복원할 수 있는 상태로 남고, 다음 push가 이어서 보냅니다.\n\n"
        "\b\n예:\n"
        "  session backup push\n"
        "  session backup push --dry-run --json"
    ),
    "help.backup.status": (
        "백업 상태: 마지막 push, 마지막 성공 이후 시간(지연), 보낼 것(대기), 마지막 오류.\n\n"
        "\b\n예:\n"
        "  session backup status\n"
        "  session backup status --json"
    ),
    "help.backup.restore": (
        "이 컴퓨터(또는 --host)가 마지막으로 올린 SESSION_ID를 원격에서 가져옵니다. --all이면 그 push의 "
        "모든 세션과 APP 저장소를 가져옵니다(다시 설치한 컴퓨터; USER는 'session backup pull'로).\n\n"
        "파일을 쓰기 전에 모든 객체를 검사하며, 있는 세션은 덮어쓰지 않습니다. SESSION_ID는 ID나 "
        "임의 부분의 고유한 앞부분이어도 됩니다.\n\n"
        "\b\n예:\n"
        "  session backup restore session_20261125_001423_75b26fb7\n"
        "  session backup restore 75b2 --to /tmp/restored --host laptop\n"
        "  session backup restore 75b2 --to /tmp/yesterday --at 2026-12-01T18:00\n"
        "  session backup restore --all --host old-laptop      # 다시 설치한 컴퓨터"
    ),
    "help.backup.prune": (
        "원격 보존: 이 컴퓨터의 push 중 --keep-last개(그리고 --keep-within일)를 넘는 것을 버리고, "
        "어느 컴퓨터의 manifest도 더 이상 필요로 하지 않는 객체와 인덱스를 지웁니다. 객체는 이 "
        "데이터 디렉터리의 prune이 --grace초 이상 필요 없다고 확인한 뒤에만 지워지므로, 그 사이에 "
        "실행 중인 push가 쓴 것은 사라지지 않습니다. 다른 컴퓨터의 push는 버리지 않습니다.\n\n"
        "\b\n예:\n"
        "  session backup prune --dry-run\n"
        "  session backup prune --keep-last 20 --keep-within 30 --json"
    ),
    "help.backup.verify": (
        "원격을 검사합니다: 모든 매니페스트가 열리고, 거기 적힌 모든 push가 있고, 모든 객체가 이름과 "
        "같은 해시인지.\n\n"
        "\b\n종료 상태:\n"
        "  0  모두 온전함\n"
        "  1  문제가 있음 (목록 출력)\n"
        "  3  잠김: 여기 설정되지 않은 키로 쓴 원격\n\n"
        "\b\n예:\n"
        "  session backup verify\n"
        "  session backup verify --quick --json"
    ),
    "opt.remote": "원격(s3://bucket/prefix 또는 디렉터리). SESSIONKEEPER_REMOTE와 pyproject보다 우선합니다.",
    "opt.backup_dry_run": "보낼 것만 보여 주고 아무것도 바꾸지 않습니다.",
    "opt.restore_to": "이 데이터 디렉터리에 복원합니다(기본값: 이번 실행의 데이터 디렉터리).",
    "opt.backup_host": "누구의 push인지: 원격에서의 컴퓨터 이름(기본값: 이 컴퓨터).",
    "opt.backup_quick": "객체를 내려받지 않고 크기만 검사합니다.",
    "opt.backup_keep_last": "이 컴퓨터의 마지막 push N개를 남깁니다.",
    "opt.backup_keep_within": "DAYS일보다 최근의 push만 남깁니다(최신 push는 항상 남습니다).",
    "opt.backup_grace": "객체는 이 시간 동안 필요 없었던 뒤에만 지웁니다.",
    "opt.backup_prune_dry_run": "지울 것만 보여 주고 아무것도 바꾸지 않습니다.",
    "opt.restore_at": "TIME 또는 그 전의 마지막 push 시점의 세션 (ISO 8601, 시간대가 없으면 현지 시각).",
    "backup.bad_time": "--at {value!r}은(는) 시각이 아닙니다: ISO 8601로 주세요 (예: 2026-12-01T09:30)",
    "backup.no_remote": (
        "원격이 설정되지 않았습니다: --remote URL을 주거나, SESSIONKEEPER_REMOTE를 설정하거나, "
        '[tool.sessionkeeper]에 remote = "s3://bucket/prefix"를 넣으세요'
    ),
    "backup.pushed": (
        "{remote}에 {host}(으)로 저장소 {stores}개의 객체 {count}개({size})를 올렸습니다 (push {seq})."
    ),
    "backup.up_to_date": "{remote}은(는) 최신 상태입니다 ({host}, push {seq}).",
    "backup.would_push": "{remote}에 {host}(으)로 객체 {count}개({size})를 올릴 것입니다.",
    "backup.nothing_to_push": "올릴 것이 없습니다: {remote}에 모두 있습니다 ({host}).",
    "backup.skipped": "{store}을(를) 올리지 않았습니다: {reason}",
    "backup.restored": (
        "{host}의 push {seq}({at})에서 {id}을(를) {path}에 복원했습니다: 키 {keys}개, 이벤트 {events}개."
    ),
    "backup.would_restore": (
        "{host}의 push {seq}({at})에서 {id}을(를) {path}에 복원할 수 있습니다: 키 {keys}개, 이벤트 "
        "{events}개. 모든 객체를 받아 확인했고, 아무것도 쓰지 않았습니다."
    ),
    "opt.restore_dry_run": "모두 받아 확인하고 무엇이 복원될지만 말합니다. 아무것도 쓰지 않습니다.",
    "opt.restore_all": "그 push의 모든 세션과 APP 저장소(여기 아직 없는 것).",
    "backup.restore_what": "복원할 SESSION_ID를 주거나 --all을 주세요(둘 다는 안 됩니다)",
    "backup.restored_all": (
        "{host}의 push {seq}({at})에서 저장소 {count}개({size})를 {path}에 복원했습니다. "
        "{present}개는 이미 있어 그대로 두었습니다."
    ),
    "backup.would_restore_all": (
        "{host}의 push {seq}({at})에서 저장소 {count}개({size})를 {path}에 복원할 수 있습니다. "
        "{present}개는 이미 있습니다. 모든 객체를 받아 확인했고, 아무것도 쓰지 않았습니다."
    ),
    "backup.no_host": "{remote}에 {host}의 백업이 없습니다 (어떤 호스트가 있는지는 'session backup verify')",
    "backup.no_session": "{remote}에 {host}가 마지막으로 올린 push에는 세션 {ref}이(가) 없습니다",
    "backup.verify_ok": (
        "모두 온전합니다: 호스트 {hosts}개의 객체 {objects}개({size}), 참조되지 않은 객체 {unreferenced}개."
    ),
    "backup.verify_problems": "{remote}에 문제가 {count}개 있습니다 (위 참조)",
    "backup.verify_locked": "{detail}",
    "backup.remote_value": "{url} ({origin})",
    "backup.never": "없음",
    "backup.none": "없음",
    "backup.seq": "push {seq}",
    "backup.seconds": "{seconds}초",
    "backup.backlog": "객체 {count}개({size}) 대기 중",
    "backup.no_backlog": "대기 중인 것 없음",
    "opt.list_remote": "원격에 있는 모든 컴퓨터의 세션(SESSIONKEEPER_REMOTE 또는 pyproject의 remote).",
    "list.remote_title": "{remote}에 있는 컴퓨터 {hosts}대의 세션 {count}개",
    "list.remote_empty": "{remote}에 push된 세션이 없습니다.",
    "column.push": "push",
    "column.pushed_at": "push 시각",
    "recover.fetched": "{id}의 로컬 사본이 없어 {remote}에서 가져왔습니다({host}의 push {seq}, {pushed_at}).",
    "backup.pruned": (
        "{remote} ({host}): push {dropped}개 버림, {kept}개 남김; 객체 {count}개({size}) 삭제, "
        "{candidates}개는 필요 없지만 유예 기간 안"
    ),
    "backup.would_prune": (
        "{remote} ({host}): push {dropped}개를 버리고 {kept}개를 남기며 객체 {count}개({size})를 "
        "지울 예정; {candidates}개는 필요 없지만 유예 기간 안"
    ),
    "help.backup.pull": (
        "원격에 push하는 모든 컴퓨터의 USER 스코프를 합칩니다.\n\n"
        "키마다 가장 최근의 쓰기가 이깁니다(하이브리드 논리 시계: 다른 컴퓨터의 변경을 본 뒤에 한 "
        "변경은 시계와 관계없이 더 최근입니다). 삭제는 툼스톤으로 전해집니다. 이 컴퓨터에 없는 것은 "
        "USER 스코프에 쓰고, 표에는 가져온 것, 지운 것, 다른 컴퓨터와 달랐지만 여기 값이 이긴 것을 "
        "보여 줍니다. 값은 보여 주지 않습니다. 결과를 나누려면 이어서 push하세요.\n\n"
        "\b\n예:\n"
        "  session backup pull --dry-run\n"
        "  session backup pull && session backup push\n"
        "  session backup pull --json"
    ),
    "opt.backup_pull_dry_run": "무엇이 바뀔지만 말하고 아무것도 쓰지 않습니다.",
    "progress.sending": "보내는 중",
    "progress.fetching": "받는 중",
    "pull.skipped": "{host}는 합치지 않았습니다: {reason}",
    "pull.done": (
        "{remote}의 다른 컴퓨터 {hosts}대에서 USER를 합쳤습니다: 가져옴 {took}, 삭제 {deleted}, "
        "여기 값 유지 {kept}, 도중에 바뀜 {deferred}(다음 pull), 이미 같음 {in_sync}."
    ),
    "pull.would": (
        "{remote}의 다른 컴퓨터 {hosts}대에서 USER를 합칠 예정: 가져올 것 {took}, 지울 것 {deleted}, "
        "여기 값 유지 {kept}, 이미 같음 {in_sync}. 아무것도 쓰지 않았습니다."
    ),
    "pull.action.took": "가져옴",
    "pull.action.deleted": "삭제",
    "pull.action.kept": "여기 값 유지",
    "pull.action.deferred": "도중에 바뀜",
    "column.pull_action": "처리",
    "column.written_at": "쓴 시각",
    "column.disagreed": "달랐던 곳",
    "backup.over_bound": (
        "{backlog}: 한도 초과({size}, 또는 마지막 성공 후 {hours}시간) — 로컬 저장은 계속됩니다. "
        "원격을 확인하고 `session backup push`를 실행하세요"
    ),
    "label.remote": "원격",
    "label.backup_host": "호스트 이름",
    "label.last_push": "마지막 push",
    "label.last_success": "마지막 성공",
    "label.lag": "지연",
    "label.backlog": "대기",
    "label.last_error": "마지막 오류",
    "label.not_pushed": "올리지 않음",
    "label.remote_now": "현재 원격",
    "column.pushes": "push 수",
    "column.latest": "최근",
}

CATALOGUE: dict[str, dict[str, str]] = {"en": EN, "ko": KO}

_language = "en"


def use(language: str) -> None:
    """Make ``language`` (a key of :data:`CATALOGUE`) the language of every later message."""
    global _language  # noqa: PLW0603 - one language per run, chosen before any output
    if language not in CATALOGUE:
        raise ValueError(f"no messages in {language!r}; available: {', '.join(CATALOGUE)}")
    _language = language


def current() -> str:
    """The language messages are in now."""
    return _language


def has(message_id: str) -> bool:
    """Whether ``message_id`` is in the catalogue."""
    return message_id in EN


def singular_for(message_id: str, count: int) -> str:
    """``message_id``, or its singular form (``message_id.one``) for a count of one in a language
    that has one (Korean does not inflect for number: it lists a singular only to reword)."""
    singular = f"{message_id}.one"
    return singular if count == 1 and singular in CATALOGUE[_language] else message_id


def text(message_id: str, /, **values: object) -> str:
    """The message ``message_id`` in the current language, with ``values`` filled in."""
    template = CATALOGUE[_language].get(message_id) or EN[message_id]
    return template.format_map(values)
