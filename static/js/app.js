// trainer: small progressive enhancements; every page works without this file.
(function () {
  "use strict";

  // Progress bars: width from data-percent (no inline styles, so the CSP can forbid them).
  document.querySelectorAll(".progress-fill[data-percent]").forEach(function (bar) {
    bar.style.width = Math.max(0, Math.min(100, Number(bar.dataset.percent) || 0)) + "%";
  });

  // Reading time: count seconds while the lesson is visible; report every 30 s and on leave.
  var reader = document.querySelector(".reader[data-time-url]");
  if (reader) {
    var pending = 0;
    var visibleSince = document.visibilityState === "visible" ? Date.now() : null;
    var collect = function () {
      if (visibleSince !== null) pending += (Date.now() - visibleSince) / 1000;
      visibleSince = document.visibilityState === "visible" ? Date.now() : null;
    };
    var report = function () {
      collect();
      var seconds = Math.min(Math.floor(pending), 120);
      if (seconds < 1) return;
      pending -= seconds;
      var body = new URLSearchParams({ seconds: String(seconds) });
      fetch(reader.dataset.timeUrl, {
        method: "POST", body: body, keepalive: true, credentials: "same-origin",
        headers: { "X-CSRFToken": reader.dataset.csrf },
      }).catch(function () { pending += seconds; });
    };
    setInterval(report, 30000);
    document.addEventListener("visibilitychange", function () {
      if (document.visibilityState === "hidden") {
        if (visibleSince !== null) pending += (Date.now() - visibleSince) / 1000;
        visibleSince = null;
        report();
      } else {
        visibleSince = Date.now();
      }
    });
    window.addEventListener("pagehide", report);

    // On phones the outline starts folded so the lesson comes first.
    var outline = document.querySelector(".outline");
    if (outline && window.matchMedia("(max-width: 899px)").matches) outline.removeAttribute("open");
  }
})();

// Exam timer: counts down to the deadline the server set (the server enforces it anyway).
(function () {
  "use strict";
  document.querySelectorAll(".timer[data-deadline]").forEach(function (timer) {
    var deadline = Date.parse(timer.dataset.deadline);
    var label = timer.textContent.replace(/[0-9]+.*$/, "");
    var tick = function () {
      var left = Math.max(0, Math.floor((deadline - Date.now()) / 1000));
      var minutes = Math.floor(left / 60), seconds = left % 60;
      timer.textContent = label + minutes + ":" + (seconds < 10 ? "0" : "") + seconds;
      if (left === 0) clearInterval(handle);
    };
    var handle = setInterval(tick, 1000);
    tick();
  });
})();
