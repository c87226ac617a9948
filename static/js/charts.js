/* Charts drawn from their own tables (Chart.js, served from static/vendor/chartjs, see scripts/vendor_chartjs.sh).

   A <table data-chart="bar|line" data-chart-series="0,1" data-chart-title="..."> gets a chart right before its
   scroll container: labels from the row headers (tbody th), one data set per listed data column (0 = the first
   <td>), values from each cell's data-value, names from the column headers. The table stays the source and stays
   on the page, for those who read rather than look and for screen readers: the canvas is an image described by
   the table (aria-describedby). Without JavaScript or without Chart.js the tables are all there is. */
(function () {
  "use strict";
  var MAX_BARS = 40;

  function cssVar(name, fallback) {
    var value = getComputedStyle(document.documentElement).getPropertyValue(name).trim();
    return value || fallback;
  }

  function palette() {
    return [cssVar("--red", "#9f1d17"), cssVar("--info", "#0b5394"), cssVar("--ok", "#1e6b34"), cssVar("--gold", "#f2c230")];
  }

  function readTable(table) {
    var series = (table.getAttribute("data-chart-series") || "0").split(",").map(function (s) { return parseInt(s, 10); });
    var headers = Array.prototype.slice.call(table.querySelectorAll("thead th"));
    var rows = Array.prototype.slice.call(table.querySelectorAll("tbody tr"));
    var labels = [];
    var values = series.map(function () { return []; });
    rows.forEach(function (row) {
      var head = row.querySelector("th");
      var cells = row.querySelectorAll("td");
      labels.push(head ? head.textContent.trim() : "");
      series.forEach(function (column, index) {
        var cell = cells[column];
        values[index].push(cell ? Number(cell.getAttribute("data-value") || 0) : 0);
      });
    });
    // Column headers: the first is the row headers' own; the data columns follow.
    var names = series.map(function (column) {
      var header = headers[column + 1];
      return header ? header.textContent.trim() : "";
    });
    return { labels: labels, values: values, names: names };
  }

  function draw(table, index) {
    var kind = table.getAttribute("data-chart");
    var data = readTable(table);
    if (!data.labels.length) { return; }
    var wrap = table.closest(".stats-table-wrap") || table;
    // Bars lie down when there are many units or little width: every unit's name stays readable.
    var horizontal = kind === "bar" && (data.labels.length > 8 || wrap.parentNode.clientWidth < 560);
    if (kind === "bar" && data.labels.length > MAX_BARS) {
      data.labels = data.labels.slice(0, MAX_BARS);
      data.values = data.values.map(function (v) { return v.slice(0, MAX_BARS); });
    }
    var colours = palette();
    var box = document.createElement("figure");
    box.className = "stats-chart";
    var canvas = document.createElement("canvas");
    var caption = table.querySelector("caption");
    if (!caption.id) { caption.id = "chart-caption-" + index; }
    canvas.setAttribute("role", "img");
    canvas.setAttribute("aria-label", (table.getAttribute("data-chart-title") || "Biểu đồ") + " (số liệu ở bảng ngay sau)");
    canvas.setAttribute("aria-describedby", caption.id);
    canvas.id = "chart-" + index;
    box.appendChild(canvas);
    if (horizontal) {  // one bar row per unit: tall enough to read every name (CSSOM, allowed by the CSP)
      box.style.height = Math.max(320, 60 + data.labels.length * 18 * data.values.length) + "px";
    }
    wrap.parentNode.insertBefore(box, wrap);
    var number = new Intl.NumberFormat("vi-VN");
    new window.Chart(canvas, {
      type: kind === "line" ? "line" : "bar",
      data: {
        labels: data.labels,
        datasets: data.values.map(function (values, i) {
          return {
            label: data.names[i], data: values, backgroundColor: colours[i % colours.length],
            borderColor: colours[i % colours.length], borderWidth: kind === "line" ? 2 : 0, tension: 0.2, pointRadius: 3
          };
        })
      },
      options: {
        responsive: true, maintainAspectRatio: false, animation: false, indexAxis: horizontal ? "y" : "x",
        locale: "vi-VN",
        plugins: {
          legend: { position: "bottom" },
          title: { display: true, text: table.getAttribute("data-chart-title") || "" },
          tooltip: { callbacks: { label: function (ctx) { return ctx.dataset.label + ": " + number.format(ctx.parsed[horizontal ? "x" : "y"]); } } }
        },
        scales: {
          x: { beginAtZero: true, ticks: { precision: 0 } },
          y: { beginAtZero: true, ticks: { precision: 0, autoSkip: !horizontal } }
        }
      }
    });
    table.setAttribute("data-chart-drawn", "1");
  }

  function start() {
    if (typeof window.Chart !== "function") { return; }  // the library is missing: the tables still say it all
    Array.prototype.forEach.call(document.querySelectorAll("table[data-chart]"), draw);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
