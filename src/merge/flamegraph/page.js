// The flame graph page's script, plain JS for any current browser: inlined into each page by
// src/merge/flamegraph.ts with a CSP hash. It reads the JSON data block and builds the DOM with
// textContent only; bars are positioned in percent, so only labels and ticks need a resize.
(() => {
  const ROW = 24;
  const BAR_H = 20;
  /** More traces than this: an index, each trace drawn on demand. */
  const ON_DEMAND_ABOVE = 20;
  const MIN_LABEL_PX = 34;
  /** Longer links (a parent with hundreds of children stacked) would hatch the chart: not drawn. */
  const MAX_LINK_ROWS = 12;
  const TICK_PX = 110;
  const data = JSON.parse(document.getElementById('flame-data').textContent);
  const main = document.getElementById('traces');
  const tip = document.getElementById('tooltip');
  const views = [];
  let pinned = null;
  let hot = null;

  // Search by name: drawn bars that match are outlined and the others dimmed; in the index, traces
  // with no matching span are hidden. `/` focuses the box.
  const searchBox = document.getElementById('search');
  const searchCount = document.getElementById('search-count');
  const search = {
    query: '',
    matches(b) {
      return (b.resource + '\n' + b.name + '\n' + b.service).toLowerCase().includes(this.query);
    },
    apply(view) {
      let count = 0;
      view.trace.bars.forEach((b, i) => {
        const hit = this.query !== '' && this.matches(b);
        if (hit) count++;
        view.bars[i].classList.toggle('match', hit);
        view.bars[i].classList.toggle('dim', this.query !== '' && !hit);
      });
      return count;
    },
    run() {
      this.query = searchBox.value.trim().toLowerCase();
      let count = 0;
      for (const view of views) count += this.apply(view);
      let traces = 0;
      for (const row of main.querySelectorAll('.index tbody tr')) {
        const trace = data.traces[Number(row.dataset.trace)];
        const hit = this.query === '' || trace.bars.some((b) => this.matches(b));
        row.hidden = !hit;
        if (hit && this.query !== '') traces++;
      }
      const inIndex = main.querySelector('.index') !== null;
      searchCount.textContent =
        this.query === ''
          ? ''
          : count +
            ' drawn span' +
            (count === 1 ? '' : 's') +
            ' match' +
            (inIndex ? '; ' + traces + ' traces have a match' : '');
    },
  };
  searchBox.addEventListener('input', () => search.run());

  function el(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }
  function trimmed(value, decimals) {
    return String(Number(value.toFixed(decimals)));
  }
  function duration(ns) {
    if (ns < 1e3) return trimmed(ns, 0) + ' ns';
    const [unit, name] = ns < 1e6 ? [1e3, 'µs'] : ns < 1e9 ? [1e6, 'ms'] : [1e9, 's'];
    const v = ns / unit;
    return trimmed(v, v >= 10 ? 1 : 2) + ' ' + name;
  }
  function niceStep(raw) {
    const power = 10 ** Math.floor(Math.log10(raw));
    const f = raw / power;
    return (f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10) * power;
  }
  function percent(fraction) {
    return (fraction * 100).toFixed(4) + '%';
  }
  function fact(list, term, value, className) {
    const item = el('div', className);
    item.append(el('dt', '', term), el('dd', '', value));
    list.append(item);
    return item;
  }

  function drawTrace(trace, t, into) {
    const target = into || main;
    const section = el('section', 'trace');
    section.dataset.traceId = trace.traceId;
    const head = el('header', 'trace-head');
    const h2 = el('h2');
    h2.append(el('span', 'root-name', trace.rootName || '(unnamed)'));
    if (trace.rootResource && trace.rootResource !== trace.rootName)
      h2.append(el('span', 'root-resource', trace.rootResource));
    if (trace.rootService) h2.append(el('span', 'root-service', trace.rootService));
    head.append(h2);
    const facts = el('dl', 'facts');
    fact(facts, 'trace id', trace.traceId).lastChild.className = 'mono';
    if (trace.start) {
      const start = fact(facts, 'start', trace.start.replace('T', ' ').replace(/(\.\d{3})\d*Z$/, '$1 UTC'));
      start.title = trace.start;
    }
    fact(facts, 'duration', duration(trace.duration));
    fact(facts, 'spans', String(trace.bars.length));
    if (trace.errors) fact(facts, 'errors', String(trace.errors), 'bad');
    if (trace.orphans) fact(facts, 'orphans', String(trace.orphans), 'bad');
    if (trace.skews) fact(facts, 'clock skews', String(trace.skews), 'bad');
    head.append(facts);
    section.append(head);

    if (trace.bars.length === 0) {
      section.append(el('p', 'empty', 'This trace has no spans.'));
      target.append(section);
      return section;
    }
    const wrap = el('div', 'chart-wrap');
    const axis = el('div', 'axis');
    const chart = el('div', 'chart');
    chart.style.height = Math.max(1, trace.rows) * ROW + 'px';
    const grid = el('div', 'grid');
    chart.append(grid);
    if (trace.detachedRow >= 0) {
      const divider = el(
        'div',
        'detached',
        'Detached: spans whose parent is not in this trace, drawn as extra roots',
      );
      divider.style.top = trace.detachedRow * ROW + 'px';
      chart.append(divider);
    }
    const total = Math.max(1, trace.duration);
    const bars = [];
    const links = [];
    const fragment = document.createDocumentFragment();
    trace.bars.forEach((b, i) => {
      let className = 'bar ' + b.origin + ' s' + b.shade;
      if (b.error) className += ' error';
      if (b.orphan) className += ' orphan';
      const bar = el('div', className);
      bar.tabIndex = 0;
      bar.dataset.trace = String(t);
      bar.dataset.index = String(i);
      bar.dataset.spanId = b.spanId;
      bar.dataset.origin = b.origin;
      bar.dataset.start = String(b.start);
      const primary = b.resource || b.name;
      bar.setAttribute(
        'aria-label',
        primary +
          ', ' +
          b.service +
          ' · ' +
          b.name +
          ', ' +
          duration(b.duration) +
          (b.error ? ', error' : '') +
          (b.skew ? ', ' + b.skew : ''),
      );
      bar.style.top = b.row * ROW + 'px';
      if (b.skew) bar.classList.add('skew');
      if (b.error) bar.append(el('span', 'err-mark', '!'));
      if (b.skew) bar.append(el('span', 'skew-mark', '±'));
      // What X-Ray and Datadog show first (the resource, which is the X-Ray name for plain
      // subsegments), then the service and the span name.
      const label = el('span', 'label');
      label.append(el('span', 'primary', primary));
      const sub = el('span', 'sub');
      sub.append(el('span', 'svc', b.service), document.createTextNode(' · '), el('span', 'name', b.name));
      label.append(sub);
      bar.append(label);
      fragment.append(bar);
      bars.push(bar);
      // A child drawn lower than right under its parent (a few rows) is linked to it by a line at its start.
      if (b.parentRow >= 0 && b.row > b.parentRow + 1 && b.row - b.parentRow <= MAX_LINK_ROWS) {
        const link = el('div', 'link');
        links.push({ link, start: b.start });
        link.style.top = b.parentRow * ROW + BAR_H + 'px';
        link.style.height = (b.row - b.parentRow) * ROW - BAR_H + 'px';
        fragment.append(link);
      }
    });
    chart.append(fragment);
    wrap.append(axis, chart);
    section.append(wrap);
    target.append(section);
    const view = {
      trace,
      total,
      from: 0,
      span: total,
      axis,
      chart,
      grid,
      bars,
      links,
      width: -1,
      reset: null,
    };
    // Zoom: double-click a bar, or Enter on a focused one, to see its time only; the button undoes it.
    const reset = el('button', 'zoom-reset', 'Reset zoom');
    reset.type = 'button';
    reset.hidden = true;
    reset.addEventListener('click', () => zoom(view, 0, total));
    view.reset = reset;
    head.append(reset);
    views.push(view);
    positionBars(view);
    search.apply(view);
    return section;
  }

  /** Bars and links placed in percent of the view's time window. */
  function positionBars(view) {
    view.trace.bars.forEach((b, i) => {
      view.bars[i].style.left = percent((b.start - view.from) / view.span);
      view.bars[i].style.width = percent(b.duration / view.span);
      // Zoomed in past a bar's start: its label moves to where the bar comes into view.
      const hidden =
        b.duration > 0 && b.start < view.from ? Math.min(0.9, (view.from - b.start) / b.duration) : 0;
      view.bars[i].lastChild.style.marginLeft = hidden > 0 ? percent(hidden) : '';
    });
    for (const { link, start } of view.links) link.style.left = percent((start - view.from) / view.span);
  }

  function zoom(view, from, to) {
    const span = Math.max(1, to - from);
    view.from = Math.max(0, from);
    view.span = Math.min(span, view.total);
    view.reset.hidden = view.from === 0 && view.span >= view.total;
    view.chart.classList.toggle('zoomed', !view.reset.hidden);
    positionBars(view);
    view.width = -1;
    fit(view);
  }

  function zoomTo(bar) {
    const view = views.find((candidate) => candidate.bars.includes(bar));
    if (!view) return;
    const b = spanOf(bar);
    const length = Math.max(b.duration, view.total / 1000);
    const pad = length * 0.05;
    zoom(view, b.start - pad, b.start + length + pad);
  }

  function fit(view) {
    const width = view.chart.clientWidth;
    if (width === view.width || width === 0) return;
    view.width = width;
    // A small bar's label goes beside it, on the side with more free room on its row, cut to fit
    // that room (and left out when there is next to none: the tooltip still has it).
    const byRow = new Map();
    view.trace.bars.forEach((b, i) => {
      const left = ((b.start - view.from) / view.span) * width;
      const right = left + Math.max(3, (b.duration / view.span) * width);
      if (!byRow.has(b.row)) byRow.set(b.row, []);
      byRow.get(b.row).push({ i, left, right });
    });
    for (const row of byRow.values()) {
      row.sort((a, b) => a.left - b.left);
      row.forEach((entry, k) => {
        const bar = view.bars[entry.i];
        const tiny = entry.right - entry.left < MIN_LABEL_PX;
        bar.classList.toggle('tiny', tiny);
        if (!tiny) return;
        let roomRight = width - entry.right;
        for (let n = k + 1; n < row.length; n++) roomRight = Math.min(roomRight, row[n].left - entry.right);
        let roomLeft = entry.left;
        for (let n = 0; n < k; n++) roomLeft = Math.min(roomLeft, entry.left - row[n].right);
        const toLeft = roomLeft > roomRight;
        const room = Math.max(roomLeft, roomRight) - 10;
        bar.classList.toggle('tiny-left', toLeft);
        bar.classList.toggle('no-label', room < 28);
        bar.lastChild.style.maxWidth = Math.max(0, Math.min(420, room)) + 'px';
      });
    }
    const step = niceStep(view.span / Math.max(2, Math.floor(width / TICK_PX)));
    const [unit, name] =
      view.span >= 1e9
        ? [1e9, 's']
        : view.span >= 1e6
          ? [1e6, 'ms']
          : view.span >= 1e3
            ? [1e3, 'µs']
            : [1, 'ns'];
    const decimals = Math.max(0, Math.ceil(-Math.log10(step / unit) - 1e-9));
    const ticks = document.createDocumentFragment();
    const lines = document.createDocumentFragment();
    const first = Math.ceil(view.from / step);
    for (let k = first; k * step <= view.from + view.span; k++) {
      const at = k * step;
      const x = (at - view.from) / view.span;
      const tick = el('div', 'tick', k === 0 ? '0' : (at / unit).toFixed(decimals) + ' ' + name);
      tick.style.left = percent(x);
      if (k > 0 && x * width > width - 60) tick.classList.add('flip');
      ticks.append(tick);
      const line = el('div', 'gridline');
      line.style.left = percent(x);
      lines.append(line);
    }
    view.axis.replaceChildren(ticks);
    view.grid.replaceChildren(lines);
  }

  function spanOf(bar) {
    return data.traces[Number(bar.dataset.trace)].bars[Number(bar.dataset.index)];
  }
  function fillTooltip(b, traceId) {
    const head = el('div', 'tt-head');
    head.append(
      el(
        'span',
        'tt-name',
        (b.resource || b.name) + (b.resource && b.resource !== b.name ? ' · ' + b.name : ''),
      ),
    );
    head.append(el('span', 'badge ' + b.origin, b.origin === 'xray' ? 'X-Ray' : 'Datadog'));
    if (b.error) head.append(el('span', 'badge error', 'error'));
    if (b.orphan) head.append(el('span', 'badge orphan', 'orphan'));
    const parts = [head];
    if (b.note) parts.push(el('p', 'tt-note', b.note));
    if (b.skew) parts.push(el('p', 'tt-note', b.skew));
    const grid = el('dl', 'tt-grid');
    const rows = [
      ['name', b.name],
      ['service', b.service],
      ['resource', b.resource],
      ['type', b.type],
      ['duration', duration(b.duration)],
      ['start', '+' + duration(b.start)],
      ['span id', b.spanId],
      ['parent id', b.parentId],
      ['trace id', traceId],
    ];
    for (const [term, value] of rows) if (value !== '') grid.append(el('dt', '', term), el('dd', '', value));
    parts.push(grid);
    for (const [title, entries] of [
      ['meta', b.meta],
      ['metrics', b.metrics],
    ]) {
      if (entries.length === 0) continue;
      parts.push(el('div', 'tt-section', title + ' (' + entries.length + ')'));
      const tags = el('dl', 'tt-grid tags-' + title);
      for (const [key, value] of entries) tags.append(el('dt', '', data.keys[key]), el('dd', '', value));
      parts.push(tags);
    }
    parts.push(el('div', 'tt-hint', pinned ? 'Esc or click elsewhere to close' : 'Click the bar to pin'));
    tip.replaceChildren(...parts);
    tip.hidden = false;
  }
  function place(x, y) {
    const gap = 14;
    const box = tip.getBoundingClientRect();
    let left = x + gap;
    let top = y + gap;
    if (left + box.width > innerWidth - 8) left = Math.max(8, x - gap - box.width);
    if (top + box.height > innerHeight - 8) top = Math.max(8, innerHeight - 8 - box.height);
    tip.style.left = left + 'px';
    tip.style.top = top + 'px';
  }
  function setHot(bar) {
    if (hot) hot.classList.remove('hot');
    hot = bar;
    if (hot) hot.classList.add('hot');
  }
  function show(bar, x, y) {
    setHot(bar);
    fillTooltip(spanOf(bar), data.traces[Number(bar.dataset.trace)].traceId);
    place(x, y);
  }
  function hide() {
    pinned = null;
    tip.classList.remove('pinned');
    tip.hidden = true;
    setHot(null);
  }

  document.addEventListener('mouseover', (event) => {
    if (pinned) return;
    const bar = event.target.closest?.('.bar');
    if (bar) show(bar, event.clientX, event.clientY);
    else if (hot) hide();
  });
  document.addEventListener('mousemove', (event) => {
    if (!pinned && hot) place(event.clientX, event.clientY);
  });
  document.addEventListener('click', (event) => {
    if (tip.contains(event.target)) return;
    const bar = event.target.closest?.('.bar');
    if (!bar || bar === pinned) return hide();
    pinned = bar;
    tip.classList.add('pinned');
    show(bar, event.clientX, event.clientY);
  });
  document.addEventListener('focusin', (event) => {
    const bar = event.target.closest?.('.bar');
    if (!bar || pinned) return;
    const box = bar.getBoundingClientRect();
    show(bar, box.left, box.bottom);
  });
  document.addEventListener('dblclick', (event) => {
    const bar = event.target.closest?.('.bar');
    if (bar) zoomTo(bar);
  });
  document.addEventListener('keydown', (event) => {
    if (event.key === '/' && event.target !== searchBox) {
      event.preventDefault();
      searchBox.focus();
      return;
    }
    const bar = event.target.closest?.('.bar');
    if (bar && event.key === 'Enter') zoomTo(bar);
    if (event.key === 'Escape') hide();
  });

  // Many traces: an index first, each trace drawn when it is asked for, so the page opens fast.
  const COLUMNS = [
    ['trace', 'Trace', (t) => (t.rootResource || t.rootName) + ' ' + t.rootService],
    ['start', 'Start', (t) => t.start],
    ['duration', 'Duration', (t) => t.duration],
    ['spans', 'Spans', (t) => t.bars.length],
    ['errors', 'Errors', (t) => t.errors],
    ['orphans', 'Orphans', (t) => t.orphans],
    ['skews', 'Clock skews', (t) => t.skews],
  ];
  const observer = typeof ResizeObserver === 'function' ? new ResizeObserver(() => views.forEach(fit)) : null;
  const drawn = new Map();
  let shown = null;
  function open(t) {
    let section = drawn.get(t);
    if (!section) {
      const before = views.length;
      section = drawTrace(data.traces[t], t, shown);
      drawn.set(t, section);
      for (const view of views.slice(before)) {
        fit(view);
        if (observer) observer.observe(view.chart);
      }
    }
    shown.prepend(section);
    section.scrollIntoView({ block: 'start' });
    for (const row of main.querySelectorAll('.index tbody tr'))
      row.classList.toggle('open', drawn.has(Number(row.dataset.trace)));
  }
  function buildIndex() {
    const wrap = el('section', 'index-wrap');
    wrap.append(
      el('p', 'index-hint', data.traces.length + ' traces: pick one to draw it (sort by a column header).'),
    );
    const table = el('table', 'index');
    const head = el('tr');
    const body = el('tbody');
    let sortKey = null;
    let descending = false;
    const order = data.traces.map((_, t) => t);
    function fill() {
      const rows = document.createDocumentFragment();
      for (const t of order) {
        const trace = data.traces[t];
        const row = el('tr', drawn.has(t) ? 'open' : '');
        row.dataset.trace = String(t);
        row.tabIndex = 0;
        const name = el('td', 'name');
        name.append(
          el('span', 'root', trace.rootResource || trace.rootName || '(unnamed)'),
          el('span', 'svc', trace.rootService),
        );
        const start = trace.start ? trace.start.replace('T', ' ').replace(/(\.\d{3})\d*Z$/, '$1') : '';
        row.append(
          name,
          el('td', 'mono', start),
          el('td', 'num', duration(trace.duration)),
          el('td', 'num', String(trace.bars.length)),
        );
        for (const count of [trace.errors, trace.orphans, trace.skews])
          row.append(el('td', count ? 'num bad' : 'num', String(count)));
        rows.append(row);
      }
      body.replaceChildren(rows);
    }
    for (const [key, title, value] of COLUMNS) {
      const th = el('th', key === 'trace' || key === 'start' ? '' : 'num');
      const button = el('button', 'sort', title);
      button.type = 'button';
      button.dataset.key = key;
      button.addEventListener('click', () => {
        descending = sortKey === key ? !descending : key !== 'trace' && key !== 'start';
        sortKey = key;
        order.sort((a, b) => {
          const x = value(data.traces[a]);
          const y = value(data.traces[b]);
          return (x < y ? -1 : x > y ? 1 : a - b) * (descending ? -1 : 1);
        });
        for (const other of head.querySelectorAll('th')) other.removeAttribute('aria-sort');
        th.setAttribute('aria-sort', descending ? 'descending' : 'ascending');
        fill();
        search.run();
      });
      th.append(button);
      head.append(th);
    }
    const thead = el('thead');
    thead.append(head);
    table.append(thead, body);
    body.addEventListener('click', (event) => {
      const row = event.target.closest?.('tr');
      if (row) open(Number(row.dataset.trace));
    });
    body.addEventListener('keydown', (event) => {
      const row = event.target.closest?.('tr');
      if (row && (event.key === 'Enter' || event.key === ' ')) {
        event.preventDefault();
        open(Number(row.dataset.trace));
      }
    });
    fill();
    const scroller = el('div', 'index-scroll');
    scroller.append(table);
    wrap.append(scroller);
    return wrap;
  }

  main.replaceChildren();
  if (data.traces.length === 0) main.append(el('p', 'empty', 'No traces to show.'));
  else if (data.traces.length > ON_DEMAND_ABOVE) {
    shown = el('div', 'shown');
    main.append(buildIndex(), shown);
  } else {
    data.traces.forEach((trace, t) => {
      drawTrace(trace, t);
    });
    views.forEach(fit);
    if (observer) {
      for (const view of views) observer.observe(view.chart);
    }
  }
  document.body.dataset.rendered = 'true';
})();
