"""Insights that predict, learned from the user's own history, on their machine (``--insights``).

* **failure risk** of each task's and command line's next run — a calibrated probability
  (:mod:`.risk`: logistic regression over what each run's past says, isotonic or Platt
  calibration; the smoothed failure rate when there is too little data for a model);
* **expected duration** P50/P90 of the next successful run, from 3 timed runs on, "unknown"
  before (:mod:`.durations`);
* **flaky** tasks and commands — flip rate and entropy, with the runs that show it (:mod:`.flaky`);
* **duration anomalies** (robust z on median/MAD) and **drift** (change points: "FIX-DB has taken
  2x longer since 3 Nov", :mod:`.drift`);
* **productive hours**: success by weekday x hour with 90% intervals and how sure a window is
  better or worse than the rest (:mod:`.hours`);
* **suggestions** citing their evidence (:mod:`.suggest`).

Every figure carries its evidence (how many runs, from when to when) and, where it has one, a
confidence (:mod:`.model`: the JSON contract). The runs come from the report's own pass over the
sessions (:class:`.collect.InsightsCollector`, an observer of ``analysis.analyze``): one pass,
bounded memory (a few numbers per run). numpy and scikit-learn come with the
``session-analyzer[insights]`` extra and are imported only here, only when insights are asked for
(:func:`.deps.require` says how to install them). Modules of this package are imported lazily:
``collect``, ``model``, ``deps``, ``commands``, ``text_section`` and ``html_section`` need neither.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .build import build_insights, insights_of
    from .collect import InsightsCollector
    from .commands import command_key
    from .deps import INSTALL_HINT, require
    from .html_section import insights_section
    from .model import Insights
    from .text_section import insight_lines

_LAZY = {
    "build_insights": "build",
    "insights_of": "build",
    "InsightsCollector": "collect",
    "command_key": "commands",
    "INSTALL_HINT": "deps",
    "require": "deps",
    "insights_section": "html_section",
    "Insights": "model",
    "insight_lines": "text_section",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value
    return value


__all__ = [
    "INSTALL_HINT",
    "Insights",
    "InsightsCollector",
    "build_insights",
    "command_key",
    "insight_lines",
    "insights_of",
    "insights_section",
    "require",
]
