// Find help: "Use my location" (only when clicked) and small HTMX niceties. The page works
// without this file; the form posts as a plain form.
(function () {
  "use strict";

  document.addEventListener("DOMContentLoaded", showGeolocation);
  document.addEventListener("htmx:afterSettle", function (event) {
    var page = document.getElementById("page");
    if (page && page.getAttribute("data-lang")) {
      document.documentElement.lang = page.getAttribute("data-lang");
    }
    var results = document.getElementById("results");
    var status = document.querySelector("[data-results-status]");
    if (event.detail.target && event.detail.target.id === "results") {
      if (results && status) {
        status.textContent = results.getAttribute("data-summary") || "";
      }
      return;
    }
    // A new step replaced the page: start reading at its heading.
    showGeolocation();
    var heading = document.querySelector("[data-step-heading]");
    if (heading) {
      heading.focus();
    }
  });

  function showGeolocation() {
    if (!("geolocation" in navigator)) {
      return;
    }
    var box = document.querySelector("[data-geo]");
    if (box) {
      box.hidden = false;
    }
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-geolocate]");
    if (!button) {
      return;
    }
    var form = button.form;
    var status = document.querySelector("[data-geo-status]");
    status.textContent = button.getAttribute("data-geo-asking");
    navigator.geolocation.getCurrentPosition(
      function (position) {
        // About 1 km is enough to find places nearby.
        form.querySelector("[data-geo-latitude]").value = position.coords.latitude.toFixed(2);
        form.querySelector("[data-geo-longitude]").value = position.coords.longitude.toFixed(2);
        form.querySelector("[data-geo-submit]").click(); // a click, so HTMX sees which button
      },
      function () {
        status.textContent = button.getAttribute("data-geo-failed");
      },
      { enableHighAccuracy: false, timeout: 15000, maximumAge: 600000 }
    );
  });
})();
