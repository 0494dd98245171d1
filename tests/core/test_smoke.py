"""The main job, end to end: values set in one process come back in another."""

from __future__ import annotations

import os
from pathlib import Path

from sessionkeeper.core import SessionManager, StateScope
from tests.conftest import run_python


def test_second_process_resumes_session_user_and_app_values_but_not_temp(
    data_dir: Path, user_dir: Path
) -> None:
    session = SessionManager(data_dir=data_dir, user_dir=user_dir, handle_signals=False)
    session_id = session.start()
    session.set("current_feature", "authentication", StateScope.SESSION)
    session.set("user:theme", "dark", StateScope.USER)
    session.set("project:name", "kit", StateScope.APP)
    session.set("temp:cache", object(), StateScope.TEMP)
    session.stop()

    code = (
        "from sessionkeeper.core import SessionManager, StateScope\n"
        "s = SessionManager.get_instance()\n"
        "print(s.resume())\n"
        "print(s.get('current_feature'), s.get('user:theme', StateScope.USER),"
        " s.get('project:name', StateScope.APP), s.get('temp:cache', StateScope.TEMP, 'gone'))\n"
    )
    status, out, err = run_python(code, dict(os.environ))
    assert status == 0, err
    assert out.split() == [session_id, "authentication", "dark", "kit", "gone"]
