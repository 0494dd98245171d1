"""W. The dashboard at scale (issue 18): ``session dashboard`` over R's history — 10,000 archived
sessions holding 1,000,000 events, plus the 10 live sessions retention keeps — in Debian's Chromium.

Run: ``python bench/dashboard_scale.py [--quick] [--reps N] [--json FILE]`` (inside the hatch
environment), or as suite W of ``bench/run.py``. Needs the ``session-analyzer[dashboard]`` extra,
Playwright (the default environment's test tools) and ``/usr/bin/chromium``; skipped without them.

**Data set**: R's (``history_scale.dataset``: core's own writer, checked against core when made),
a copy of R's cache in a scratch directory; the baseline is a data directory holding one live session.

**One repetition** per data directory (the two interleaved, order rotated): a fresh server process
(``python -m sessionkeeper.cli dashboard --port 0``), one browser page signed in through the
printed URL, and then:

* W1 *first useful paint*: from spawning the server to the Now page's first contentful paint
  (``performance`` paint timing, on the same wall clock): the page is useful at once — the live
  sessions and their events — while the history is still being indexed in the background;
* W2 *history indexed*: from spawning the server until the Trends page stops saying "reading the
  history" (the index is built once per start);
* W3 *Trends page*: once indexed, a Trends page of a period and filter never asked before (the
  last 30 days of the data set): from navigation start to first contentful paint, in the browser;
  W4 the same over the whole history (730 days: every run counted);
* W5 *server memory*: the server's peak RSS (``VmHWM``) after W1-W4 and W6;
* W6, W7 *event-to-screen latency* p50/p95: 12 events recorded by another process through the
  hooks, each timed from the hook call's return to its appearance in the page's list
  (a MutationObserver notes ``Date.now()``; one clock, one machine);
* W8 *idle CPU*: the server's CPU time over 10 s with the page open and nothing happening, as a
  share of one core.

Targets from issue 18: W1 <= 2 s, W5 <= 300 MB, W7 <= 1 s, W8 <= 1 %; W3 <= 2 s (a paint of the
Trends page). W2, W4, W6: info.
"""

from __future__ import annotations

import argparse
import os
import re
import select
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run as a script: make ``bench`` importable as a package
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import history_scale
from bench._harness import (
    MIN_REPS,
    Config,
    Figure,
    Kind,
    Target,
    log,
    median,
    pick_scratch_root,
    render_table,
    scratch_dir,
    skip,
)

__all__ = ["run"]

CHROMIUM = Path("/usr/bin/chromium")
LATENCY_EVENTS = 12
IDLE_SECONDS = 10.0
_RECORDER = (
    "import sys, time\nfrom sessionkeeper.hooks import get_hook\nhook = get_hook()\n"
    "for line in sys.stdin:\n    hook.on_task_start({'task_id': line.strip()})\n"
    "    print(time.time(), flush=True)\n"
)


def _environment(data_dir: Path, scratch: Path) -> dict[str, str]:
    env = {name: value for name, value in os.environ.items() if not name.startswith("SESSIONKEEPER_")}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env.update(
        SESSIONKEEPER_DATA_DIR=str(data_dir),
        SESSIONKEEPER_USER_DIR=str(scratch / "user"),
        # The recorder's hook starts a session, whose retention would expire the archive's files by
        # today's date (the data set lies around R's fixed NOW): keep them all.
        SESSIONKEEPER_HISTORY_DAYS="36500",
    )
    return env


def _proc(pid: int) -> tuple[float, float]:
    """(CPU seconds so far, peak RSS in MB) of a process, from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    ticks = os.sysconf("SC_CLK_TCK")
    cpu = (int(fields[11]) + int(fields[12])) / ticks
    peak = re.search(r"VmHWM:\s+(\d+) kB", Path(f"/proc/{pid}/status").read_text())
    return cpu, (int(peak.group(1)) / 1024 if peak else 0.0)


class _Server:
    def __init__(self, data_dir: Path, env: dict[str, str]) -> None:
        self.spawned = time.time()
        self.process = subprocess.Popen(
            [sys.executable, "-m", "sessionkeeper.cli", "dashboard", "--port", "0", "--tz", history_scale.TZ,
             "--lang", "en", "--data-dir", str(data_dir)],
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=env,
        )  # fmt: skip
        assert self.process.stdout is not None
        if not select.select([self.process.stdout], [], [], 120)[0]:
            raise RuntimeError("the dashboard printed no URL")
        self.url = self.process.stdout.readline().strip()
        self.base = self.url.split("/?", 1)[0]

    def stop(self) -> None:
        self.process.send_signal(signal.SIGINT)
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def _paint(page: Any) -> float:
    """Seconds from navigation start to first contentful paint of the current page."""
    value: float = page.evaluate(
        """() => new Promise((done) => {
          const found = performance.getEntriesByName('first-contentful-paint');
          if (found.length) { done(found[0].startTime); return; }
          new PerformanceObserver((list) => done(list.getEntries()[0].startTime))
            .observe({type: 'paint', buffered: true});
        })"""
    )
    return value / 1000


def _one(browser: Any, data_dir: Path, env: dict[str, str], period: tuple[str, str]) -> dict[str, float]:
    """One repetition on ``data_dir`` (see the module's docstring); every figure of it."""
    server = _Server(data_dir, env)
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    figures: dict[str, float] = {}
    try:
        page = context.new_page()
        while True:  # the socket is bound before the URL is printed; the app may still be starting
            try:
                page.goto(server.url)
                break
            except Exception:
                time.sleep(0.02)
        page.wait_for_url(f"{server.base}/")
        origin: float = page.evaluate("() => performance.timeOrigin") / 1000
        figures["first_paint"] = origin + _paint(page) - server.spawned
        page.wait_for_selector("#live.on", timeout=60_000)
        while True:
            page.goto(f"{server.base}/trends?preset=all")
            if page.query_selector("#indexing") is None:
                break
            time.sleep(0.1)
        figures["indexed"] = time.time() - server.spawned
        since, until = period
        page.goto(f"{server.base}/trends?from={since}&to={until}&ignore=git")
        figures["trends_30"] = _paint(page)
        page.goto(f"{server.base}/trends?preset=all&status=failed")
        figures["trends_all"] = _paint(page)
        figures.update(_latency(page, server, env))
        cpu_before, _ = _proc(server.process.pid)
        time.sleep(IDLE_SECONDS)
        cpu_after, peak = _proc(server.process.pid)
        figures["idle_cpu"] = 100 * (cpu_after - cpu_before) / IDLE_SECONDS
        figures["rss"] = peak
    finally:
        context.close()
        server.stop()
    return figures


def _latency(page: Any, server: _Server, env: dict[str, str]) -> dict[str, float]:
    page.goto(f"{server.base}/")
    page.wait_for_selector("#live.on", timeout=60_000)
    page.evaluate(
        """() => { window.__seen = {}; new MutationObserver((changes) => { const now = Date.now();
          for (const c of changes) for (const n of c.addedNodes) {
            const w = n.querySelector && n.querySelector('.what');
            if (w && !(w.textContent in window.__seen)) window.__seen[w.textContent] = now; } })
          .observe(document.getElementById('stream'), {childList: true}); }"""
    )
    recorder = subprocess.Popen(
        [sys.executable, "-c", _RECORDER], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=env
    )
    assert recorder.stdin is not None
    assert recorder.stdout is not None
    recorded: dict[str, float] = {}
    try:
        for i in range(LATENCY_EVENTS):
            recorder.stdin.write(f"BENCH-{i}\n")
            recorder.stdin.flush()
            recorded[f"BENCH-{i} started"] = float(recorder.stdout.readline())
            time.sleep(0.15 + (i % 4) * 0.09)
        deadline = time.monotonic() + 30
        seen: dict[str, float] = {}
        while time.monotonic() < deadline:
            seen = page.evaluate("() => window.__seen")
            if all(text in seen for text in recorded):
                break
            time.sleep(0.05)
    finally:
        recorder.stdin.close()
        recorder.wait(timeout=30)
    missing = [text for text in recorded if text not in seen]
    if missing:
        raise RuntimeError(f"events never shown: {missing}")
    latencies = sorted(seen[text] / 1000 - at for text, at in recorded.items())
    return {"latency_p50": median(latencies), "latency_p95": latencies[int(0.95 * (len(latencies) - 1))]}


_ROWS: list[tuple[str, str, str, str, Target | None]] = [
    ("W1", "first_paint", "first useful paint (Now page) from server spawn", "s",
     Target.max_value(2.0, "<= 2 s")),
    ("W2", "indexed", "history indexed (server spawn to Trends ready)", "s", None),
    ("W3", "trends_30", "Trends page, a new 30-day query: navigation to paint", "s",
     Target.max_value(2.0, "<= 2 s")),
    ("W4", "trends_all", "Trends page, whole history, failed runs: navigation to paint", "s", None),
    ("W5", "rss", "server peak RSS", "MB", Target.max_value(300.0, "<= 300 MB")),
    ("W6", "latency_p50", "event-to-screen latency p50 (hook in another process)", "s", None),
    ("W7", "latency_p95", "event-to-screen latency p95", "s", Target.max_value(1.0, "<= 1 s")),
    ("W8", "idle_cpu", "idle server CPU, page open (% of a core)", "%", Target.max_value(1.0, "<= 1 %")),
]  # fmt: skip


def run(cfg: Config) -> list[Figure]:
    """W1-W8 (see the module's docstring)."""
    try:
        from playwright.sync_api import sync_playwright

        import sessionkeeper.analyzer.dashboard.server  # noqa: F401  (the extra is installed)
    except ImportError as exc:
        skip(f"W: the dashboard extra or playwright is not installed ({exc.name})")
        return []
    if not CHROMIUM.exists():
        skip("W: /usr/bin/chromium is missing (.ci/setup-browser.sh installs it)")
        return []
    archived = cfg.size(history_scale.ARCHIVED, 500)
    now = history_scale.NOW
    period = ((now.date().toordinal() - 29), now.date().toordinal())
    dates = tuple(type(now.date()).fromordinal(day).isoformat() for day in period)
    results: dict[str, list[dict[str, float]]] = {"history": [], "baseline": []}
    with scratch_dir(cfg, "dashboard") as scratch:
        big, small = scratch / "history", scratch / "small"
        log(f"  W: R's data set ({archived:,} archived sessions x 100 events), a copy of its cache")
        started = time.perf_counter()
        cached, _ = history_scale.dataset(archived, history_scale.LIVE)
        shutil.copytree(cached, big, symlinks=True)
        history_scale.build(small, 0, 1)
        log(f"  W: made (or found cached) and copied in {time.perf_counter() - started:.0f} s")
        envs = {"history": _environment(big, scratch), "baseline": _environment(small, scratch)}
        dirs = {"history": big, "baseline": small}
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox"])
            try:
                order = ["history", "baseline"]
                for rep in range(cfg.reps):
                    for name in order[rep % 2 :] + order[: rep % 2]:
                        found = _one(browser, dirs[name], envs[name], (dates[0], dates[1]))
                        results[name].append(found)
                        log(
                            f"  W: {name} rep {rep + 1}: "
                            + ", ".join(f"{k} {v:.3f}" for k, v in found.items())
                        )
            finally:
                browser.close()
    figures = []
    for bench, key, name, unit, target in _ROWS:
        ours = [r[key] for r in results["history"]]
        theirs = [r[key] for r in results["baseline"]]
        figures.append(
            Figure(
                bench=bench,
                name=name,
                kind=Kind.DURATION,
                unit=unit,
                value=median(ours),
                baseline_name="the same, one live session and no history",
                baseline=median(theirs),
                samples=tuple(ours),
                baseline_samples=tuple(theirs),
                target=target,
                note=f"{archived:,} archived sessions x 100 events + {history_scale.LIVE} live",
            )
        )
    return figures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="500 archived sessions instead of 10,000")
    parser.add_argument("--reps", type=int, default=None, help=f"repetitions (default 5; min {MIN_REPS})")
    parser.add_argument("--json", metavar="FILE", type=Path, default=None)
    args = parser.parse_args(argv)
    cfg = Config(
        quick=args.quick, reps=max(MIN_REPS, args.reps or MIN_REPS), scratch_root=pick_scratch_root(None)
    )
    figures = run(cfg)
    print(render_table(figures))
    if args.json is not None:
        from bench._harness import write_json

        write_json(args.json, cfg, figures, {})
    return 0


if __name__ == "__main__":
    sys.exit(main())
