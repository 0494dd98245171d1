"""The Insights page (shown only when the analyzer has its insights package, see :mod:`..insights`):
the insights' own HTML section, computed in the background for the period the Trends form chose."""

from __future__ import annotations

from .common import View, e, page
from .trends import TrendsQuery

__all__ = ["insights_page"]


def insights_page(view: View, query: TrendsQuery, found: tuple[str, str] | None, missing: str | None) -> str:
    say = view.say
    period = query.period
    body = [
        '<p class="lede">'
        + e(
            say(
                "dash.trends.covers",
                since=period.since.date().isoformat(),
                until=period.until.date().isoformat(),
                days=period.days,
                zone=period.zone.name,
            )
        )
        + "</p>"
    ]
    if missing is not None:
        body.append(f'<p class="problem" role="alert">{e(missing)}</p>')
    elif found is None:
        # the page's script reloads a page holding this element until the result is there
        body.append(
            '<p class="indexing" id="computing" data-reload="2000" role="status">'
            f"{e(say('dash.insights.computing'))}</p>"
        )
    elif found[0] == "error":
        body.append(f'<p class="problem" role="alert">{e(found[1])}</p>')
    else:
        body.append(found[1])  # the insights' section: built by the analyzer, every value escaped there
    return page(view, say("dash.insights.title"), body, active="insights")
