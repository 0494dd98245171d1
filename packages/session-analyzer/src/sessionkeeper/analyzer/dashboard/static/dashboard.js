// Sessionkeeper dashboard: the live stream, the sessions table's refresh, the ignore-list memory.
// Plain JavaScript, loaded from this server only (the CSP allows no other script). Nothing received
// is ever parsed as HTML except the sessions table, which is this server's own escaped markup.
(function () {
  "use strict";
  var live = document.getElementById("live");

  function connected(on) {
    if (!live) { return; }
    live.classList.toggle("on", on);
    live.textContent = live.getAttribute(on ? "data-connected" : "data-waiting");
  }

  // -- the event stream: every page listens (the indicator), the Now page shows the events --------
  var list = document.getElementById("stream");
  var seen = {};
  if (list) {
    Array.prototype.forEach.call(list.children, function (item) { seen[item.getAttribute("data-id")] = true; });
  }

  function item(data) {
    var li = document.createElement("li");
    li.className = "event ev-" + data.kind + (data.failed ? " failed" : "") + " fresh";
    li.setAttribute("data-id", data.uid);
    var time = document.createElement("time");
    time.textContent = data.time;
    var mark = document.createElement("span");
    mark.className = "mark";
    mark.setAttribute("aria-hidden", "true");
    mark.textContent = data.mark;
    var what = document.createElement("span");
    what.className = "what";
    what.textContent = data.text;
    var link = document.createElement("a");
    link.className = "sid";
    link.href = "/session/" + encodeURIComponent(data.session);
    link.textContent = data.short;
    [time, document.createTextNode(" "), mark, document.createTextNode(" "), what,
      document.createTextNode(" "), link].forEach(function (node) { li.appendChild(node); });
    return li;
  }

  var refreshing = null;
  function refreshSessions() {
    var holder = document.getElementById("sessions");
    if (!holder || refreshing) { return; }
    refreshing = setTimeout(function () {
      fetch("/now/sessions", { credentials: "same-origin", cache: "no-store" }).then(function (answer) {
        return answer.ok ? answer.text() : null;
      }).then(function (html) {
        refreshing = null;
        if (html === null) { return; }
        var box = document.createElement("div");
        box.innerHTML = html;  // this server's own markup, every value escaped there
        var fresh = box.firstElementChild;
        var current = document.getElementById("sessions");
        if (fresh && current) { current.replaceWith(fresh); }
      }, function () { refreshing = null; });
    }, 150);
  }

  if (window.EventSource && live) {
    var url = "/events";
    if (list && list.getAttribute("data-cursor")) {
      url += "?since=" + encodeURIComponent(list.getAttribute("data-cursor"));
    }
    var source = new EventSource(url);
    source.onopen = function () { connected(true); };
    source.onerror = function () { connected(false); };
    source.addEventListener("change", function (message) {
      connected(true);
      if (!list) { return; }
      var data = JSON.parse(message.data);
      if (seen[data.uid]) { return; }
      seen[data.uid] = true;
      var empty = document.getElementById("stream-empty");
      if (empty) { empty.remove(); }
      list.insertBefore(item(data), list.firstChild);
      var limit = parseInt(list.getAttribute("data-limit") || "100", 10);
      while (list.children.length > limit) { list.removeChild(list.lastChild); }
    });
    source.addEventListener("sessions", refreshSessions);
  }

  // -- pages still being computed reload themselves -------------------------------------------------
  var waiting = document.querySelector("[data-reload]") || document.getElementById("indexing");
  if (waiting) {
    setTimeout(function () { window.location.reload(); }, parseInt(waiting.getAttribute("data-reload") || "2000", 10));
  }

  // -- the Trends form: remember the ignore-list in this browser ------------------------------------
  var ignore = document.getElementById("ignore");
  if (ignore && window.localStorage) {
    var key = "sessionkeeper.dashboard.ignore";
    var params = new URLSearchParams(window.location.search);
    if (!params.has("ignore") && !ignore.value && localStorage.getItem(key)) {
      ignore.value = localStorage.getItem(key);
      params.set("ignore", ignore.value);
      window.location.replace(window.location.pathname + "?" + params.toString());
    }
    ignore.form.addEventListener("submit", function () { localStorage.setItem(key, ignore.value); });
  }
})();
