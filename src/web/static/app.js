/* global document */
// abuse-desk web desk: the little that runs in the browser (no inline script anywhere).
// Live countdowns: every <time data-countdown datetime="ISO"> shows the time left and turns
// "overdue" (red, by class) once the deadline has passed. Text only: nothing from the page is
// ever evaluated or inserted as HTML.
(function () {
  "use strict";
  function left(ms) {
    var neg = ms < 0;
    var s = Math.floor(Math.abs(ms) / 1000);
    var d = Math.floor(s / 86400);
    var h = Math.floor((s % 86400) / 3600);
    var m = Math.floor((s % 3600) / 60);
    var t = d > 0 ? d + "d " + h + "h" : h > 0 ? h + "h " + m + "m" : m + "m " + (s % 60) + "s";
    return neg ? "overdue by " + t : t + " left";
  }
  function tick() {
    var now = Date.now();
    var els = document.querySelectorAll("time[data-countdown]");
    for (var i = 0; i < els.length; i++) {
      var el = els[i];
      var at = Date.parse(el.getAttribute("datetime") || "");
      if (isNaN(at)) continue;
      var out = el.querySelector(".left") || el;
      out.textContent = left(at - now);
      el.classList.toggle("overdue", at - now < 0);
      el.classList.toggle("due-soon", at - now >= 0 && at - now < 6 * 3600 * 1000);
    }
  }
  document.addEventListener("DOMContentLoaded", function () {
    tick();
    setInterval(tick, 1000);
  });
  document.addEventListener("htmx:afterSwap", tick);
})();
