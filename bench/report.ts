import type { BenchResult } from './run.js';
import type { BenchSummary } from './summary.js';

/**
 * The report page: one self-contained HTML file (inline data, style and script; no
 * network) a person reads at a glance. The summary figures are plain HTML so they read
 * without script; the charts are drawn on canvases from the inlined series: demand
 * against serving capacity, instances serving / booting / draining with desired, and
 * every scale action as a mark whose reason shows on hover.
 */
export function renderReport(result: BenchResult, summary: BenchSummary): string {
  const r = result.recorder;
  const c = r.columns;
  const take = (a: Float64Array) => Array.from(a.subarray(0, r.length), (v) => (Number.isNaN(v) ? null : v));
  const data = {
    startMs: result.start.getTime(),
    capacity: result.options.capacity,
    minute: take(c.minute),
    demand: take(c.demand),
    servingCapacity: take(c.servingCapacity),
    inService: take(c.inService),
    booting: take(c.booting),
    draining: take(c.draining),
    desired: take(c.desired),
    forecast: take(c.forecastInstances),
    over: take(c.overCapacityStreams),
    decisions: r.decisions,
  };
  const o = result.options;
  const rows: Array<[string, string]> = [
    ['GPU-hours', `${summary.gpuHours} (oracle ${summary.oracleGpuHours})`],
    ['GPU-hours / oracle', String(summary.gpuHoursOverOracle)],
    ['Over-capacity stream-minutes', `${summary.overCapacityStreamMinutes} of ${summary.streamMinutes} (${summary.overCapacityPercent} %)`],
    ['Scale actions', String(summary.scaleActions)],
    ['Reversals (within 15 min)', String(summary.reversals)],
    ['Streams cut at grace', String(summary.streamsCutAtGrace)],
    ['Over-capacity, first day / after it', `${summary.overCapacityPercentFirstDay} % / ${summary.overCapacityPercentAfterFirstDay} %`],
    ['Over-capacity beyond the cold-start floor', `${summary.overCapacityPercentBeyondColdStart} % (floor: ${summary.coldStartFloorStreamMinutes} stream-minutes of the first opening no controller could avoid)`],
    ['Draining GPU-hours', `${summary.drainingGpuHours} over ${summary.drains} drains (mean ${summary.meanDrainMinutes ?? '-'} min)`],
    ['Above the oracle (% of it)', `booting ${summary.aboveOracle.bootingPercent}, draining ${summary.aboveOracle.drainingPercent}, serving above the need ${summary.aboveOracle.servingAboveNeedPercent}`],
    ['Handler errors', String(summary.handlerErrors)],
  ];
  const title = `gpu-fleet-scaler benchmark: ${o.policy}, ${o.days} day(s)`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title>
<style>
body{font:14px/1.4 system-ui,sans-serif;margin:16px;color:#222}
h1{font-size:18px;margin:0 0 4px}p.sub{color:#555;margin:0 0 12px}
table{border-collapse:collapse;margin-bottom:12px}td,th{padding:2px 10px;border-bottom:1px solid #ddd;text-align:left}
.chart{position:relative;margin:8px 0 18px}canvas{width:100%;height:260px;display:block;border:1px solid #ccc}
.legend span{margin-right:14px}.legend i{display:inline-block;width:12px;height:12px;margin-right:4px;vertical-align:-1px}
#tip{position:fixed;pointer-events:none;background:#fff;border:1px solid #888;padding:6px 8px;font-size:12px;max-width:560px;display:none;box-shadow:0 2px 6px #0003;white-space:pre-wrap}
</style></head><body>
<h1>${escapeHtml(title)}</h1>
<p class="sub">${summary.historyDays > 0 ? `after ${summary.historyDays} unscored day(s) of target tracking; ` : ''}capacity ${o.capacity} streams/instance, boot ${o.bootMinutes} min, grace ${o.graceMinutes} min, scale ${o.scale}, seed ${o.seed}, min ${o.min}, max ${o.max}; handlers: ${escapeHtml(summary.handlers.join(', '))}</p>
<table id="summary"><tbody>${rows.map(([k, v]) => `<tr><th>${escapeHtml(k)}</th><td>${escapeHtml(v)}</td></tr>`).join('')}</tbody></table>
<label>Show <select id="range"></select></label>
<div class="chart"><div class="legend"><span><i style="background:#d33"></i>demand (concurrent streams)</span><span><i style="background:#27c"></i>serving capacity</span><span><i style="background:#f90"></i>over capacity</span></div><canvas id="demand" width="1200" height="260"></canvas></div>
<div class="chart"><div class="legend"><span><i style="background:#4a4"></i>serving</span><span><i style="background:#9cf"></i>booting</span><span><i style="background:#c9c"></i>draining</span><span><i style="background:#000"></i>desired</span><span><i style="background:#e80"></i>forecast</span><span><i style="background:#c00"></i>scale action (hover)</span></div><canvas id="instances" width="1200" height="260"></canvas></div>
<div id="tip"></div>
<script id="data" type="application/json">${JSON.stringify(data).replace(/</g, '\\u003c')}</script>
<script>${REPORT_SCRIPT}</script>
</body></html>
`;
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (ch) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[ch] as string);
}

const REPORT_SCRIPT = String.raw`
(function () {
  var d = JSON.parse(document.getElementById('data').textContent);
  var n = d.minute.length, DAY = 1440;
  var sel = document.getElementById('range');
  var days = Math.ceil(n / DAY);
  function label(i) { return new Date(d.startMs + d.minute[i] * 60000).toISOString().slice(0, 16).replace('T', ' '); }
  sel.add(new Option('all ' + days + ' day(s)', 'all'));
  for (var k = 0; k < days; k++) sel.add(new Option('day ' + (k + 1) + ' (' + label(Math.min(n - 1, k * DAY)).slice(0, 10) + ')', String(k)));
  var view = { from: 0, to: n };
  var tip = document.getElementById('tip');
  function scaleY(max, h) { return function (v) { return h - 20 - (v / (max || 1)) * (h - 30); }; }
  function drawLine(ctx, xs, values, y, color, width) {
    ctx.strokeStyle = color; ctx.lineWidth = width || 1; ctx.beginPath(); var started = false;
    for (var i = view.from; i < view.to; i++) { var v = values[i]; if (v === null) { started = false; continue; } var x = xs(i); if (!started) { ctx.moveTo(x, y(v)); started = true; } else ctx.lineTo(x, y(v)); }
    ctx.stroke();
  }
  function axes(ctx, w, h, max, unit) {
    ctx.fillStyle = '#666'; ctx.font = '11px sans-serif'; ctx.strokeStyle = '#eee'; ctx.lineWidth = 1;
    for (var g = 0; g <= 4; g++) { var v = max * g / 4, y = h - 20 - (g / 4) * (h - 30); ctx.beginPath(); ctx.moveTo(40, y); ctx.lineTo(w, y); ctx.stroke(); ctx.fillText(Math.round(v) + unit, 2, y + 4); }
    var span = view.to - view.from, step = span > 3 * DAY ? DAY : 120;
    for (var m = Math.ceil(view.from / step) * step; m < view.to; m += step) { var x = 40 + (m - view.from) / span * (w - 40); ctx.fillText(step === DAY ? label(m).slice(5, 10) : label(m).slice(11, 16), x + 2, h - 6); ctx.beginPath(); ctx.moveTo(x, 0); ctx.lineTo(x, h - 20); ctx.stroke(); }
  }
  function draw() {
    var a = document.getElementById('demand'), b = document.getElementById('instances');
    var ca = a.getContext('2d'), cb = b.getContext('2d'), w = a.width, h = a.height, span = view.to - view.from;
    var xs = function (i) { return 40 + (i - view.from) / span * (w - 40); };
    var maxD = 1, maxI = 1;
    for (var i = view.from; i < view.to; i++) { maxD = Math.max(maxD, d.demand[i], d.servingCapacity[i]); maxI = Math.max(maxI, d.inService[i] + d.booting[i] + d.draining[i], d.desired[i], d.forecast[i] || 0); }
    ca.clearRect(0, 0, w, h); axes(ca, w, h, maxD, '');
    var yd = scaleY(maxD, h);
    ca.fillStyle = '#f90';
    for (i = view.from; i < view.to; i++) if (d.over[i] > 0) ca.fillRect(xs(i), yd(d.demand[i]), Math.max(1, (w - 40) / span), yd(d.demand[i] - d.over[i]) - yd(d.demand[i]));
    drawLine(ca, xs, d.servingCapacity, yd, '#27c', 1.5); drawLine(ca, xs, d.demand, yd, '#d33', 1);
    cb.clearRect(0, 0, w, h); axes(cb, w, h, maxI, '');
    var yi = scaleY(maxI, h), bw = Math.max(1, (w - 40) / span);
    for (i = view.from; i < view.to; i++) {
      var x = xs(i), s = d.inService[i], bo = d.booting[i], dr = d.draining[i];
      cb.fillStyle = '#4a4'; cb.fillRect(x, yi(s), bw, yi(0) - yi(s));
      cb.fillStyle = '#9cf'; cb.fillRect(x, yi(s + bo), bw, yi(s) - yi(s + bo));
      cb.fillStyle = '#c9c'; cb.fillRect(x, yi(s + bo + dr), bw, yi(s + bo) - yi(s + bo + dr));
    }
    drawLine(cb, xs, d.desired, yi, '#000', 1); drawLine(cb, xs, d.forecast, yi, '#e80', 1);
    cb.fillStyle = '#c00';
    d.decisions.forEach(function (e) { var j = e.minute - d.minute[0]; if (j >= view.from && j < view.to) cb.fillRect(xs(j) - 1, 0, 2, 8); });
    document.body.setAttribute('data-rendered', String(d.decisions.length));
  }
  function nearestDecision(j, radius) {
    var best = null;
    d.decisions.forEach(function (e) { var k = e.minute - d.minute[0]; if (Math.abs(k - j) <= radius && (!best || Math.abs(k - j) < Math.abs(best.minute - d.minute[0] - j))) best = e; });
    return best;
  }
  function hover(ev) {
    var c = ev.target, rect = c.getBoundingClientRect(), px = (ev.clientX - rect.left) / rect.width * c.width;
    if (px < 40) { tip.style.display = 'none'; return; }
    var span = view.to - view.from, j = Math.round(view.from + (px - 40) / (c.width - 40) * span);
    if (j < 0 || j >= n) return;
    var text = label(j) + '\ndemand ' + d.demand[j] + ' streams, serving capacity ' + d.servingCapacity[j] + (d.over[j] ? ' (' + d.over[j] + ' over)' : '') +
      '\nserving ' + d.inService[j] + ', booting ' + d.booting[j] + ', draining ' + d.draining[j] + ', desired ' + d.desired[j] + (d.forecast[j] !== null ? ', forecast ' + d.forecast[j] : '');
    var e = nearestDecision(j, Math.max(2, span / (c.width - 40) * 4));
    if (e) text += '\n\n' + label(e.minute - d.minute[0]) + ': ' + e.from + ' -> ' + e.to + ' ' + e.reason + (e.forecast ? '\n' + e.forecast : '');
    tip.textContent = text; tip.style.display = 'block'; tip.style.left = (ev.clientX + 12) + 'px'; tip.style.top = (ev.clientY + 12) + 'px';
  }
  ['demand', 'instances'].forEach(function (id) { var c = document.getElementById(id); c.addEventListener('mousemove', hover); c.addEventListener('mouseleave', function () { tip.style.display = 'none'; }); });
  sel.addEventListener('change', function () { if (sel.value === 'all') view = { from: 0, to: n }; else { var k = Number(sel.value); view = { from: k * DAY, to: Math.min(n, (k + 1) * DAY) }; } draw(); });
  draw();
})();
`;
