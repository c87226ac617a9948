/* Batch printing: the print job page follows its job's progress; the certificates page gets a "select all" box.
   Without JavaScript the job page reloads itself (meta refresh) and the boxes are ticked one by one. */
(function () {
  "use strict";

  var POLL_MS = 1500;

  function followJob(panel) {
    var url = panel.getAttribute("data-status-url");
    var status = panel.getAttribute("data-status");
    if (!url || (status !== "queued" && status !== "running") || panel.hasAttribute("data-stale")) {
      return;
    }
    var bar = document.getElementById("print-progress");
    var percent = panel.querySelector("[data-job-percent]");
    var text = panel.querySelector("[data-job-text]");
    var label = panel.querySelector("[data-job-label]");
    var failures = 0;

    function show(data) {
      if (bar) { bar.value = data.percent; bar.textContent = data.percent + "%"; }
      if (percent) { percent.textContent = data.percent + "%"; }
      if (text) { text.textContent = data.text; }
      if (label) {
        var badge = document.createElement("span");
        badge.className = "badge badge-" + (data.tone || "neutral");
        badge.textContent = data.label;
        label.replaceChildren(badge);
      }
    }

    function poll() {
      fetch(url, { headers: { "Accept": "application/json" }, credentials: "same-origin", cache: "no-store" })
        .then(function (response) {
          if (!response.ok) { throw new Error("HTTP " + response.status); }
          return response.json();
        })
        .then(function (data) {
          failures = 0;
          show(data);
          if (data.status === "done" || data.status === "failed") {
            // The page as the server renders it now: the download button, or the error and "Thử lại".
            window.location.reload();
            return;
          }
          window.setTimeout(poll, POLL_MS);
        })
        .catch(function () {
          failures += 1;
          if (text && failures === 3) {
            text.textContent += " (mất kết nối, đang thử lại…)";
          }
          window.setTimeout(poll, Math.min(30000, POLL_MS * Math.pow(2, failures)));
        });
    }

    window.setTimeout(poll, POLL_MS);
  }

  function pickAll(form) {
    var master = form.querySelector("[data-pick-all]");
    if (!master) { return; }
    var boxes = Array.prototype.filter.call(
      form.querySelectorAll("input[name=certificate_ids]"), function (box) { return !box.disabled; });
    master.closest("label").hidden = false;
    function sync() {
      var ticked = boxes.filter(function (box) { return box.checked; }).length;
      master.checked = ticked > 0 && ticked === boxes.length;
      master.indeterminate = ticked > 0 && ticked < boxes.length;
    }
    master.addEventListener("change", function () {
      boxes.forEach(function (box) { box.checked = master.checked; });
      sync();
    });
    boxes.forEach(function (box) { box.addEventListener("change", sync); });
    sync();
  }

  document.querySelectorAll(".print-job[data-status-url]").forEach(followJob);
  document.querySelectorAll("#print-form").forEach(pickAll);
})();
