(function () {
  "use strict";
  if (typeof echarts === "undefined") { return; }
  [["area-chart", "area-chart-data"], ["dept-chart", "dept-chart-data"]].forEach(function (ids) {
    var el = document.getElementById(ids[0]);
    var data = document.getElementById(ids[1]);
    if (!el || !data) { return; }
    var chart = echarts.init(el, null, { renderer: "svg" });
    chart.setOption(JSON.parse(data.textContent));
    el.dataset.ready = "1";
    window.addEventListener("resize", function () { chart.resize(); });
  });
})();
