"""Real signals to real child processes: SIGINT/SIGTERM save, then the program's own behaviour follows.

Each child is a ``python -c`` program using :class:`SessionManager` with the default
``handle_signals=True``. A checkpoint seals exactly one journal epoch, so the snapshot's
``journal_epoch`` counts the checkpoints a process made; ``read_session(...).report.journal_records
== 0`` shows everything is in the snapshot itself (the journal was compacted).
"""

from __future__ import annotations

import signal
import time
from pathlib import Path

import pytest

from sessionkeeper.core import read_session
from tests.durability.children import (
    Child,
    scope_document,
    snapshot_document,
    state_in_fresh_process,
    wait_until,
)

KEYS = 50
SIGNALS_DURING_CHECKPOINTS = 8
SIGNALS_TO_BUSY_WRITER = 1000

# Sets KEYS session values, one USER and one APP value; READY prints "ready <session id> <snapshot epoch>".
WRITE_AND_REPORT = """
manager = SessionManager()
session_id = manager.start()
first_epoch, _ = on_disk(manager, session_id)
for i in range({keys}):
    manager.set(f"k{{i}}", i)
manager.set("theme", "dark", StateScope.USER)
manager.set("project", "kit", StateScope.APP)
"""
READY = 'print("ready", session_id, first_epoch, flush=True)\n'


def _write_and_report(keys: int = KEYS, *, report: bool = True) -> str:
    return WRITE_AND_REPORT.format(keys=keys) + (READY if report else "")


def _assert_everything_saved_in_snapshots(
    data_dir: Path, user_dir: Path, session_id: str, epoch: int, *, stopped: bool
) -> None:
    """The session, USER and APP snapshots hold every value, and loading replays no journal record.

    ``stopped``: the program then ended through ``stop()`` (atexit), whose snapshot says the session
    ended cleanly and seals one more (empty) epoch; a process killed after saving never says so."""
    doc = snapshot_document(data_dir, session_id)
    assert doc["journal_epoch"] == epoch + stopped
    assert doc["graceful_shutdown"] is stopped
    assert doc["scope_data"]["session"] == {f"k{i}": i for i in range(KEYS)}
    assert scope_document(user_dir, "user")["values"] == {"theme": "dark"}
    assert scope_document(data_dir, "app")["values"] == {"project": "kit"}
    assert read_session(data_dir, session_id).report.journal_records == 0


def _assert_fresh_process_sees_everything(session_id: str) -> None:
    state = state_in_fresh_process(session_id)
    assert state["values"]["session"] == {f"k{i}": i for i in range(KEYS)}
    assert state["values"]["user"] == {"theme": "dark"}
    assert state["values"]["app"] == {"project": "kit"}
    assert state["dropped"] == []


def test_sigint_saves_snapshots_then_raises_keyboard_interrupt(data_dir: Path, user_dir: Path) -> None:
    code = (
        _write_and_report(report=False)
        + """
try:
    print("ready", session_id, first_epoch, flush=True)   # inside try: the signal may come at once
    while True:
        time.sleep(0.01)
except KeyboardInterrupt:
    epoch, keys = on_disk(manager, session_id)   # what the signal handler saved, before atexit runs
    print("interrupted", epoch, len(keys), flush=True)
    raise
"""
    )
    with Child(code) as child:
        session_id, first_epoch = child.expect("ready ")
        child.signal(signal.SIGINT)
        epoch, keys = child.expect("interrupted ")
        status = child.wait()
    assert (int(epoch), int(keys)) == (int(first_epoch) + 1, KEYS)
    # Python ends an uncaught KeyboardInterrupt by killing itself with SIGINT (shell status 130).
    assert status == -signal.SIGINT
    assert "KeyboardInterrupt" in child.stderr
    # The handler's checkpoint saved everything; atexit's stop() only marks the session as ended.
    _assert_everything_saved_in_snapshots(data_dir, user_dir, session_id, int(first_epoch) + 1, stopped=True)
    _assert_fresh_process_sees_everything(session_id)


def test_sigterm_saves_snapshots_then_dies_by_sigterm(data_dir: Path, user_dir: Path) -> None:
    code = (
        _write_and_report()
        + """
while True:
    time.sleep(0.01)
"""
    )
    with Child(code) as child:
        session_id, first_epoch = child.expect("ready ")
        child.signal(signal.SIGTERM)
        status = child.wait()
    assert status == -signal.SIGTERM  # exit status 143 in a shell; atexit never runs on this path
    assert child.stderr == ""
    # Killed: everything is saved, but the session did not stop cleanly (status "crashed").
    _assert_everything_saved_in_snapshots(data_dir, user_dir, session_id, int(first_epoch) + 1, stopped=False)
    _assert_fresh_process_sees_everything(session_id)


def test_sigterm_runs_the_handler_installed_before_start_after_saving(data_dir: Path, user_dir: Path) -> None:
    code = (
        """
def programs_own_handler(signum, frame):
    epoch, keys = on_disk(manager, session_id)
    print("own-handler", signum, epoch, len(keys), flush=True)
    sys.exit(7)

signal.signal(signal.SIGTERM, programs_own_handler)
"""
        + _write_and_report()
        + """
while True:
    time.sleep(0.01)
"""
    )
    with Child(code) as child:
        session_id, first_epoch = child.expect("ready ")
        child.signal(signal.SIGTERM)
        signum, epoch, keys = child.expect("own-handler ")
        status = child.wait()
    assert int(signum) == signal.SIGTERM
    assert (int(epoch), int(keys)) == (int(first_epoch) + 1, KEYS)  # saved before the handler ran
    assert status == 7, child.stderr
    _assert_everything_saved_in_snapshots(data_dir, user_dir, session_id, int(first_epoch) + 1, stopped=True)


def test_sigint_handler_that_returns_lets_the_program_go_on_after_saving(
    data_dir: Path, user_dir: Path
) -> None:
    code = (
        """
received = []
signal.signal(signal.SIGINT, lambda signum, frame: received.append(signum))
"""
        + _write_and_report()
        + """
while not received:
    time.sleep(0.01)
epoch, keys = on_disk(manager, session_id)
print("went-on", received, epoch, len(keys), flush=True)
manager.set("after", 1)
manager.stop()
"""
    )
    with Child(code) as child:
        session_id, first_epoch = child.expect("ready ")
        child.signal(signal.SIGINT)
        received, epoch, keys = child.expect("went-on ")
        status = child.wait()
    assert received == f"[{int(signal.SIGINT)}]"
    assert (int(epoch), int(keys)) == (int(first_epoch) + 1, KEYS)
    assert status == 0, child.stderr
    assert snapshot_document(data_dir, session_id)["scope_data"]["session"]["after"] == 1


def test_ignored_sigterm_stays_ignored_after_saving(data_dir: Path, user_dir: Path) -> None:
    code = (
        """
signal.signal(signal.SIGTERM, signal.SIG_IGN)
"""
        + _write_and_report()
        + """
sys.stdin.readline()
print("still-running", flush=True)
"""
    )
    with Child(code) as child:
        session_id, first_epoch = child.expect("ready ")
        child.signal(signal.SIGTERM)
        wait_until(
            lambda: snapshot_document(data_dir, session_id)["journal_epoch"] == int(first_epoch) + 1,
            what="the save on SIGTERM",
        )
        assert child.proc.poll() is None
        child.send("go on")
        child.expect("still-running")
        assert child.wait() == 0, child.stderr
    _assert_everything_saved_in_snapshots(data_dir, user_dir, session_id, int(first_epoch) + 1, stopped=True)


def test_importing_core_and_making_managers_installs_no_signal_handler() -> None:
    code = """
import importlib, pkgutil, signal
watched = (signal.SIGINT, signal.SIGTERM)
before = [signal.getsignal(s) for s in watched]

import sessionkeeper.core
for module in pkgutil.walk_packages(sessionkeeper.core.__path__, "sessionkeeper.core."):
    importlib.import_module(module.name)
from sessionkeeper.core import SessionManager
manager = SessionManager()
SessionManager.get_instance()
print("after-import", *[signal.getsignal(s) is b for s, b in zip(watched, before)], flush=True)
manager.start()
print("after-start", *[signal.getsignal(s) is b for s, b in zip(watched, before)], flush=True)
manager.stop()
"""
    with Child(code, prologue=False) as child:
        after_import = child.expect("after-import ")
        after_start = child.expect("after-start ")
        assert child.wait() == 0, child.stderr
    assert after_import == ["True", "True"]
    assert after_start == ["False", "False"]  # the observation works: start() does install them


def test_start_from_a_non_main_thread_installs_nothing_and_works(data_dir: Path) -> None:
    code = """
watched = (signal.SIGINT, signal.SIGTERM)
before = [signal.getsignal(s) for s in watched]
manager = SessionManager()
started, errors = [], []

def run():
    try:
        started.append(manager.start())
        manager.set("from_thread", 1)
    except BaseException as exc:
        errors.append(repr(exc))

worker = threading.Thread(target=run)
worker.start()
worker.join()
print("thread", started[0] if started else "-", *[signal.getsignal(s) is b for s, b in zip(watched, before)])
print("errors", errors, flush=True)
"""  # exits without stop(): the atexit callback saves
    with Child(code) as child:
        session_id, int_unchanged, term_unchanged = child.expect("thread ")
        errors = child.expect("errors ")
        assert child.wait() == 0, child.stderr
    assert errors == ["[]"]
    assert (int_unchanged, term_unchanged) == ("True", "True")
    assert snapshot_document(data_dir, session_id)["scope_data"]["session"] == {"from_thread": 1}


@pytest.mark.parametrize(
    ("ending", "status", "checkpoints"),
    [
        ("pass", 0, 1),  # falls off the end: atexit saves
        ("manager.stop()", 0, 1),  # stop() saved; atexit must not save again
        # nothing changed after the checkpoint: atexit's stop() only marks the session as ended
        ("manager.checkpoint()", 0, 2),
        ("raise SystemExit(3)", 3, 1),
        ("raise RuntimeError('the program crashed')", 1, 1),  # an uncaught exception still saves
    ],
)
def test_exit_saves_exactly_once(
    data_dir: Path, user_dir: Path, ending: str, status: int, checkpoints: int
) -> None:
    code = _write_and_report() + ending + "\n"
    with Child(code) as child:
        session_id, first_epoch = child.expect("ready ")
        assert child.wait() == status, child.stderr
    epoch = int(first_epoch) + checkpoints - 1
    _assert_everything_saved_in_snapshots(data_dir, user_dir, session_id, epoch, stopped=True)
    assert scope_document(user_dir, "user")["journal_epoch"] == 1  # one checkpoint of USER too
    assert scope_document(data_dir, "app")["journal_epoch"] == 1


def test_exit_saves_every_running_manager(data_dir: Path) -> None:
    code = """
base = os.environ["SESSIONKEEPER_DATA_DIR"]
first, second = SessionManager(base + "/a"), SessionManager(base + "/b")
ids = [first.start(), second.start()]
first.set("which", "a")
second.set("which", "b")
print("ids", *ids, flush=True)
"""
    with Child(code) as child:
        first_id, second_id = child.expect("ids ")
        assert child.wait() == 0, child.stderr
    assert snapshot_document(data_dir / "a", first_id)["scope_data"]["session"] == {"which": "a"}
    assert snapshot_document(data_dir / "b", second_id)["scope_data"]["session"] == {"which": "b"}


TIGHT_WRITE_LOOP = """
manager = SessionManager()
session_id = manager.start()
print("ready", session_id, flush=True)
i = 0
while True:
    manager.set(f"k{i}", i)
    if i % 1000 == 0:
        print("acked", i, flush=True)   # every write up to i has returned
    i += 1
"""


def _signal_tight_write_loop(signum: int) -> tuple[str, int, int, float]:
    """Signal a child writing as fast as it can: (session id, last acked i, exit status, seconds to end)."""
    with Child(TIGHT_WRITE_LOOP) as child:
        (session_id,) = child.expect("ready ")
        acked = 0
        while acked < 3000:
            acked = int(child.expect("acked ")[0])
        sent = time.monotonic()
        child.signal(signum)
        status = child.wait()
        took = time.monotonic() - sent
        assert child.stderr == "" or signum == signal.SIGINT, child.stderr
        later = [int(line.split()[1]) for line in child.lines() if line.startswith("acked ")]
    return session_id, max([acked, *later]), status, took


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_signal_during_a_tight_write_loop_keeps_every_acknowledged_write(signum: int) -> None:
    session_id, acked, status, took = _signal_tight_write_loop(signum)
    assert status == -signum
    assert took < 10, f"the child took {took:.1f} s to end after the signal"
    state = state_in_fresh_process(session_id)
    values = state["values"]["session"]
    assert [i for i in range(acked + 1) if values.get(f"k{i}") != i] == []
    assert state["dropped"] == []


def test_sigterm_during_a_tight_write_loop_still_saves_a_snapshot(data_dir: Path) -> None:
    """SIGTERM's default kills without atexit: the handler's save is the only snapshot there will be.

    Three children, because where the signal lands inside set() varies from run to run.
    """
    outcomes = []
    for _ in range(3):
        session_id, acked, status, took = _signal_tight_write_loop(signal.SIGTERM)
        assert status == -signal.SIGTERM
        saved = snapshot_document(data_dir, session_id)["scope_data"]["session"]
        outcomes.append((len(saved) > acked, round(took, 1)))
    assert [saved for saved, _ in outcomes] == [True, True, True], f"(snapshot saved, seconds): {outcomes}"


def test_every_signal_during_writes_is_saved_before_the_programs_handler_runs() -> None:
    """Many SIGTERMs to one busy writer whose own handler (chained) checks our save came first.

    Wherever a signal lands inside ``set()``, the snapshot must hold every acknowledged write by
    the time the program's handler runs, without a wait.
    """
    code = """
handled = []

def programs_own_handler(signum, frame):
    doc = snapshot_doc(manager, session_id)
    handled.append((doc["scope_data"]["session"].get("counter", -1), acked))

signal.signal(signal.SIGTERM, programs_own_handler)
manager = SessionManager()
session_id = manager.start()
acked = -1
print("ready", flush=True)
i = reported = 0
while reported < ROUNDS:
    manager.set("counter", i)
    acked = i
    i += 1
    if len(handled) > reported:
        saved, acked_then = handled[reported]
        reported += 1
        print("handled", saved >= acked_then, flush=True)
manager.stop()
""".replace("ROUNDS", str(SIGNALS_TO_BUSY_WRITER))
    late: list[tuple[int, bool, float]] = []
    with Child(code) as child:
        child.expect("ready")
        for number in range(1, SIGNALS_TO_BUSY_WRITER + 1):
            sent = time.monotonic()
            child.signal(signal.SIGTERM)  # one at a time: the next only once this one was handled
            (saved_first,) = child.expect("handled ")
            took = time.monotonic() - sent
            if saved_first != "True" or took >= 1.0:
                late.append((number, saved_first == "True", round(took, 1)))
                break  # one is enough; each costs seconds
        else:
            assert child.wait() == 0, child.stderr
    assert late == [], "(signal number, saved before the program's handler, seconds until handled)"


def test_signal_arriving_during_a_main_thread_checkpoint_leaves_every_acknowledged_write_on_disk(
    data_dir: Path,
) -> None:
    """The program's own SIGINT handler returns; a worker thread writes while the main thread checkpoints.

    Our handler then saves from inside the main thread's own ``checkpoint()``. After each signal the
    child pauses and the test reads the session from disk, as a crash at that moment would leave it.
    """
    code = """
received, acked = [], []
signal.signal(signal.SIGINT, lambda signum, frame: received.append(signum))
manager = SessionManager()
session_id = manager.start()
for i in range(20000):
    manager.set(f"big{i}", i)       # many keys: rendering a snapshot takes a while

def worker(stop):
    i = len(acked)
    while not stop.is_set():
        manager.set(f"w{i}", i)
        acked.append(i)
        i += 1

print("ready", session_id, flush=True)
for signals in range(1, ROUNDS + 1):
    stop = threading.Event()
    thread = threading.Thread(target=worker, args=(stop,))
    thread.start()
    print("running", flush=True)
    while len(received) < signals:
        manager.checkpoint()
    stop.set()
    thread.join()
    print("paused", len(acked), flush=True)
    sys.stdin.readline()
manager.stop()
""".replace("ROUNDS", str(SIGNALS_DURING_CHECKPOINTS))
    damage = []
    with Child(code) as child:
        (session_id,) = child.expect("ready ")
        for round_ in range(SIGNALS_DURING_CHECKPOINTS):
            child.expect("running")
            time.sleep(0.05 + (round_ % 7) * 0.013)  # lands somewhere in the checkpoint loop
            child.signal(signal.SIGINT)
            acked = int(child.expect("paused ")[0])
            view = read_session(data_dir, session_id)  # what a crash right now would leave
            lost = sum(view.get(f"w{i}") != i for i in range(acked))
            if lost or view.report.dropped:
                damage.append(f"after signal {round_ + 1}: {lost} of {acked} lost; {view.report.dropped}")
            child.send("go on")
        assert child.wait() == 0, child.stderr
    assert damage == []
    state = state_in_fresh_process(session_id)
    assert [i for i in range(acked) if state["values"]["session"].get(f"w{i}") != i] == []
