// The overview's charts and numbers: reads the server's last hour (DashboardHistory) every two
// seconds while the tab is shown and not paused, and draws it with uPlot. Loaded from this
// server only, as the Content-Security-Policy says; it writes text, never markup.
(function () {
  'use strict';
  var root = document.getElementById('overview');
  var source = root.getAttribute('data-source');
  var select = document.getElementById('overview-queue');
  var pause = document.getElementById('overview-pause');
  var status = document.getElementById('overview-status');
  var paused = false;
  var last = null;
  var charts = {};
  var CHARTS = [
    { id: 'throughput', unit: 'jobs/s', series: [
      { key: 'completed', label: 'completed per second', stroke: '#2e7d32' },
      { key: 'failed', label: 'failed per second', stroke: '#c62828' }] },
    { id: 'latency', unit: 's', series: [
      { key: 'latency', label: 'oldest waiting job, seconds', stroke: '#ef6c00' }] },
    { id: 'running', unit: 'jobs', series: [
      { key: 'running', label: 'running', stroke: '#1565c0' },
      { key: 'available', label: 'waiting', stroke: '#6a1b9a' }] }
  ];

  function queueData(data) {
    return data.queues[select.value] || data.queues[''];
  }

  function lastValue(values) {
    for (var i = values.length - 1; i >= 0; i--) {
      if (values[i] !== null) {
        return values[i];
      }
    }
    return null;
  }

  function showNumbers(series) {
    ['completed', 'failed', 'latency', 'running', 'available'].forEach(function (key) {
      var value = lastValue(series[key]);
      document.getElementById('now-' + key).textContent = value === null ? '—' : String(value);
    });
  }

  function draw(data, rebuild) {
    var series = queueData(data);
    if (!series) {
      return;
    }
    showNumbers(series);
    CHARTS.forEach(function (spec) {
      var columns = [data.t].concat(spec.series.map(function (s) { return series[s.key]; }));
      var chart = charts[spec.id];
      if (chart && !rebuild) {
        chart.setData(columns);
        return;
      }
      if (chart) {
        chart.destroy();
      }
      var box = document.getElementById('chart-' + spec.id);
      charts[spec.id] = new uPlot({
        width: Math.max(320, box.clientWidth),
        height: 180,
        // At least the last five minutes, so that the first samples do not fill the width; taken
        // from the samples themselves, since uPlot widens a range of one sample by years.
        scales: { x: { time: true, auto: false, range: function (u) {
          var t = u.data[0];
          var last = t[t.length - 1];
          return [Math.min(t[0], last - 300), last];
        } } },
        series: [{}].concat(spec.series.map(function (s) {
          return { label: s.label, stroke: s.stroke, width: 2, spanGaps: true };
        })),
        axes: [{}, { label: spec.unit }]
      }, columns, box);
    });
  }

  function load() {
    fetch(source, { credentials: 'same-origin', headers: { Accept: 'application/json' } })
      .then(function (response) {
        if (!response.ok) {
          throw new Error('HTTP ' + response.status);
        }
        return response.json();
      })
      .then(function (data) {
        last = data;
        draw(data, false);
        status.textContent = 'live, every 2 s';
      })
      .catch(function (error) {
        status.textContent = 'could not refresh: ' + error.message;
      });
  }

  function tick() {
    if (!paused && !document.hidden) {
      load();
    }
  }

  pause.addEventListener('click', function () {
    paused = !paused;
    pause.textContent = paused ? 'Resume' : 'Pause';
    pause.setAttribute('aria-pressed', paused ? 'true' : 'false');
    status.textContent = paused ? 'paused' : 'live, every 2 s';
    tick();
  });
  select.addEventListener('change', function () {
    if (last) {
      draw(last, true);
    }
  });
  document.addEventListener('visibilitychange', tick);
  setInterval(tick, 2000);
  load();
}());
