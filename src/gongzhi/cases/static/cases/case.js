(function () {
  "use strict";
  // Dispatch: the order of selection decides 主办 (first) and 协办 (the rest).
  document.querySelectorAll("select.units").forEach(function (select) {
    var hidden = select.form.querySelector("input[name=units]");
    var order = [];
    select.addEventListener("change", function () {
      var chosen = Array.from(select.selectedOptions).map(function (o) { return o.value; });
      order = order.filter(function (v) { return chosen.indexOf(v) >= 0; });
      chosen.forEach(function (v) { if (order.indexOf(v) < 0) { order.push(v); } });
      hidden.value = order.join(",");
    });
    // Options chosen before this script ran (or by the keyboard without a change event) still count.
    select.form.addEventListener("submit", function () {
      if (!hidden.value) {
        hidden.value = Array.from(select.selectedOptions).map(function (o) { return o.value; }).join(",");
      }
    });
  });
  var pointEl = document.getElementById("case-point");
  var mapEl = document.getElementById("map");
  if (pointEl && mapEl && typeof L !== "undefined") {
    var p = JSON.parse(pointEl.textContent);
    var map = L.map(mapEl, { attributionControl: false }).setView([p.lat, p.lon], 16);
    // The title is what the reporter typed: shown as text (a string tooltip would be parsed as HTML).
    var title = document.createElement("span");
    title.textContent = p.title;
    L.circleMarker([p.lat, p.lon], { radius: 8, color: "#b42318" }).bindTooltip(title).addTo(map);
  }
})();
