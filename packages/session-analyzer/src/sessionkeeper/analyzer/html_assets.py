"""What the HTML report carries inline: its stylesheet, its one small script, and its CSP.

The Content-Security-Policy lets the page load nothing and run exactly one script: the one below,
named by its SHA-256 hash. So "works offline" is a property of the page, not a promise (a browser
will fetch nothing), and a script smuggled in by a hostile task id would not run even if it got
past :func:`html.escape` (every value goes through it): its hash is not the allowed one.

Fonts: none is shipped or fetched. The stacks name the system fonts that cover Hangul on Linux
(Noto Sans CJK KR, from Debian's fonts-noto-cjk), macOS (Apple SD Gothic Neo) and Windows (Malgun
Gothic), so a Korean report renders its text wherever one of them is installed.
"""

from __future__ import annotations

import base64
import hashlib
from typing import Final

__all__ = ["CSP", "CSS", "SCRIPT"]

_KOREAN_FONTS = '"Noto Sans CJK KR", "Noto Sans KR", "Apple SD Gothic Neo", "Malgun Gothic"'

CSS: Final = f"""
:root {{ color-scheme: light; --ink: #263238; --muted: #546e7a; --line: #e0e4e7; --accent: #0072b2; }}
* {{ box-sizing: border-box; }}
body {{ font-family: system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", {_KOREAN_FONTS}, sans-serif;
  margin: 0 auto; max-width: 1240px; padding: 16px; color: var(--ink); background: #f7f8f9;
  line-height: 1.45; overflow-wrap: anywhere; }}
html:lang(ko) body {{ font-family: {_KOREAN_FONTS}, system-ui, sans-serif; word-break: keep-all; }}
h1 {{ margin: 0 0 4px; font-size: 1.6em; }}
header p {{ margin: 2px 0; color: var(--muted); }}
.cards {{ display: grid; grid-template-columns: repeat(auto-fill, minmax(min(100%, 160px), 1fr)); gap: 12px;
  margin: 18px 0; }}
.card {{ background: #fff; border: 1px solid var(--line); border-radius: 8px; padding: 10px 16px; }}
.card .value {{ font-size: 1.5em; font-weight: 600; font-variant-numeric: tabular-nums; }}
.card .label {{ color: var(--muted); font-size: 0.85em; }}
.charts {{ display: grid; grid-template-columns: repeat(auto-fill, minmax(min(100%, 460px), 1fr));
  gap: 16px; }}
figure.chart {{ background: #fff; border: 1px solid var(--line); border-radius: 8px; margin: 0; padding: 12px;
  min-width: 0; }}
figure.chart h2 {{ font-size: 1.05em; margin: 0 0 8px; }}
svg.chart-svg {{ display: block; width: 100%; height: auto; }}
section.part {{ background: #fff; border: 1px solid var(--line); border-radius: 8px; margin: 16px 0;
  padding: 4px 16px 12px; min-width: 0; }}
section.part h2 {{ font-size: 1.1em; }}
section.part p {{ margin: 4px 0; }}
section.part ul {{ margin: 4px 0 8px; padding-left: 22px; }}
.tables {{ display: grid; grid-template-columns: repeat(auto-fit, minmax(min(100%, 420px), 1fr));
  gap: 4px 28px; }}
.table-wrap {{ overflow-x: auto; min-width: 0; }}
table {{ border-collapse: collapse; width: 100%; margin: 4px 0 12px; font-size: 0.92em; }}
caption {{ text-align: left; font-weight: 600; padding: 6px 0; }}
th, td {{ padding: 4px 8px; border-bottom: 1px solid var(--line); text-align: left; vertical-align: top; }}
th {{ background: #f1f4f6; font-weight: 600; white-space: nowrap; }}
.num {{ text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }}
button.sort {{ font: inherit; color: inherit; background: none; border: 0; padding: 0; margin: 0;
  cursor: pointer; text-align: inherit; }}
button.sort:focus-visible {{ outline: 2px solid var(--accent); outline-offset: 2px; }}
th[aria-sort="ascending"] button.sort::after {{ content: " \\25B2"; }}
th[aria-sort="descending"] button.sort::after {{ content: " \\25BC"; }}
th:not([aria-sort]) button.sort::after {{ content: " \\2195"; color: #90a4ae; }}
.sort-hint {{ color: var(--muted); font-size: 0.85em; }}
footer {{ color: #78909c; font-size: 0.8em; margin: 24px 0; }}
@media (max-width: 480px) {{ body {{ padding: 10px; }} figure.chart {{ padding: 8px; }}
  section.part {{ padding: 2px 10px 10px; }} th {{ white-space: normal; }} }}
"""

# Sorts a table when a column heading is clicked: numbers by data-value, text by locale order.
# The headings become buttons only here, so without JavaScript nothing pretends to be clickable.
SCRIPT: Final = """
(function () {
  "use strict";
  var lang = document.documentElement.lang || undefined;
  function key(cell, numeric) {
    var raw = cell.getAttribute("data-value");
    if (numeric) { return raw === null ? -Infinity : parseFloat(raw); }
    return cell.textContent;
  }
  function sortBy(table, index, th) {
    var numeric = th.getAttribute("data-type") === "number";
    var current = th.getAttribute("aria-sort");
    var descending = current ? current === "ascending" : numeric;
    var body = table.tBodies[0];
    var rows = Array.prototype.slice.call(body.rows).map(function (row, position) {
      return { row: row, key: key(row.cells[index], numeric), position: position };
    });
    rows.sort(function (a, b) {
      var order = numeric ? a.key - b.key : a.key.localeCompare(b.key, lang, { numeric: true });
      if (descending) { order = -order; }
      return order || a.position - b.position;
    });
    Array.prototype.forEach.call(table.tHead.rows[0].cells, function (cell) {
      cell.removeAttribute("aria-sort");
    });
    th.setAttribute("aria-sort", descending ? "descending" : "ascending");
    rows.forEach(function (item) { body.appendChild(item.row); });
  }
  Array.prototype.forEach.call(document.querySelectorAll("table.sortable"), function (table) {
    Array.prototype.forEach.call(table.tHead.rows[0].cells, function (th, index) {
      var button = document.createElement("button");
      button.type = "button";
      button.className = "sort";
      while (th.firstChild) { button.appendChild(th.firstChild); }
      th.appendChild(button);
      button.addEventListener("click", function () { sortBy(table, index, th); });
    });
  });
  Array.prototype.forEach.call(document.querySelectorAll(".sort-hint"), function (hint) {
    hint.hidden = false;
  });
})();
"""

_SCRIPT_HASH = base64.b64encode(hashlib.sha256(SCRIPT.encode()).digest()).decode()
CSP: Final = (
    "default-src 'none'; style-src 'unsafe-inline'; "
    f"script-src 'sha256-{_SCRIPT_HASH}'; base-uri 'none'; form-action 'none'"
)
