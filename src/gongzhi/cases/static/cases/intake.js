// Intake forms: a client key per form so a resubmission (double click, retry on a bad network)
// is the same report; Ctrl+Enter submits the hotline form; the grid report takes the phone's
// position and retries until the server answers.
(function () {
  "use strict";
  function newKey() {
    if (window.crypto && crypto.randomUUID) { return crypto.randomUUID(); }
    return Date.now().toString(36) + Math.random().toString(36).slice(2);
  }
  document.querySelectorAll("form.intake").forEach(function (form) {
    var key = form.querySelector("input[name=client_key]");
    if (key && !key.value) { key.value = newKey(); }
    form.addEventListener("keydown", function (e) {
      if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) { e.preventDefault(); form.requestSubmit(); }
    });
  });
  // The resident form only fills in the position when the phone gives one; the street list is the fallback.
  var resident = document.getElementById("resident-form");
  if (resident && navigator.geolocation) {
    navigator.geolocation.getCurrentPosition(function (pos) {
      resident.querySelector("input[name=lon]").value = pos.coords.longitude.toFixed(7);
      resident.querySelector("input[name=lat]").value = pos.coords.latitude.toFixed(7);
      document.getElementById("gps-status").textContent = "已获取您的位置";
    }, function () {}, { timeout: 10000 });
  }
  var report = document.getElementById("report-form");
  if (!report) { return; }
  var status = document.getElementById("gps-status");
  if (navigator.geolocation) {
    navigator.geolocation.getCurrentPosition(function (pos) {
      // Browsers report WGS-84; map SDK apps that send GCJ-02 say so in the datum field.
      report.querySelector("input[name=lon]").value = pos.coords.longitude.toFixed(7);
      report.querySelector("input[name=lat]").value = pos.coords.latitude.toFixed(7);
      report.querySelector("input[name=datum]").value = "wgs84";
      status.textContent = "已定位（±" + Math.round(pos.coords.accuracy) + " 米）";
    }, function () { status.textContent = "无法获取位置，请开启定位后重试"; }, { enableHighAccuracy: true, timeout: 15000 });
  }
  report.addEventListener("submit", function (e) {
    e.preventDefault();
    var result = document.getElementById("report-result");
    var data = new FormData(report);
    var attempt = 0;
    function send() {
      attempt += 1;
      result.textContent = attempt > 1 ? "网络不稳定，正在重试（第 " + attempt + " 次）…" : "正在上报…";
      fetch(report.action || window.location.href, { method: "POST", body: data, headers: { Accept: "application/json" } })
        .then(function (resp) { return resp.json().then(function (body) { return { ok: resp.ok, body: body }; }); })
        .then(function (r) {
          if (r.ok) {
            result.innerHTML = "已上报，编号 <strong class='case-number'>" + r.body.number + "</strong>";
            report.querySelector("input[name=client_key]").value = newKey();
          } else {
            result.textContent = Object.values(r.body.errors || {}).join("；");
          }
        })
        .catch(function () { if (attempt < 8) { setTimeout(send, Math.min(1000 * attempt, 5000)); } else { result.textContent = "网络中断，请稍后再试"; } });
    }
    send();
  });
})();
