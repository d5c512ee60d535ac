// Draws the area's boundary, its children and its buildings from our own GeoJSON.
// Base tiles are optional: with none configured (or none reachable) the shapes are drawn on
// a plain background, so the page works on a closed network.
(function () {
  "use strict";
  var el = document.getElementById("map");
  var data = JSON.parse(document.getElementById("map-data").textContent);
  var points = JSON.parse(document.getElementById("map-points").textContent) || [];
  var script = document.getElementById("map-script");
  if (!el || typeof L === "undefined") { return; }
  var map = L.map(el, { zoomSnap: 0.25, attributionControl: false });
  // Names and addresses are what people typed: a tooltip shows them as text. (Leaflet puts a
  // string tooltip in with innerHTML, so a name like <img onerror=…> would run.)
  function text(s) {
    var span = document.createElement("span");
    span.textContent = s;
    return span;
  }
  var tiles = script.dataset.tiles;
  if (tiles) {
    L.tileLayer(tiles, { maxZoom: 19, attribution: script.dataset.attribution || "" }).addTo(map);
    L.control.attribution({ prefix: false }).addTo(map);
  }
  var features = data.features || [];
  var self = features.length && !features[0].properties.url ? features[0] : null;
  var layer = L.geoJSON(data, {
    style: function (f) {
      if (f === self) { return { color: "#b42318", weight: 3, fill: false }; }
      return f.properties.can_open
        ? { color: "#1d4ed8", weight: 1.5, fillColor: "#60a5fa", fillOpacity: 0.25 }
        : { color: "#9ca3af", weight: 1, fillColor: "#e5e7eb", fillOpacity: 0.4 };
    },
    onEachFeature: function (f, lyr) {
      // Set before the layer joins the map, so the SVG paths are created with them.
      lyr.options.className = f === self ? "area-self" : (f.properties.can_open ? "area-open" : "area-closed");
      if (f === self) { lyr.options.interactive = false; return; }
      // Few children (districts, streets): name them on the map; many: name on hover.
      lyr.bindTooltip(text(f.properties.name), features.length <= 30
        ? { permanent: true, direction: "center", className: "area-label" }
        : { sticky: true });
      if (f.properties.url) { lyr.on("click", function () { window.location.href = f.properties.url; }); }
    },
  });
  // The view must be set before any layer joins the map.
  var bounds = layer.getBounds();
  if (bounds.isValid()) { map.fitBounds(bounds, { padding: [10, 10] }); } else { map.setView([28.2, 112.95], 10); }
  layer.addTo(map);
  points.forEach(function (p) {
    L.circleMarker([p.lat, p.lon], { radius: 5, color: "#92400e", weight: 1, fillColor: "#f59e0b", fillOpacity: 0.9 })
      .bindTooltip(text(p.name + " · " + p.address)).addTo(map);
  });
  el.dataset.ready = String(features.length);
})();
