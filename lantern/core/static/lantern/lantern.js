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
})();
