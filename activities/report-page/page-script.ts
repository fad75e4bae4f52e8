// The script inside report.html that draws the page from the report embedded in it. It runs in the
// browser, so it is kept as source text (not compiled TypeScript, which could bring Node helpers
// along) and reads nothing but the page: no network. Every text from the report goes in through
// textContent, never as HTML, so an item id or an error text cannot inject markup.
export const PAGE_SCRIPT = String.raw`
'use strict';
(function () {
  var data = JSON.parse(document.getElementById('report-data').textContent);
  var r = data.report;
  var C = window.Chart;
  C.defaults.animation = false;
  C.defaults.responsive = true;
  C.defaults.maintainAspectRatio = false;
  C.defaults.font.family = 'system-ui, sans-serif';
  var COLORS = { ok: '#2e7d32', dead: '#c62828', rejected: '#6d4c41', blue: '#1565c0', grey: '#9e9e9e',
    orange: '#ef6c00', purple: '#6a1b9a', teal: '#00838f' };

  function el(tag, attrs) {
    var node = document.createElement(tag);
    for (var k in attrs || {}) node.setAttribute(k, attrs[k]);
    for (var i = 2; i < arguments.length; i++) {
      var child = arguments[i];
      if (child === null || child === undefined) continue;
      node.appendChild(typeof child === 'object' ? child : document.createTextNode(String(child)));
    }
    return node;
  }
  // A path is a list of keys: model names hold dots ('gpt-4.1-mini'), so a dotted string would not do.
  function keys(path) { return typeof path === 'string' ? path.split('.') : path; }
  function at(path) {
    return keys(path).reduce(function (o, k) { return o === undefined || o === null ? undefined : o[k]; }, r);
  }
  function count(n) { return Number(n || 0).toLocaleString('en-US'); }
  function usd(n) {
    return '$' + Number(n || 0).toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 6 });
  }
  function seconds(ms) { return (ms / 1000).toLocaleString('en-US', { maximumFractionDigits: 1 }) + ' s'; }
  // A figure the browser test compares with report.json: data-k names where it comes from.
  function fig(path, format) {
    return el('span', { 'data-k': JSON.stringify(keys(path)), 'data-f': format || 'count' }, (format === 'usd' ? usd : count)(at(path)));
  }
  function section(id, title) {
    var s = el('section', { id: id }, el('h2', {}, title));
    document.getElementById('main').appendChild(s);
    return s;
  }
  function chart(parent, id, height, config) {
    var box = el('div', { class: 'chart', style: 'height:' + height + 'px' });
    var canvas = el('canvas', { id: id, role: 'img', 'aria-label': id });
    box.appendChild(canvas);
    parent.appendChild(box);
    return new C(canvas, config);
  }
  function table(headers, rows) {
    var t = el('table', {}, el('thead', {}, el.apply(null, ['tr', {}].concat(headers.map(function (h) { return el('th', {}, h); })))));
    var body = el('tbody');
    rows.forEach(function (cells) {
      body.appendChild(el.apply(null, ['tr', {}].concat(cells.map(function (c) { return el('td', {}, c); }))));
    });
    t.appendChild(body);
    return t;
  }
  function safeLink(url, text) {
    return /^https?:\/\//.test(url || '') ? el('a', { href: url, target: '_blank', rel: 'noopener' }, text) : null;
  }

  // Header: what ran, how it ended, where to look at it in Temporal.
  document.getElementById('run-id').textContent = r.runId;
  var head = document.getElementById('summary');
  head.appendChild(el('p', {}, 'status ', el('strong', { class: 'status-' + r.status }, r.status),
    ' · ', r.provider + ' / ' + r.model, ' · ', seconds(r.durationMs), ' · ', fig('batches'), ' batches'));
  if (r.error) head.appendChild(el('p', { class: 'error' }, r.error));
  var links = el('p', { class: 'links' });
  [[data.links && data.links.run, 'the run in the Temporal Web UI'], [data.links && data.links.chunks, 'its chunk workflows']]
    .forEach(function (l) { var a = safeLink(l[0], l[1]); if (a) { links.appendChild(a); links.appendChild(document.createTextNode(' ')); } });
  head.appendChild(links);

  // 1. Every input line ends in exactly one file.
  var acc = section('accounting', 'Every item accounted for');
  acc.appendChild(el('p', { class: 'tiles' },
    el('span', { class: 'tile ok' }, fig('succeeded'), el('small', {}, 'results')),
    el('span', { class: 'tile dead' }, fig('deadLettered'), el('small', {}, 'dead letters')),
    el('span', { class: 'tile rejected' }, fig('rejected'), el('small', {}, 'rejected')),
    el('span', { class: 'tile' }, fig('items'), el('small', {}, 'input lines')),
    el('span', { class: 'tile' }, fig('duplicates'), el('small', {}, 'duplicates')),
    el('span', { class: 'tile' }, fig('cacheHits'), el('small', {}, 'cache hits'))));
  chart(acc, 'chart-accounting', 90, {
    type: 'bar',
    data: { labels: ['items'], datasets: [
      { label: 'results', data: [r.succeeded], backgroundColor: COLORS.ok },
      { label: 'dead letters', data: [r.deadLettered], backgroundColor: COLORS.dead },
      { label: 'rejected', data: [r.rejected], backgroundColor: COLORS.rejected }] },
    options: { indexAxis: 'y', scales: { x: { stacked: true, max: r.items || undefined }, y: { stacked: true, display: false } },
      plugins: { legend: { position: 'right' } } },
  });

  // 2. How far items went: strike 1 (batch) -> strike 2 (batch) -> strike 3 (sync) -> dead letter.
  var f = r.strikeFunnel || { strike1: 0, strike2: 0, strike3: 0, deadLettered: 0 };
  var fun = section('funnel', 'Strike funnel (unique requests)');
  chart(fun, 'chart-funnel', 220, {
    type: 'bar',
    data: { labels: ['strike 1', 'strike 2', 'strike 3', 'dead letter'],
      datasets: [{ label: 'requests', data: [f.strike1, f.strike2, f.strike3, f.deadLettered],
        backgroundColor: [COLORS.blue, COLORS.orange, COLORS.purple, COLORS.dead] }] },
    options: { plugins: { legend: { display: false } }, scales: { y: { beginAtZero: true } } },
  });
  fun.appendChild(table(['strike 1', 'strike 2', 'strike 3', 'dead letter'],
    [[fig('strikeFunnel.strike1'), fig('strikeFunnel.strike2'), fig('strikeFunnel.strike3'), fig('strikeFunnel.deadLettered')]]));

  // 3. Where the money went: from every line as a sync call down to what was billed, lever by lever.
  var cu = r.costUsd, sv = cu.savings || {};
  var levers = [['batch', 'batch discount'], ['dedup', 'dedup'], ['cache', 'answer cache'], ['routing', 'routing'], ['promptCache', 'prompt cache']];
  var steps = [{ label: 'naive sync', from: 0, to: cu.naiveSync, color: COLORS.grey }];
  var level = cu.naiveSync;
  levers.forEach(function (l) {
    var v = sv[l[0]] || 0;
    steps.push({ label: '− ' + l[1], from: level - v, to: level, color: v >= 0 ? COLORS.ok : COLORS.dead });
    level -= v;
  });
  if (cu.failedAnswers) { steps.push({ label: '+ failed answers', from: level, to: level + cu.failedAnswers, color: COLORS.dead }); level += cu.failedAnswers; }
  // Whatever the levers do not explain is shown, not hidden (beyond the rounding of each figure to a millionth).
  var rest = cu.actual - level;
  if (Math.abs(rest) >= 0.00001) steps.push({ label: 'not explained', from: Math.min(level, cu.actual), to: Math.max(level, cu.actual), color: COLORS.orange });
  steps.push({ label: 'billed', from: 0, to: cu.actual, color: COLORS.blue });
  var cost = section('cost', 'Cost: from naive sync to billed');
  chart(cost, 'chart-waterfall', 260, {
    type: 'bar',
    data: { labels: steps.map(function (s) { return s.label; }),
      datasets: [{ label: 'USD', data: steps.map(function (s) { return [s.from, s.to]; }), backgroundColor: steps.map(function (s) { return s.color; }) }] },
    options: { plugins: { legend: { display: false }, tooltip: { callbacks: { label: function (c) {
      var v = c.raw; return usd(Math.abs(v[1] - v[0])); } } } }, scales: { y: { beginAtZero: true } } },
  });
  cost.appendChild(table(['naive sync', 'sync equivalent', 'estimated', 'billed', 'failed answers', 'unconfirmed'],
    [[fig('costUsd.naiveSync', 'usd'), fig('costUsd.syncEquivalent', 'usd'), fig('costUsd.estimated', 'usd'), fig('costUsd.actual', 'usd'),
      fig('costUsd.failedAnswers', 'usd'), fig('costUsd.unconfirmed', 'usd')]]));
  cost.appendChild(table(levers.map(function (l) { return 'saved: ' + l[1]; }),
    [levers.map(function (l) { return fig('costUsd.savings.' + l[0], 'usd'); })]));
  // The bill as the providers count it, beside ours (reports from before it existed have none).
  if (cu.confirmed !== undefined) {
    cost.appendChild(table(['billed (answers\' usage)', 'confirmed (providers\' usage)', 'difference'],
      [[fig('costUsd.actual', 'usd'), fig('costUsd.confirmed', 'usd'), fig('costUsd.confirmedDifference', 'usd')]]));
    if (cu.confirmedMismatch) cost.appendChild(el('p', { id: 'confirmed-mismatch', class: 'mismatch' },
      'The providers\' usage differs from the answers\' by more than 0.5%: check the bill (by provider below).'));
  }

  // 4. The batches of each chunk in time: waiting, running, and the lag before a poll saw them done.
  var tl = (r.batchTimeline || []).slice(0, 200);
  var time = section('timeline', 'Batches per chunk over time');
  if (tl.length) {
    var t0 = Math.min.apply(null, tl.map(function (b) { return b.createdAtMs; }));
    var sec = function (ms) { return (ms - t0) / 1000; };
    var rows = tl.map(function (b) {
      var running = b.runningAtMs || b.createdAtMs;
      var ended = b.providerEndedAtMs || b.doneAtMs || running;
      var done = b.doneAtMs || ended;
      return { label: 'chunk ' + b.chunk + ' · strike ' + b.strike, wait: [sec(b.createdAtMs), sec(running)],
        run: [sec(running), sec(Math.max(running, ended))], lag: [sec(Math.max(running, ended)), sec(Math.max(done, ended))],
        lagMs: Math.max(0, done - ended) };
    });
    chart(time, 'chart-timeline', Math.max(140, 26 * rows.length + 70), {
      type: 'bar',
      data: { labels: rows.map(function (x) { return x.label; }), datasets: [
        { label: 'created, waiting', data: rows.map(function (x) { return x.wait; }), backgroundColor: COLORS.grey },
        { label: 'running', data: rows.map(function (x) { return x.run; }), backgroundColor: COLORS.blue },
        { label: 'poll lag', data: rows.map(function (x) { return x.lag; }), backgroundColor: COLORS.orange }] },
      options: { indexAxis: 'y', grouped: false, datasets: { bar: { grouped: false } },
        scales: { x: { title: { display: true, text: 'seconds since the first batch was created' }, beginAtZero: true } } },
    });
    var lags = rows.map(function (x) { return x.lagMs; }).sort(function (a, b) { return a - b; });
    time.appendChild(el('p', {}, 'poll lag (provider ended → our poll saw it): median ', seconds(lags[Math.floor(lags.length / 2)]),
      ', max ', seconds(lags[lags.length - 1]), (r.batchTimeline.length > tl.length ? ' · first ' + tl.length + ' batches shown' : '')));
  } else {
    time.appendChild(el('p', { class: 'empty' }, 'No provider batches in this run (sync only, or nothing to submit).'));
  }

  // 5. Why the dead letters failed, with a few of each.
  var reasons = Object.entries(r.deadLetterReasons || {}).sort(function (a, b) { return b[1].count - a[1].count; });
  var dl = section('dead-letters', 'Dead letters by reason');
  if (reasons.length) {
    chart(dl, 'chart-dead-letters', Math.max(120, 34 * reasons.length + 50), {
      type: 'bar',
      data: { labels: reasons.map(function (x) { return x[0]; }), datasets: [{ label: 'dead letters', data: reasons.map(function (x) { return x[1].count; }), backgroundColor: COLORS.dead }] },
      options: { indexAxis: 'y', plugins: { legend: { display: false } }, scales: { x: { beginAtZero: true } } },
    });
    dl.appendChild(table(['reason', 'count', 'samples'], reasons.map(function (x) {
      var samples = el('ul');
      x[1].samples.forEach(function (s) { samples.appendChild(el('li', {}, el('code', {}, s.id === null ? 'line ' + s.line : s.id), ' ', s.error)); });
      return [x[0], fig(['deadLetterReasons', x[0], 'count']), samples];
    })));
  } else {
    dl.appendChild(el('p', { class: 'empty' }, 'No dead letters.'));
  }

  // 6. Tokens and cost by model, provider and lane.
  var split = section('split', 'Tokens and cost by model, provider and lane');
  [['byModel', 'model'], ['byProvider', 'provider'], ['byMode', 'lane']].forEach(function (s) {
    var entries = Object.entries(r[s[0]] || {});
    if (!entries.length) return;
    // Categories across, tokens on the left axis and dollars on the right: both readable at once.
    chart(split, 'chart-' + s[0], 220, {
      type: 'bar',
      data: { labels: entries.map(function (e) { return s[1] + ' ' + e[0]; }), datasets: [
        { label: 'input tokens', data: entries.map(function (e) { return e[1].inputTokens; }), backgroundColor: COLORS.blue, yAxisID: 'tokens' },
        { label: 'output tokens', data: entries.map(function (e) { return e[1].outputTokens; }), backgroundColor: COLORS.teal, yAxisID: 'tokens' },
        { label: 'cost (USD)', data: entries.map(function (e) { return e[1].costUsd; }), backgroundColor: COLORS.orange, yAxisID: 'usd' }] },
      options: { scales: { tokens: { position: 'left', beginAtZero: true, title: { display: true, text: 'tokens' } },
        usd: { position: 'right', beginAtZero: true, grid: { drawOnChartArea: false }, title: { display: true, text: 'USD' } } } },
    });
    // A provider's row also shows its confirmed cost, where its batches were confirmed.
    var confirmed = entries.some(function (e) { return e[1].confirmedUsd !== undefined; });
    var heads = [s[1], 'answers', 'input tokens', 'output tokens', 'cache read', 'cost'];
    split.appendChild(table(confirmed ? heads.concat(['confirmed', 'difference']) : heads, entries.map(function (e) {
      var p = function (k) { return [s[0], e[0], k]; };
      var row = [e[0], fig(p('answers')), fig(p('inputTokens')), fig(p('outputTokens')), fig(p('cacheReadTokens')), fig(p('costUsd'), 'usd')];
      if (!confirmed) return row;
      return row.concat(e[1].confirmedUsd === undefined ? ['', ''] : [fig(p('confirmedUsd'), 'usd'), fig(p('confirmedDifferenceUsd'), 'usd')]);
    })));
  });
  document.body.setAttribute('data-rendered', 'true');
})();
`;
