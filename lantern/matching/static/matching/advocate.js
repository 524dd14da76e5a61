/* Advocate search map: a numbered marker per result whose place this viewer may see (the
   same number as in the list, which stays the primary content), the search centre, and
   under them a base layer. The base layer is the state outlines Lantern serves itself, with
   each state's counties fetched as the map zooms in there, so nothing leaves the server;
   when LANTERN_MAP_TILE_URL is set, that tile server is drawn instead.

   The markers come from data attributes rendered with the results (no inline script); HTMX
   swaps the results, and the map is redrawn from the new attributes. Names come from HSDS
   imports: they reach the map only as text nodes, never as a string Leaflet would write as
   HTML. */
(function () {
  "use strict";
  var map = null;
  // Outline files by URL, fetched once per page however often the map is redrawn.
  var outlineFiles = {};
  // Counties are drawn from this zoom on (a few states in view, ~50 KB each).
  var COUNTY_ZOOM = 7;

  function config() {
    var el = document.getElementById("map-config");
    return el ? JSON.parse(el.textContent) : {};
  }

  function textLabel(text) {
    var label = document.createElement("span");
    label.textContent = String(text);
    return label;
  }

  function escapeHtml(text) {
    return String(text).replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
  }

  function getOutline(url) {
    if (!outlineFiles[url]) {
      outlineFiles[url] = fetch(url, { credentials: "same-origin" }).then(function (response) {
        if (!response.ok) throw new Error("outline " + response.status);
        return response.json();
      });
      outlineFiles[url].catch(function () { delete outlineFiles[url]; });
    }
    return outlineFiles[url];
  }

  // One box per polygon of a feature: Alaska's Aleutians sit on both sides of the
  // antimeridian, and one box around all of them would cover the whole map.
  function polygonBounds(geometry) {
    var polygons = geometry.type === "Polygon" ? [geometry.coordinates] : geometry.coordinates;
    return polygons.map(function (polygon) {
      return L.latLngBounds(polygon[0].map(function (lonLat) { return [lonLat[1], lonLat[0]]; }));
    });
  }

  function drawOutlines(target, outlines) {
    var pane = target.createPane("outlines");
    pane.classList.add("outlines-pane");
    var options = { pane: "outlines", renderer: L.svg({ pane: "outlines" }), interactive: false };
    var states = L.geoJSON(null, L.extend({ className: "outline-state" }, options)).addTo(target);
    var counties = L.geoJSON(null, L.extend({ className: "outline-county" }, options));
    var stateBoxes = [];
    var requested = {};
    if (outlines.attribution) target.attributionControl.addAttribution(escapeHtml(outlines.attribution));

    function refreshCounties() {
      if (target.getZoom() < COUNTY_ZOOM) {
        counties.remove();
        return;
      }
      counties.addTo(target);
      var view = target.getBounds();
      stateBoxes.forEach(function (state) {
        var url = outlines.counties[state.fips];
        if (!url || requested[state.fips]) return;
        if (!state.boxes.some(function (box) { return view.intersects(box); })) return;
        requested[state.fips] = true;
        getOutline(url).then(function (data) {
          if (map === target) counties.addData(data);
        }, function () { requested[state.fips] = false; });
      });
    }

    getOutline(outlines.states).then(function (data) {
      if (map !== target) return;  // redrawn meanwhile
      states.addData(data);
      stateBoxes = data.features.map(function (feature) {
        return { fips: feature.properties.fips, boxes: polygonBounds(feature.geometry) };
      });
      refreshCounties();
    }, function () { /* the markers and the list still work without the outlines */ });
    target.on("moveend", refreshCounties);
  }

  function resultIcon(marker) {
    var badge = textLabel(marker.number);
    return L.divIcon({
      html: badge,
      className: "result-marker status-" + String(marker.status).replace(/[^a-z_-]/g, ""),
      iconSize: [26, 26],
      iconAnchor: [13, 13],
      tooltipAnchor: [13, 0],
    });
  }

  function drawCentre(target, centre) {
    // Its label sits under the result markers (tooltips are above them by default), so it
    // never hides a numbered marker.
    target.createPane("centre-label").classList.add("centre-label-pane");
    var icon = L.divIcon({ html: "", className: "centre-marker", iconSize: [18, 18], iconAnchor: [9, 9] });
    var marker = L.marker(centre.point, { icon: icon, interactive: false, keyboard: false, zIndexOffset: -100 });
    marker.bindTooltip(textLabel(centre.label), {
      permanent: true, direction: "bottom", offset: [0, 9], className: "centre-label", pane: "centre-label",
    });
    marker.addTo(target);
  }

  function draw() {
    var box = document.getElementById("map");
    if (!box || !box.dataset.markers || typeof L === "undefined") return;
    if (map) {
      try { map.remove(); } catch (err) { /* its container was swapped out already */ }
      map = null;
    }
    var markers = JSON.parse(box.dataset.markers);
    var centre = box.dataset.centre ? JSON.parse(box.dataset.centre) : null;
    map = L.map(box, { attributionControl: true });
    // The list is the primary content and carries everything the map shows: assistive
    // technology skips the drawing (nothing in it takes focus) and keeps the map's controls.
    map.getPane("mapPane").setAttribute("aria-hidden", "true");
    var cfg = config();
    if (cfg.tile_url) {
      L.tileLayer(cfg.tile_url, { attribution: cfg.attribution || "" }).addTo(map);
    } else if (cfg.outlines) {
      drawOutlines(map, cfg.outlines);
    }
    var points = [];
    var farPoints = [];
    markers.forEach(function (m) {
      var marker = L.marker(m.point, { icon: resultIcon(m), keyboard: false });
      marker.bindTooltip(textLabel(m.name));
      marker.addTo(map);
      (m.far ? farPoints : points).push(m.point);
    });
    // Places beyond tonight's travel radius are on the map but outside the first view,
    // unless nothing is within reach (then they are all there is to show).
    if (!points.length) {
      points = farPoints;
    }
    if (centre) {
      drawCentre(map, centre);
      points.push(centre.point);
    }
    if (points.length) {
      // Outlines alone give little context close up: stop where the counties still show.
      map.fitBounds(points, { padding: [20, 20], maxZoom: cfg.tile_url ? 13 : 11 });
    } else {
      map.setView([39.8, -98.6], 3);
    }
  }

  document.addEventListener("DOMContentLoaded", draw);
  document.addEventListener("htmx:afterSettle", draw);
})();
