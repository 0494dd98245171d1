"""A short, real demonstration of Sessionkeeper's main job.

1. This process starts a session and sets values in every scope, then exits.
2. A second, separate Python process resumes the latest session and shows what came back:
   SESSION, USER and APP values survive; TEMP (memory only) does not.

Data goes to ./RUNS (or $SESSIONKEEPER_DATA_DIR); USER values to the platform's user data
directory (or $SESSIONKEEPER_USER_DIR).
"""

from __future__ import annotations

import subprocess
import sys
from datetime import datetime

from sessionkeeper.core import SessionManager, StateScope

RESUME = """
from sessionkeeper.core import SessionManager, StateScope
session = SessionManager.get_instance()
session_id = session.resume()
print(f"[process 2] resumed {session_id}")
for scope in (StateScope.SESSION, StateScope.USER, StateScope.APP, StateScope.TEMP):
    keys = session.keys(scope)
    shown = {key: session.get(key, scope) for key in keys}
    print(f"[process 2]   {scope.name:<7} {shown if shown else '(empty)'}")
session.stop()
"""


def main() -> int:
    session = SessionManager.get_instance()
    session_id = session.start()
    print(f"[process 1] started {session_id} in {session.data_dir}")
    session.set("current_feature", "authentication", StateScope.SESSION)
    session.set("completed_tasks", ["setup", "database"], StateScope.SESSION)
    session.set("started", datetime.now().replace(microsecond=0), StateScope.SESSION)
    session.set("user:theme", "dark", StateScope.USER)
    session.set("project:name", "dev-rules-starter-kit", StateScope.APP)
    session.set("temp:analysis_cache", {"big": "object"}, StateScope.TEMP)
    completed = session.get("completed_tasks", StateScope.SESSION, [])
    completed.append("api")  # the guide's get-append-set habit
    session.set("completed_tasks", completed, StateScope.SESSION)
    print("[process 1] set values in SESSION, USER, APP and TEMP; exiting", flush=True)
    session.stop()
    return subprocess.run([sys.executable, "-c", RESUME], check=False).returncode


if __name__ == "__main__":
    raise SystemExit(main())
