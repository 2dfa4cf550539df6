/* global document, window, EventSource */
// abuse-desk case page: the live journal and timeline (server-sent events from /cases/:id/events).
// The feed sends JSON; every value is written with textContent, so nothing from a notice or a
// journal entry is ever parsed as HTML. Without this script the page still works (reload it).
(function () {
  "use strict";
  var source = null;
  function cell(tr, text, cls) {
    var td = document.createElement("td");
    td.textContent = text == null ? "" : String(text);
    if (cls) td.className = cls;
    tr.appendChild(td);
    return td;
  }
  function addJournal(d) {
    var body = document.getElementById("journal-rows");
    if (!body || body.querySelector('tr[data-seq="' + Number(d.seq) + '"]')) return;
    var tr = document.createElement("tr");
    tr.setAttribute("data-seq", String(Number(d.seq)));
    tr.className = "live";
    cell(tr, d.seq);
    cell(tr, d.at);
    cell(tr, d.stepId || d.planId, "mono");
    cell(tr, d.phase, "phase " + String(d.phase).replace(/[^a-z-]/g, ""));
    cell(tr, d.actor);
    cell(tr, d.text);
    body.appendChild(tr);
    var row = document.querySelector('#plan tr[data-step="' + cssEscape(d.stepId || "") + '"] .state');
    if (row && d.stepId) {
      var phase = String(d.phase);
      var state = phase === "done" ? "done" : phase === "started" ? "in progress" : phase === "failed" ? "failed" : phase === "rolled-back" ? "rolled back" : phase === "rollback-started" ? "rollback in progress" : phase === "skipped" ? "skipped" : null;
      if (state) row.textContent = state;
    }
  }
  function cssEscape(s) {
    return String(s).replace(/[^A-Za-z0-9._-]/g, function (ch) { return "\\" + ch.charCodeAt(0).toString(16) + " "; });
  }
  function addTimeline(d) {
    var list = document.getElementById("timeline-rows");
    if (!list || list.querySelector('li[data-id="' + Number(d.id) + '"]')) return;
    var li = document.createElement("li");
    li.setAttribute("data-id", String(Number(d.id)));
    var t = document.createElement("time");
    t.textContent = d.at;
    li.appendChild(t);
    li.appendChild(document.createTextNode(" "));
    var type = document.createElement("span");
    type.className = "type";
    type.textContent = d.type;
    li.appendChild(type);
    li.appendChild(document.createTextNode(" " + d.actor + ": " + d.summary));
    list.appendChild(li);
  }
  function setText(id, text) {
    var el = document.getElementById(id);
    if (el) el.textContent = text;
  }
  function on(ev, fn) {
    source.addEventListener(ev, function (e) {
      var d;
      try { d = JSON.parse(e.data); } catch (_err) { return; }
      fn(d);
    });
  }
  function start() {
    var section = document.getElementById("journal");
    if (!section || !window.EventSource) return;
    var url = section.getAttribute("data-feed");
    var cursor = section.getAttribute("data-cursor") || "";
    if (!url || url.charAt(0) !== "/") return;
    source = new EventSource(url + "?after=" + encodeURIComponent(cursor));
    source.addEventListener("open", function () { setText("feed-state", "Live: the journal updates as it is written."); section.setAttribute("data-live", "open"); });
    source.addEventListener("error", function () { setText("feed-state", "Live updates paused; reconnecting (reload the page to be sure)."); section.setAttribute("data-live", "error"); });
    on("journal", addJournal);
    on("timeline", addTimeline);
    on("status", function (d) {
      setText("case-status", d.status);
      setText("case-assignee", d.assignee || "unassigned");
    });
  }
  document.addEventListener("DOMContentLoaded", start);
})();
