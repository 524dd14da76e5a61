// Lantern's own behaviour for every page. No inline script anywhere: the
// Content-Security-Policy forbids it. Each feature attaches by data attribute.
(function () {
  "use strict";
  // Buttons that ask before a destructive or irreversible step.
  document.addEventListener("click", function (event) {
    var target = event.target.closest("[data-confirm]");
    if (target && !window.confirm(target.getAttribute("data-confirm"))) {
      event.preventDefault();
    }
  });

  // Quick exit: the "Leave this site" link, Esc, or Shift pressed three times within a
  // second. The page is blanked at once, then replaced (location.replace), so Back does
  // not come back to it. The target is the link's own href (settings.LANTERN_QUICK_EXIT_URL).
  var FALLBACK = "https://www.weather.gov/";
  var leaving = false;

  function exitUrl() {
    var link = document.querySelector("[data-quick-exit]");
    return (link && link.href) || FALLBACK;
  }

  function quickExit() {
    if (leaving) {
      return;
    }
    leaving = true;
    var url = exitUrl();
    document.title = "";
    if (document.body) {
      document.body.textContent = "";
    }
    window.location.replace(url);
  }

  document.addEventListener("click", function (event) {
    if (event.target.closest("[data-quick-exit]")) {
      event.preventDefault();
      quickExit();
    }
  });

  var shiftTimes = [];
  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape" || event.key === "Esc") {
      quickExit();
      return;
    }
    if (event.key !== "Shift") {
      shiftTimes = []; // Shift used for a capital letter does not count.
      return;
    }
    if (event.repeat) {
      return;
    }
    var now = Date.now();
    shiftTimes = shiftTimes.filter(function (t) { return now - t < 1000; });
    shiftTimes.push(now);
    if (shiftTimes.length >= 3) {
      quickExit();
    }
  });

  // A page brought back from the back-forward cache after an exit stays blank.
  window.addEventListener("pageshow", function (event) {
    if (event.persisted && leaving) {
      document.body.textContent = "";
      window.location.replace(exitUrl());
    }
  });
})();
