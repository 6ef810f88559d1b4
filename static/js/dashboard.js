// Draws the dashboard's charts from each canvas's data-chart attribute (no inline script: the CSP
// allows only files). The tables beside the charts hold the same figures for screen readers, for
// printing, and for a browser without JavaScript.
(function () {
  "use strict";

  function draw(canvas) {
    var spec;
    try {
      spec = JSON.parse(canvas.getAttribute("data-chart"));
    } catch (error) {
      return;
    }
    var reduceMotion = window.matchMedia && window.matchMedia("(prefers-reduced-motion: reduce)").matches;
    var rtl = document.documentElement.dir === "rtl";
    new window.Chart(canvas, {
      type: spec.type,
      data: { labels: spec.labels, datasets: spec.datasets },
      options: {
        indexAxis: spec.horizontal ? "y" : "x",
        maintainAspectRatio: false,
        animation: reduceMotion ? false : { duration: 400 },
        locale: document.documentElement.lang || "en",
        plugins: {
          legend: { display: spec.datasets.length > 1, rtl: rtl },
          tooltip: { rtl: rtl }
        },
        scales: {
          x: { reverse: rtl && !spec.horizontal, beginAtZero: true, ticks: { precision: 0 } },
          y: { beginAtZero: true, ticks: { precision: 0 } }
        }
      }
    });
  }

  function start() {
    if (!window.Chart) {
      return;
    }
    var canvases = document.querySelectorAll("canvas[data-chart]");
    for (var i = 0; i < canvases.length; i += 1) {
      draw(canvases[i]);
    }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
