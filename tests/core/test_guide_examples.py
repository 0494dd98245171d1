"""Every Python example of the original guide runs with only its import line changed.

The examples are copied from ``session-manager-guide.ko.md`` as they are (Korean comments
included); only type hints were added, and names the guide leaves undefined (``datetime``,
``large_data``, ``_run_task``, ``_calculate_duration``) are supplied. The last test runs the
guide's own code blocks, so a copy here cannot drift from the guide.

The guide uses the process-wide ``SessionManager.get_instance()``: the autouse fixture below
resets it around every test (and the conftest points it at the test's own directories).
"""

from __future__ import annotations

import re
import signal
import time
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from sessionkeeper.core import SessionManager, StateScope, list_sessions, read_session
from tests.conftest import SHARED, decoded_files, stored_document

GUIDE = SHARED / "seed" / "session-manager-guide.ko.md"
Opener = Callable[..., SessionManager]


@pytest.fixture(autouse=True)
def fresh_singleton(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """No instance before the test; the one the test made is stopped and forgotten after it.

    ``get_instance()`` installs SIGINT/SIGTERM handlers (it is the guide's default); they are put
    back as they were, so nothing of this test outlives it.
    """
    handlers = {signum: signal.getsignal(signum) for signum in (signal.SIGINT, signal.SIGTERM)}
    monkeypatch.setattr(SessionManager, "_instance", None)
    yield
    instance = SessionManager._instance
    if instance is not None:
        instance.stop()
    SessionManager._instance = None
    for signum, handler in handlers.items():
        signal.signal(signum, handler)


def _fresh(data_dir: Path, user_dir: Path, **kwargs: Any) -> SessionManager:
    """An independent manager on the same directories, as a later program run would have."""
    return SessionManager(data_dir=data_dir, user_dir=user_dir, handle_signals=False, **kwargs)


def _snapshot_session_values(data_dir: Path, session_id: str) -> dict[str, Any]:
    """SESSION values as the snapshot file on disk holds them (journals not applied), opened with
    the configured codec."""
    document = stored_document(data_dir / "sessions" / f"{session_id}.json")
    values: dict[str, Any] = document["scope_data"]["session"]
    return values


def _all_bytes_written(*roots: Path) -> bytes:
    """Every file under ``roots``, raw and as opened with the configured codec (compressed or
    encrypted files would hide what a plain grep looks for)."""
    return decoded_files(*roots)


# -- 시나리오 1: 개발 작업 추적 --------------------------------------------------------------------------
def test_scenario1_session_values_come_back_now_and_after_resume(
    data_dir: Path, user_dir: Path, reopen: Opener
) -> None:
    from sessionkeeper.core import SessionManager, StateScope

    # 세션 시작
    session = SessionManager.get_instance()
    session.start()

    # 현재 작업 저장
    session.set("current_feature", "authentication", StateScope.SESSION)
    session.set("completed_tasks", ["setup", "database"], StateScope.SESSION)
    session.set("test_coverage", 85.5, StateScope.SESSION)

    # 나중에 조회
    feature = session.get("current_feature", StateScope.SESSION)
    tasks = session.get("completed_tasks", StateScope.SESSION)

    assert feature == "authentication"
    assert tasks == ["setup", "database"]
    assert session.data_dir == data_dir  # configured from SESSIONKEEPER_DATA_DIR
    session_id = session.session_id
    assert session_id is not None
    session.stop()

    later = reopen()
    assert later.resume() == session_id
    assert later.get("current_feature", StateScope.SESSION) == "authentication"
    assert later.get("completed_tasks", StateScope.SESSION) == ["setup", "database"]
    assert later.get("test_coverage", StateScope.SESSION) == 85.5


# -- 시나리오 2: 사용자 설정 관리 ------------------------------------------------------------------------
def test_scenario2_user_settings_are_seen_by_the_next_new_session(
    data_dir: Path, user_dir: Path, reopen: Opener
) -> None:
    session = SessionManager.get_instance()
    first = session.start()
    assert session.get("user:theme", StateScope.USER, default="light") == "light"

    # 사용자별 설정 (세션 간 유지)
    session.set("user:theme", "dark", StateScope.USER)
    session.set("user:editor", "vscode", StateScope.USER)
    session.set("user:auto_save", True, StateScope.USER)

    # 다음 세션에서도 복구됨
    theme = session.get("user:theme", StateScope.USER, default="light")

    assert theme == "dark"
    session.stop()

    next_session = reopen()
    assert next_session.start() != first  # a new session, not a resumed one
    assert next_session.get("user:theme", StateScope.USER, default="light") == "dark"
    assert next_session.get("user:editor", StateScope.USER) == "vscode"
    assert next_session.get("user:auto_save", StateScope.USER) is True
    assert next_session.keys(StateScope.SESSION) == []


# -- 시나리오 3: 프로젝트 전역 설정 ----------------------------------------------------------------------
def test_scenario3_app_values_persist_for_the_project_for_every_user(
    data_dir: Path, user_dir: Path, tmp_path: Path
) -> None:
    session = SessionManager.get_instance()
    session.start()
    session.set("user:theme", "dark", StateScope.USER)

    # 프로젝트 전역 정보
    session.set("project:name", "dev-rules-starter-kit", StateScope.APP)
    session.set("project:version", "1.0.0", StateScope.APP)
    session.set("project:constitution", {"articles": 13}, StateScope.APP)

    session.stop()
    other_user = _fresh(data_dir, tmp_path / "another-user")
    try:
        other_user.start()
        assert other_user.get("project:name", StateScope.APP) == "dev-rules-starter-kit"
        assert other_user.get("project:version", StateScope.APP) == "1.0.0"
        assert other_user.get("project:constitution", StateScope.APP) == {"articles": 13}
        assert other_user.get("user:theme", StateScope.USER) is None  # USER belongs to the other user
    finally:
        other_user.stop()
    other_project = _fresh(tmp_path / "another-project", user_dir)
    try:
        other_project.start()
        assert other_project.get("project:name", StateScope.APP) is None
        assert other_project.get("user:theme", StateScope.USER) == "dark"
    finally:
        other_project.stop()


# -- 시나리오 4: 임시 캐시 데이터 ------------------------------------------------------------------------
class _BuildOutput:
    """Not serialisable at all: TEMP takes any object."""

    def __init__(self) -> None:
        self.log = ["TEMP-ONLY-BUILD-LOG-7f3a"]


def test_scenario4_temp_values_are_the_objects_set_and_never_written(
    data_dir: Path, user_dir: Path, reopen: Opener
) -> None:
    large_data = {"rows": list(range(50_000)), "marker": "TEMP-ONLY-CACHE-91c2"}
    build_output = _BuildOutput()
    session = SessionManager.get_instance()
    session.start()

    # 저장하지 않을 임시 데이터
    session.set("temp:analysis_cache", large_data, StateScope.TEMP)
    session.set("temp:build_artifacts", build_output, StateScope.TEMP)

    assert session.get("temp:analysis_cache", StateScope.TEMP) is large_data
    assert session.get("temp:build_artifacts", StateScope.TEMP) is build_output
    session_id = session.session_id
    assert session.checkpoint()
    session.stop()
    written = _all_bytes_written(data_dir, user_dir)
    assert b"TEMP-ONLY-CACHE-91c2" not in written
    assert b"TEMP-ONLY-BUILD-LOG-7f3a" not in written
    assert b"temp:analysis_cache" not in written

    later = reopen()
    later.resume(session_id)
    assert later.get("temp:analysis_cache", StateScope.TEMP) is None
    assert later.keys(StateScope.TEMP) == []


# -- TaskExecutor와 통합 ----------------------------------------------------------------------------------
class EnhancedTaskExecutor:
    def __init__(self) -> None:
        self.session = SessionManager.get_instance()
        self.session.start()

    def execute_task(self, task_yaml: dict[str, Any]) -> Any:
        # 작업 시작 기록
        task_id = task_yaml.get("task_id")
        self.session.set("executing_task", task_id, StateScope.SESSION)
        self.session.set("task_start_time", datetime.now(), StateScope.SESSION)

        try:
            # 작업 실행
            result = self._run_task(task_yaml)

            # 성공 기록
            completed = self.session.get("completed_tasks", StateScope.SESSION, [])
            completed.append(task_id)
            self.session.set("completed_tasks", completed, StateScope.SESSION)

            return result

        except Exception as e:
            # 실패 기록
            self.session.set("last_error", str(e), StateScope.SESSION)
            self.session.set("failed_task", task_id, StateScope.SESSION)
            raise

    def get_session_summary(self) -> dict[str, Any]:
        """세션 요약 정보"""
        return {
            "completed": self.session.get("completed_tasks", StateScope.SESSION, []),
            "current": self.session.get("executing_task", StateScope.SESSION),
            "failed": self.session.get("failed_task", StateScope.SESSION),
        }

    def _run_task(self, task_yaml: dict[str, Any]) -> Any:
        raise NotImplementedError  # the guide leaves it to the real TaskExecutor


class StubTaskExecutor(EnhancedTaskExecutor):
    """The guide's executor with a task runner: fails when the task says so."""

    def _run_task(self, task_yaml: dict[str, Any]) -> Any:
        if task_yaml.get("fail"):
            raise RuntimeError(f"task {task_yaml['task_id']} failed: 테스트 실패")
        return {"task_id": task_yaml["task_id"], "ok": True}


def test_task_executor_records_completed_tasks_in_order() -> None:
    executor = StubTaskExecutor()
    assert executor.execute_task({"task_id": "FEAT-1"}) == {"task_id": "FEAT-1", "ok": True}
    assert executor.execute_task({"task_id": "TEST-2"}) == {"task_id": "TEST-2", "ok": True}
    assert executor.get_session_summary() == {
        "completed": ["FEAT-1", "TEST-2"],
        "current": "TEST-2",
        "failed": None,
    }


def test_task_executor_failure_records_the_error_and_reraises() -> None:
    executor = StubTaskExecutor()
    executor.execute_task({"task_id": "FEAT-1"})
    with pytest.raises(RuntimeError, match="FIX-DB failed"):
        executor.execute_task({"task_id": "FIX-DB", "fail": True})
    summary = executor.get_session_summary()
    assert summary == {"completed": ["FEAT-1"], "current": "FIX-DB", "failed": "FIX-DB"}
    assert executor.session.get("last_error") == "task FIX-DB failed: 테스트 실패"


def test_two_executors_share_the_one_running_session() -> None:
    first = StubTaskExecutor()
    second = StubTaskExecutor()  # its start() keeps the session that is already running
    assert first.session is second.session
    first.execute_task({"task_id": "A"})
    second.execute_task({"task_id": "B"})
    assert second.get_session_summary()["completed"] == ["A", "B"]


def test_task_executor_start_time_round_trips_as_a_datetime(
    data_dir: Path, user_dir: Path, reopen: Opener
) -> None:
    executor = StubTaskExecutor()
    before = datetime.now()
    executor.execute_task({"task_id": "FEAT-1"})
    after = datetime.now()
    recorded = executor.session.get("task_start_time", StateScope.SESSION)
    assert type(recorded) is datetime
    assert recorded.tzinfo is None  # the guide stores a naive local time; it stays one
    assert before <= recorded <= after
    session_id = executor.session.session_id
    assert session_id is not None
    executor.session.stop()

    assert read_session(data_dir, session_id).get("task_start_time") == recorded
    later = reopen()
    later.resume(session_id)
    restored = later.get("task_start_time", StateScope.SESSION)
    assert type(restored) is datetime
    assert restored == recorded
    assert restored.tzinfo is None
    assert later.get("completed_tasks", StateScope.SESSION) == ["FEAT-1"]
    assert later.get("executing_task", StateScope.SESSION) == "FEAT-1"


def test_get_append_changes_nothing_stored_until_set(data_dir: Path) -> None:
    session = SessionManager.get_instance()
    session_id = session.start()
    session.set("completed_tasks", ["setup"], StateScope.SESSION)
    session.set("user:recent", ["a"], StateScope.USER)
    assert session.checkpoint()

    completed = session.get("completed_tasks", StateScope.SESSION, [])
    completed.append("database")
    recent = session.get("user:recent", StateScope.USER, [])
    recent.append("b")

    assert session.get("completed_tasks", StateScope.SESSION) == ["setup"]
    assert session.get("user:recent", StateScope.USER) == ["a"]
    assert read_session(data_dir, session_id).get("completed_tasks") == ["setup"]
    assert session.checkpoint()
    assert _snapshot_session_values(data_dir, session_id)["completed_tasks"] == ["setup"]

    session.set("completed_tasks", completed, StateScope.SESSION)
    completed.append("after-set")  # the caller's list stays the caller's
    assert session.get("completed_tasks", StateScope.SESSION) == ["setup", "database"]
    assert read_session(data_dir, session_id).get("completed_tasks") == ["setup", "database"]


def test_get_hands_out_a_fresh_object_each_time() -> None:
    session = SessionManager.get_instance()
    session.start()
    session.set("nested", {"items": [1, 2], "meta": {"k": "v"}}, StateScope.SESSION)
    first = session.get("nested", StateScope.SESSION)
    first["items"].append(3)
    first["meta"]["k"] = "changed"
    second = session.get("nested", StateScope.SESSION)
    assert second == {"items": [1, 2], "meta": {"k": "v"}}
    assert second is not first


# -- 개발 어시스턴트와 통합 --------------------------------------------------------------------------------
class SessionAwareDevAssistant:
    def __init__(self) -> None:
        self.session = SessionManager.get_instance()
        self.session.start()

    def on_file_change(self, file_path: Any) -> None:
        # 변경 파일 추적
        changed_files = self.session.get("changed_files", StateScope.SESSION, set())
        changed_files.add(str(file_path))
        self.session.set("changed_files", list(changed_files), StateScope.SESSION)

        # 검증 카운트 증가
        count = self.session.get("verification_count", StateScope.SESSION, 0)
        self.session.set("verification_count", count + 1, StateScope.SESSION)

    def get_activity_summary(self) -> dict[str, Any]:
        """활동 요약"""
        return {
            "files_changed": len(self.session.get("changed_files", StateScope.SESSION, [])),
            "verifications": self.session.get("verification_count", StateScope.SESSION, 0),
            "session_duration": self._calculate_duration(),
        }

    def _calculate_duration(self) -> float:
        raise NotImplementedError  # the guide leaves it to the real DevAssistant


class TimedDevAssistant(SessionAwareDevAssistant):
    def _calculate_duration(self) -> float:
        started = self.session.info().started_at
        assert started is not None
        return (datetime.now(started.tzinfo) - started).total_seconds()


def test_dev_assistant_first_file_change_is_recorded_and_persists(
    data_dir: Path, user_dir: Path, reopen: Opener
) -> None:
    assistant = TimedDevAssistant()
    assistant.on_file_change(Path("src/app.py"))
    summary = assistant.get_activity_summary()
    assert summary["files_changed"] == 1
    assert summary["verifications"] == 1
    assert 0 <= summary["session_duration"] < 60
    assert assistant.session.get("changed_files", StateScope.SESSION) == ["src/app.py"]
    session_id = assistant.session.session_id
    assistant.session.stop()

    later = reopen()
    later.resume(session_id)
    changed = later.get("changed_files", StateScope.SESSION)
    assert changed == ["src/app.py"]
    assert type(changed) is list  # stored list(...), so a list comes back
    assert later.get("verification_count", StateScope.SESSION) == 1


def test_dev_assistant_second_file_change_fails_because_lists_stay_lists() -> None:
    """SPEC: the guide's on_file_change cannot work twice as written; types are not bent to rescue it."""
    assistant = TimedDevAssistant()
    assistant.on_file_change("a.py")
    with pytest.raises(AttributeError, match="add"):
        assistant.on_file_change("b.py")
    assert assistant.session.get("changed_files", StateScope.SESSION) == ["a.py"]
    assert assistant.session.get("verification_count", StateScope.SESSION) == 1


def test_a_set_passed_as_default_comes_back_unchanged_when_the_key_is_absent() -> None:
    session = SessionManager.get_instance()
    session.start()
    default: set[str] = set()
    assert session.get("changed_files", StateScope.SESSION, default) is default
    session.set("changed_set", {"a.py", "b.py"}, StateScope.SESSION)
    stored = session.get("changed_set", StateScope.SESSION)
    assert stored == {"a.py", "b.py"}
    assert type(stored) is set


# -- 주의사항 1: 싱글톤 패턴 ------------------------------------------------------------------------------
def test_get_instance_returns_the_same_object_every_time(data_dir: Path, user_dir: Path) -> None:
    # 항상 같은 인스턴스 반환
    session1 = SessionManager.get_instance()
    session2 = SessionManager.get_instance()
    assert session1 is session2  # True

    assert session1.data_dir == data_dir
    assert session1.user_dir == user_dir
    independent = _fresh(data_dir, user_dir)
    assert independent is not session1
    assert SessionManager.get_instance() is session1


# -- Q2: 체크포인트 간격 조정 -----------------------------------------------------------------------------
def test_checkpoint_interval_changes_take_effect_at_once(data_dir: Path) -> None:
    running = SessionManager.get_instance()
    session_id = running.start()
    assert running.checkpoint_interval == 1800  # 기본 30분

    # 체크포인트 간격 조정 (기본 30분)
    session = SessionManager.get_instance()
    session.checkpoint_interval = 3600  # 60분으로 변경
    assert session.checkpoint_interval == 3600
    assert session.info().checkpoint_interval == 3600
    # 또는
    session.checkpoint_interval = 900  # 15분으로 변경
    assert session.checkpoint_interval == 900
    assert session.get_session_info()["checkpoint_interval"] == 900

    session.set("feature", "after-interval-change", StateScope.SESSION)
    time.sleep(0.3)
    assert "feature" not in _snapshot_session_values(data_dir, session_id)  # not due for 15 minutes
    session.checkpoint_interval = 0.2  # a short interval is due at once: no restart needed
    deadline = time.monotonic() + 5
    while "feature" not in _snapshot_session_values(data_dir, session_id):
        assert time.monotonic() < deadline, "the background checkpoint did not follow the new interval"
        time.sleep(0.02)
    assert _snapshot_session_values(data_dir, session_id)["feature"] == "after-interval-change"
    with pytest.raises(ValueError, match="checkpoint_interval"):
        session.checkpoint_interval = 0


# -- Q3: 저장 공간 부족 ----------------------------------------------------------------------------------
def test_max_sessions_five_keeps_at_most_five_sessions(data_dir: Path, user_dir: Path) -> None:
    for _ in range(7):
        earlier = _fresh(data_dir, user_dir)
        earlier.start()
        earlier.stop()
    running = SessionManager.get_instance()
    current = running.start()
    assert len(list_sessions(data_dir)) == 8  # the default keeps 10

    # 최대 세션 수 조정
    session = SessionManager.get_instance()
    session.max_sessions = 5  # 5개만 유지

    remaining = [entry.session_id for entry in list_sessions(data_dir)]
    assert len(remaining) == 5
    assert current in remaining
    session.stop()
    newest = session.start()  # later sessions keep the limit too
    remaining = [entry.session_id for entry in list_sessions(data_dir)]
    assert len(remaining) == 5
    assert newest in remaining
    assert session.info().max_sessions == 5


# -- the guide itself -------------------------------------------------------------------------------
def _guide_blocks() -> list[str]:
    if not GUIDE.is_file():
        pytest.fail(f"the guide is missing: {GUIDE}")
    return re.findall(r"```python\n(.*?)```", GUIDE.read_text(encoding="utf-8"), flags=re.DOTALL)


def test_every_python_block_of_the_guide_runs_with_only_the_import_changed(
    data_dir: Path, user_dir: Path
) -> None:
    blocks = _guide_blocks()
    assert len(blocks) == 11
    hook_blocks = [block for block in blocks if "task_executor_session_hook" in block]
    assert len(hook_blocks) == 1  # the hooks package (SPEC section 3) is tested elsewhere
    old_import = "from scripts.session_manager import"
    assert sum(block.count(old_import) for block in blocks) == 3
    namespace: dict[str, Any] = {
        "__name__": "guide",
        "StateScope": StateScope,  # the first block only lists the scopes, without an import
        "datetime": datetime,  # used by the TaskExecutor example without an import
        "large_data": {"rows": list(range(1000))},  # scenario 4's placeholders
        "build_output": object(),
    }
    for number, block in enumerate(blocks):
        if block in hook_blocks:
            continue
        code = block.replace(old_import, "from sessionkeeper.core import")
        exec(compile(code, f"{GUIDE.name} python block {number}", "exec"), namespace)  # noqa: S102

    session = namespace["session"]
    assert session is SessionManager.get_instance()
    assert namespace["session1"] is namespace["session2"] is session
    assert namespace["feature"] == "authentication"
    assert namespace["tasks"] == ["setup", "database"]
    assert namespace["theme"] == "dark"
    assert session.checkpoint_interval == 900
    assert session.max_sessions == 5
    assert session.get("temp:build_artifacts", StateScope.TEMP) is namespace["build_output"]

    # The two classes run too, with the methods the guide leaves out.
    def run_task(self: Any, task_yaml: dict[str, Any]) -> str:
        return "done"

    def calculate_duration(self: Any) -> float:
        return 0.0

    executor_class = type("GuideExecutor", (namespace["EnhancedTaskExecutor"],), {"_run_task": run_task})
    assistant_class = type(
        "GuideAssistant",
        (namespace["SessionAwareDevAssistant"],),
        {"_calculate_duration": calculate_duration},
    )
    executor = executor_class()
    assert executor.execute_task({"task_id": "FEAT-2025-10-26"}) == "done"
    assert executor.get_session_summary() == {
        "completed": ["setup", "database", "FEAT-2025-10-26"],
        "current": "FEAT-2025-10-26",
        "failed": None,
    }
    assistant = assistant_class()
    assistant.on_file_change(Path("docs/guide.md"))
    assert assistant.get_activity_summary() == {
        "files_changed": 1,
        "verifications": 1,
        "session_duration": 0.0,
    }

    session_id = session.session_id
    session.stop()
    later = _fresh(data_dir, user_dir)
    try:
        later.resume(session_id)
        assert type(later.get("task_start_time")) is datetime
        assert later.get("completed_tasks") == ["setup", "database", "FEAT-2025-10-26"]
        assert later.get("project:constitution", StateScope.APP) == {"articles": 13}
        assert later.get("user:auto_save", StateScope.USER) is True
        assert later.get("changed_files") == ["docs/guide.md"]
        assert later.keys(StateScope.TEMP) == []
    finally:
        later.stop()
