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

// Role-play chat: send replies without reloading, keep the reply clock running.
// Without this script the same form posts and the page reloads: both paths use one server view.
(function () {
  "use strict";
  var form = document.querySelector("form[data-chat-form]");
  if (!form) return;
  var panel = document.getElementById("chat-panel");
  var box = form.querySelector("textarea");
  var seqInput = form.querySelector("input[name=seq]");
  var side = document.querySelector(".workstation .side");
  if (side && window.matchMedia("(max-width: 899px)").matches) side.removeAttribute("open");

  var timerHandle = null;
  var startTimer = function () {
    var timer = panel.querySelector(".chat-timer[data-since]");
    if (!timer) return;
    var since = Date.parse(timer.dataset.since), limit = Number(timer.dataset.limit);
    var label = timer.textContent.trim();
    var tick = function () {
      var waited = Math.max(0, Math.floor((Date.now() - since) / 1000));
      var m = Math.floor(waited / 60), s = waited % 60;
      timer.textContent = label + " · " + m + ":" + (s < 10 ? "0" : "") + s;
      timer.classList.toggle("is-late", waited > limit);
    };
    clearInterval(timerHandle);
    timerHandle = setInterval(tick, 1000);
    tick();
  };
  var scrollDown = function () {
    var list = document.getElementById("bubbles");
    if (list) list.scrollTop = list.scrollHeight;
    if (list && list.lastElementChild) list.lastElementChild.scrollIntoView({ block: "nearest" });
  };
  startTimer();
  scrollDown();

  var sending = false;
  var send = function (extra) {
    if (sending) return;
    var data = new FormData(form);
    if (extra) data.append(extra.name, extra.value);
    var typed = (box.value || "").trim();
    if (!extra && !typed) { box.focus(); return; }
    sending = true;
    form.classList.add("is-sending");
    var list = document.getElementById("bubbles");
    if (list && typed && !extra) {
      var pending = document.createElement("li");
      pending.className = "bubble bubble-agent is-pending";
      var p = document.createElement("p");
      p.textContent = typed;
      pending.appendChild(p);
      list.appendChild(pending);
      scrollDown();
    }
    fetch(form.action, {
      method: "POST", body: data, credentials: "same-origin",
      headers: { "X-Requested-With": "fetch", "Accept": "application/json" },
    }).then(function (response) {
      return response.json().then(function (json) { return { ok: response.ok, json: json }; });
    }).then(function (result) {
      if (result.json.redirect) { window.location.assign(result.json.redirect); return; }
      if (!result.ok) throw new Error("refused");
      panel.innerHTML = result.json.panel;
      var oldHint = document.querySelector(".chat-hint");
      if (oldHint) oldHint.remove();
      var suggestions = document.getElementById("suggestions");
      if (suggestions) suggestions.innerHTML = result.json.suggestions;
      seqInput.value = result.json.seq;
      box.value = "";
      startTimer();
      scrollDown();
      box.focus();
    }).catch(function () {
      // keep the text and fall back to an ordinary post, which reports what went wrong
      form.submit();
    }).then(function () {
      sending = false;
      form.classList.remove("is-sending");
    });
  };

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var submitter = event.submitter;
    if (submitter && submitter.name === "suggestion") send({ name: "suggestion", value: submitter.value });
    else send(null);
  });
  // Enter sends, Shift+Enter starts a new line (as in 千牛); not while an input method is composing.
  box.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      send(null);
    }
  });
})();

// Scenario editor: ask before leaving the page with edits not yet saved (every button of the
// form saves them or shows them again, so only links and closing the tab can lose them).
(function () {
  "use strict";
  var form = document.getElementById("scenario-form");
  if (!form) return;
  var changed = false;
  var mark = function () { changed = true; };
  form.addEventListener("input", mark);
  form.addEventListener("change", mark);
  form.addEventListener("submit", function () { changed = false; });
  window.addEventListener("beforeunload", function (event) {
    if (!changed) return;
    event.preventDefault();
    event.returnValue = "";
  });
})();
