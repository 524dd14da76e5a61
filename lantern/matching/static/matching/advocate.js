/* Advocate search map: one circle per result whose place this viewer may see. The markers
   come from a JSON block rendered with the results (no inline script); HTMX swaps the
   results, and the map is redrawn from the new block. Names come from HSDS imports: they
   reach the map only as text nodes, never as a string Leaflet would write as HTML. */
(function () {
  "use strict";
  var map = null;

  function config() {
    var el = document.getElementById("map-config");
    return el ? JSON.parse(el.textContent) : {};
  }

  function textLabel(text) {
    var label = document.createElement("span");
    label.textContent = String(text);
    return label;
  }

  function draw() {
    var box = document.getElementById("map");
    if (!box || !box.dataset.markers || typeof L === "undefined") return;
    if (map) {
      try { map.remove(); } catch (err) { /* its container was swapped out already */ }
      map = null;
    }
    var markers = JSON.parse(box.dataset.markers);
    map = L.map(box, { attributionControl: true });
    var cfg = config();
    if (cfg.tile_url) {
      L.tileLayer(cfg.tile_url, { attribution: cfg.attribution || "" }).addTo(map);
    }
    var points = [];
    markers.forEach(function (m) {
      var circle = L.circleMarker(m.point, { radius: 8, className: "marker status-" + String(m.status).replace(/[^a-z_-]/g, "") });
      circle.bindTooltip(textLabel(m.name));
      circle.addTo(map);
      points.push(m.point);
    });
    if (points.length) {
      map.fitBounds(points, { padding: [20, 20], maxZoom: 13 });
    } else {
      map.setView([39.8, -98.6], 3);
    }
  }

  document.addEventListener("DOMContentLoaded", draw);
  document.addEventListener("htmx:afterSettle", draw);
})();
