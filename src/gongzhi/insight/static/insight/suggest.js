// 智能派单 at intake: as the operator types the title and the text, ask for the model's
// proposal and show it under the form; "采纳建议" (or Alt+A) sets the category. Nothing is
// chosen for the operator: an unsure model says so and the category stays theirs to pick.
(function () {
  "use strict";
  var box = document.getElementById("suggestion");
  if (!box) { return; }
  var form = box.closest("form");
  var title = form.querySelector("[name=title]");
  var body = form.querySelector("[name=description]");
  var area = form.querySelector("[name=area]");
  var category = form.querySelector("[name=category]");
  var timer = null;
  var last = "";
  var proposal = null;

  function render(data) {
    proposal = data.shown ? data : null;
    box.hidden = false;
    box.textContent = "";
    if (!data.shown) {
      box.className = "suggestion unsure";
      box.textContent = data.model ? "无把握的建议（置信度 " + Math.round(data.confidence * 100) + "%），请人工选择类别" : "尚未启用分类模型，请人工选择类别";
      return;
    }
    box.className = "suggestion";
    var text = document.createElement("span");
    text.id = "suggestion-text";
    text.textContent = "建议类别：" + data.category.name + (data.unit ? " → 承办：" + data.unit.name : "") +
      "（置信度 " + Math.round(data.confidence * 100) + "%）";
    var accept = document.createElement("button");
    accept.type = "button";
    accept.id = "accept-suggestion";
    accept.textContent = "采纳建议（Alt+A）";
    accept.addEventListener("click", take);
    box.appendChild(text);
    box.appendChild(accept);
    if (data.alternatives.length > 1) {
      var alt = document.createElement("small");
      alt.className = "muted";
      alt.textContent = " 其他可能：" + data.alternatives.slice(1).map(function (a) {
        return a.name + " " + Math.round(a.confidence * 100) + "%";
      }).join("，");
      box.appendChild(alt);
    }
  }

  function take() {
    if (!proposal || !category) { return; }
    category.value = String(proposal.category.id);
    category.dispatchEvent(new Event("change", { bubbles: true }));
    box.classList.add("taken");
  }

  function ask() {
    var q = (title.value || "") + "\u0001" + (body.value || "") + "\u0001" + (area ? area.value : "");
    if (q === last || (title.value + body.value).trim().length < 4) { return; }
    last = q;
    var params = new URLSearchParams({ title: title.value, description: body.value, area: area ? area.value : "" });
    fetch(box.dataset.url + "?" + params.toString(), { credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (data) { if (data) { render(data); } })
      .catch(function () {});
  }

  function later() { clearTimeout(timer); timer = setTimeout(ask, 300); }
  [title, body].forEach(function (el) { if (el) { el.addEventListener("input", later); } });
  if (area) { area.addEventListener("change", later); }
  form.addEventListener("keydown", function (e) {
    if (e.altKey && (e.key === "a" || e.key === "A")) { e.preventDefault(); take(); }
  });
})();
