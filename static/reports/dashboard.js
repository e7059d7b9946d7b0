/* Draws the dashboard's charts from the JSON each page embeds (Django's json_script).
   No inline script and no inline style, so it runs under a strict Content Security Policy.
   Each <canvas data-chart="kind" data-source="id"> names its kind and its data element. */
(function () {
  "use strict";

  var NHS_BLUE = "#005eb8", GREY = "#768692", ORANGE = "#ed8b00", DARK = "#212b32", GREEN = "#007f3b";
  var VARIATION_COLOURS = { improvement: NHS_BLUE, concern: ORANGE, common: GREY };

  function flat(value, count) {
    var out = [];
    for (var i = 0; i < count; i++) { out.push(value); }
    return out;
  }

  // Draws each bar's 95% interval as a whisker, from the dataset's `low` and `high` arrays.
  var intervalWhiskers = {
    id: "attendIntervalWhiskers",
    afterDatasetsDraw: function (chart) {
      var ctx = chart.ctx, y = chart.scales.y;
      chart.data.datasets.forEach(function (dataset, index) {
        if (!dataset.low) { return; }
        chart.getDatasetMeta(index).data.forEach(function (bar, i) {
          var low = dataset.low[i], high = dataset.high[i];
          if (low === null || high === null || low === undefined) { return; }
          var top = y.getPixelForValue(high), bottom = y.getPixelForValue(low), x = bar.x;
          ctx.save();
          ctx.strokeStyle = DARK;
          ctx.lineWidth = 2;
          ctx.beginPath();
          ctx.moveTo(x, top); ctx.lineTo(x, bottom);
          ctx.moveTo(x - 8, top); ctx.lineTo(x + 8, top);
          ctx.moveTo(x - 8, bottom); ctx.lineTo(x + 8, bottom);
          ctx.stroke();
          ctx.restore();
        });
      });
    }
  };

  function yAxis(label) {
    return { beginAtZero: true, title: { display: true, text: label } };
  }

  // The axis reaches the top of the highest interval, so no whisker is cut off.
  function withRoomFor(axis, highs) {
    var top = Math.max.apply(null, (highs || []).filter(function (v) { return typeof v === "number"; }));
    if (isFinite(top)) { axis.suggestedMax = top; }
    return axis;
  }

  var builders = {
    "interval-bars": function (data) {
      return {
        type: "bar",
        data: {
          labels: data.labels,
          datasets: [{ label: data.yLabel, data: data.values, low: data.low, high: data.high, backgroundColor: NHS_BLUE }]
        },
        options: { scales: { y: withRoomFor(yAxis(data.yLabel), data.high) }, plugins: { legend: { display: false } } },
        plugins: [intervalWhiskers]
      };
    },
    spc: function (data) {
      var n = data.labels.length;
      var datasets = [{
        label: data.yLabel, data: data.values, borderColor: GREY, spanGaps: false,
        pointRadius: 5,
        pointBackgroundColor: data.variation.map(function (v) { return VARIATION_COLOURS[v] || GREY; }),
        pointBorderColor: data.variation.map(function (v) { return VARIATION_COLOURS[v] || GREY; })
      }];
      if (data.mean !== null) {
        datasets.push({ label: "Mean", data: flat(data.mean, n), borderColor: DARK, pointRadius: 0, borderWidth: 1 });
        datasets.push({ label: "Upper limit", data: flat(data.upper, n), borderColor: GREY, borderDash: [6, 4], pointRadius: 0, borderWidth: 1 });
        datasets.push({ label: "Lower limit", data: flat(data.lower, n), borderColor: GREY, borderDash: [6, 4], pointRadius: 0, borderWidth: 1 });
      }
      if (data.target !== null && data.target !== undefined) {
        datasets.push({ label: "Target", data: flat(data.target, n), borderColor: GREEN, borderDash: [2, 2], pointRadius: 0, borderWidth: 2 });
      }
      return {
        type: "line",
        data: { labels: data.labels, datasets: datasets },
        options: { scales: { y: { title: { display: true, text: data.yLabel } } } }
      };
    },
    arms: function (data) {
      return {
        type: "bar",
        data: {
          labels: data.labels,
          datasets: [
            { label: "Intervention", data: data.intervention, backgroundColor: NHS_BLUE },
            { label: "Control", data: data.control, backgroundColor: GREY }
          ]
        },
        options: { scales: { y: yAxis(data.yLabel) } }
      };
    }
  };

  function draw() {
    if (typeof window.Chart === "undefined") { return; }
    var canvases = document.querySelectorAll("canvas[data-chart]");
    Array.prototype.forEach.call(canvases, function (canvas) {
      var source = document.getElementById(canvas.getAttribute("data-source"));
      var build = builders[canvas.getAttribute("data-chart")];
      if (!source || !build) { return; }
      var config = build(JSON.parse(source.textContent));
      config.options = config.options || {};
      config.options.animation = false;
      config.options.responsive = true;
      config.options.maintainAspectRatio = false;  // the container's CSS sets the height
      new window.Chart(canvas, config);
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else {
    draw();
  }
}());
