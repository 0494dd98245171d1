"""``session dashboard``: a live, local, read-only web page of a data directory's sessions.

The ``session-analyzer[dashboard]`` extra (Starlette, uvicorn, sse-starlette). Pages: Now (the
sessions and their live events), Trends (the analyzer's numbers and charts for a period, with
filters), Task, Session, and Insights when the analyzer has them. Parts:

* :mod:`.command` — the click command (imports click only; everything else when it runs);
* :mod:`.server` — binding, the one-time URL, uvicorn; :mod:`.app` — routes; :mod:`.guard` and
  :mod:`.auth` — Host allowlist, read-only, token and cookie, Origin, CSP and other headers;
* :mod:`.service` — the state and its watch loop; :mod:`.watch` — polling the files; :mod:`.live` —
  the live sessions and the event stream's memory; :mod:`.stream` — Server-Sent Events;
* :mod:`.history`, :mod:`.index`, :mod:`.query`, :mod:`.tasks` — every session counted once into
  flat columns, and the analyzer's report of any period and filters out of them;
* :mod:`.pages` — the HTML; :mod:`.assets` — the stylesheet and script (``static/``).

Importing this package imports nothing of the web stack.
"""

from __future__ import annotations

__all__: list[str] = []
