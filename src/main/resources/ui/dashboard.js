// connect-reactive dashboard: the live view (server-sent events from /ui/events), the detail drawer and
// the connector actions. Everything else goes through the worker's REST API, on the page's own origin.
import { initCreate } from './create.js';

const HISTORY = 300; // one rate per second, as the server keeps them
const SVG = 'http://www.w3.org/2000/svg';
const base = location.origin + location.pathname.replace(/\/ui\/?[^/]*$/, '');

const $ = (selector, root = document) => root.querySelector(selector);

/** A REST call on this worker: resolves to the parsed body, rejects with Kafka Connect's error message. */
export async function request(method, path, body) {
  const res = await fetch(base + path, {
    method,
    credentials: 'same-origin',
    headers: body === undefined ? {} : { 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  let data = null;
  try { data = text ? JSON.parse(text) : null; } catch { data = null; }
  if (!res.ok) throw new Error((data && data.message) || `HTTP ${res.status}`);
  return data;
}

let toastTimer;
/** A short message at the bottom of the window. */
export function toast(message, bad = false) {
  const t = $('#toast');
  t.textContent = message;
  t.classList.toggle('bad', bad);
  t.classList.add('show');
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => t.classList.remove('show'), bad ? 6000 : 2500);
}

/** An element with attributes and children (strings become text). */
export function el(tag, attrs = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === null || v === undefined || v === false) continue;
    if (k === 'class') e.className = v; else e.setAttribute(k, v === true ? '' : v);
  }
  for (const c of children) if (c !== null && c !== undefined) e.append(c);
  return e;
}

const simpleName = (cls) => cls.substring(cls.lastIndexOf('.') + 1);

function setText(e, text) {
  if (e.textContent !== text) e.textContent = text;
}

/** 1234.5 → "1.2k"; null → "–". */
export function formatNumber(n) {
  if (n === null || n === undefined) return '–';
  if (n >= 1e6) return (n / 1e6).toFixed(1) + 'M';
  if (n >= 1e4) return Math.round(n / 1e3) + 'k';
  if (n >= 1e3) return (n / 1e3).toFixed(1) + 'k';
  if (n >= 10 || n === 0) return String(Math.round(n));
  return n.toFixed(1);
}

// --- sparkline: an SVG area chart of the last HISTORY rates, newest on the right ---

function sparkline() {
  const svg = document.createElementNS(SVG, 'svg');
  svg.setAttribute('class', 'spark');
  svg.setAttribute('viewBox', '0 0 300 40');
  svg.setAttribute('preserveAspectRatio', 'none');
  svg.setAttribute('aria-hidden', 'true');
  for (const cls of ['area', 'line']) {
    const p = document.createElementNS(SVG, 'path');
    p.setAttribute('class', cls);
    svg.append(p);
  }
  return svg;
}

function drawSparkline(svg, values) {
  const w = 300, h = 40;
  const max = Math.max(1, ...values);
  const step = w / (HISTORY - 1);
  const first = w - (values.length - 1) * step;
  const pts = values.map((v, i) => `${(first + i * step).toFixed(1)},${(h - 1 - (v / max) * (h - 3)).toFixed(1)}`);
  const line = pts.length ? 'M' + pts.join('L') : '';
  svg.querySelector('.line').setAttribute('d', line);
  svg.querySelector('.area').setAttribute('d', pts.length ? `${line}L${w},${h}L${first.toFixed(1)},${h}Z` : '');
}

// --- state fed by /ui/events ---

const connectors = new Map(); // name → latest entry of the snapshot
const histories = new Map(); // name → rates, oldest first
const rows = new Map(); // name → <tr>
let selected = null;
let selectWhenListed = null; // a connector just created, shown in the drawer once a snapshot lists it

function connectEvents() {
  const live = $('#live');
  const events = new EventSource(base + '/ui/events');
  events.onopen = () => { live.dataset.state = 'live'; live.textContent = 'live'; };
  events.onerror = () => { live.dataset.state = 'offline'; live.textContent = 'reconnecting'; };
  events.onmessage = (e) => update(JSON.parse(e.data));
}

function update(snapshot) {
  const names = new Set();
  for (const c of snapshot.connectors) {
    names.add(c.name);
    connectors.set(c.name, c);
    if (c.history) {
      histories.set(c.name, c.history.slice(-HISTORY));
    } else {
      const h = histories.get(c.name) || [];
      h.push(c.rate ?? 0);
      if (h.length > HISTORY) h.splice(0, h.length - HISTORY);
      histories.set(c.name, h);
    }
  }
  for (const name of [...connectors.keys()]) {
    if (!names.has(name)) {
      connectors.delete(name);
      histories.delete(name);
      rows.get(name)?.remove();
      rows.delete(name);
    }
  }
  renderTable(snapshot.connectors);
  renderSummary(snapshot.connectors);
  renderWorkers(snapshot.connectors);
  if (selected && !connectors.has(selected)) closeDetail();
  if (selectWhenListed && connectors.has(selectWhenListed)) {
    openDetail(selectWhenListed);
    selectWhenListed = null;
  } else if (selected) {
    renderDetail();
  }
}

const failed = (c) => c.state === 'FAILED' || c.tasks.some((t) => t.state === 'FAILED');

function renderSummary(list) {
  setText($('#stat-connectors'), String(list.length));
  setText($('#stat-running'), String(list.filter((c) => c.state === 'RUNNING' && !failed(c)).length));
  setText($('#stat-paused'), String(list.filter((c) => c.state === 'PAUSED' || c.state === 'STOPPED').length));
  setText($('#stat-failed'), String(list.filter(failed).length));
  setText($('#stat-tasks'), String(list.reduce((n, c) => n + c.tasks.length, 0)));
  setText($('#stat-rate'), formatNumber(list.reduce((n, c) => n + (c.rate ?? 0), 0)));
}

function cell(label, cls, ...children) {
  return el('td', { 'data-label': label, class: cls }, ...children);
}

function newRow(name) {
  const tr = el('tr', { 'data-connector': name, tabindex: '0' },
    cell('Name', 'name', name),
    cell('State', 'state', el('span', { class: 'badge' })),
    cell('Type', 'type'),
    cell('Class', 'class'),
    cell('Tasks', 'tasks', el('span', {}, el('span', { class: 'dots' }), el('span', { class: 'task-text' }),
      el('span', { class: 'task-failed' }))),
    cell('Worker', 'worker'),
    cell('Records/s', 'num rate-cell', el('span', {}, el('span', { class: 'rate' }), el('span', { class: 'dir' }))),
    cell('Last 5 minutes', 'chart-cell', sparkline()),
    cell('Lag', 'num lag'));
  tr.addEventListener('click', () => openDetail(name));
  tr.addEventListener('keydown', (e) => { if (e.key === 'Enter') openDetail(name); });
  return tr;
}

function workersOf(c) {
  const ids = new Set(c.tasks.map((t) => t.worker_id).filter(Boolean));
  if (ids.size === 0 && c.worker_id) ids.add(c.worker_id);
  return [...ids];
}

function renderTable(list) {
  const tbody = $('#connectors tbody');
  $('#empty').hidden = list.length > 0;
  [...list].sort((a, b) => a.name.localeCompare(b.name)).forEach((c, i) => {
    let tr = rows.get(c.name);
    if (!tr) {
      tr = newRow(c.name);
      rows.set(c.name, tr);
    }
    if (tbody.children[i] !== tr) tbody.insertBefore(tr, tbody.children[i] || null);
    tr.classList.toggle('selected', c.name === selected);
    const badge = $('.badge', tr);
    setText(badge, c.state);
    badge.dataset.state = c.state;
    setText($('.type', tr), c.type);
    setText($('.class', tr), simpleName(c.class || ''));
    $('.class', tr).title = c.class || '';
    const dots = $('.dots', tr);
    const dotKey = c.tasks.map((t) => t.state + t.worker_id).join();
    if (dots.dataset.key !== dotKey) {
      dots.dataset.key = dotKey;
      dots.replaceChildren(...c.tasks.map((t) =>
        el('span', { class: 'dot', 'data-state': t.state, title: `task ${t.id}: ${t.state} on ${t.worker_id}` })));
    }
    const running = c.tasks.filter((t) => t.state === 'RUNNING').length;
    const failedTasks = c.tasks.filter((t) => t.state === 'FAILED').length;
    setText($('.task-text', tr), c.tasks.length ? `${running}/${c.tasks.length} running` : 'no tasks');
    setText($('.task-failed', tr), failedTasks ? `${failedTasks} failed` : '');
    setText($('.worker', tr), workersOf(c).join(', '));
    setText($('.rate', tr), formatNumber(c.rate));
    setText($('.dir', tr), c.rate === null ? '' : c.type === 'sink' ? 'out' : 'in');
    setText($('.lag', tr), c.type === 'sink' ? formatNumber(c.lag) : '');
    drawSparkline($('svg', tr), histories.get(c.name) || []);
  });
}

function renderWorkers(list) {
  const workers = new Map(); // worker id → { connectors, tasks }
  const of = (id) => {
    if (!workers.has(id)) workers.set(id, { connectors: [], tasks: [] });
    return workers.get(id);
  };
  for (const c of list) {
    if (c.worker_id) of(c.worker_id).connectors.push(c);
    for (const t of c.tasks) if (t.worker_id) of(t.worker_id).tasks.push({ name: c.name, ...t });
  }
  const key = JSON.stringify([...workers].map(([id, w]) => [id, w.connectors.map((c) => c.name + c.state),
    w.tasks.map((t) => t.name + t.id + t.state)]));
  const ul = $('#workers');
  if (ul.dataset.key === key) return;
  ul.dataset.key = key;
  const plural = (n, word) => `${n} ${word}${n === 1 ? '' : 's'}`;
  ul.replaceChildren(...[...workers].sort().map(([id, w]) => el('li', { 'data-worker': id },
    el('div', { class: 'worker' }, id),
    el('div', { class: 'count' }, `${plural(w.connectors.length, 'connector')} · ${plural(w.tasks.length, 'task')}`),
    el('div', { class: 'runs' }, ...w.tasks.map((t) =>
      el('span', { class: 'badge', 'data-state': t.state, title: t.state }, `${t.name}/${t.id}`))))));
  if (workers.size === 0) ul.replaceChildren(el('li', { class: 'count' }, 'No connector or task is assigned to a worker.'));
}

// --- detail drawer ---

let offsetsTimer;

function openDetail(name) {
  selected = name;
  const drawer = $('#detail');
  drawer.hidden = false;
  drawer.dataset.connector = name;
  $('#detail-tasks').replaceChildren();
  $('#detail-tasks').dataset.key = '';
  $('#detail-config').replaceChildren();
  $('#detail-offsets').replaceChildren();
  if (!$('#detail-chart svg')) $('#detail-chart').append(sparkline());
  renderDetail();
  rows.forEach((tr, n) => tr.classList.toggle('selected', n === name));
  loadConfig(name);
  loadOffsets(name);
  clearInterval(offsetsTimer);
  offsetsTimer = setInterval(() => loadOffsets(name), 5000);
}

function closeDetail() {
  selected = null;
  clearInterval(offsetsTimer);
  $('#detail').hidden = true;
  rows.forEach((tr) => tr.classList.remove('selected'));
}

function renderDetail() {
  const c = connectors.get(selected);
  if (!c) return;
  setText($('#detail-name'), c.name);
  const badge = $('#detail-state');
  setText(badge, c.state);
  badge.dataset.state = c.state;
  setText($('#detail-kind'), `${c.type} · ${c.class || ''}`);
  const dir = c.type === 'sink' ? 'out' : 'in';
  const peak = Math.max(0, ...(histories.get(c.name) || [0]));
  setText($('#detail-rate'), c.rate === null ? '· no task on this worker'
    : `· ${formatNumber(c.rate)} records/s ${dir}, peak ${formatNumber(peak)}`
      + (c.type === 'sink' && c.lag !== null ? ` · lag ${formatNumber(c.lag)}` : ''));
  drawSparkline($('#detail-chart svg'), histories.get(c.name) || []);

  $('#detail-trace-section').hidden = !c.trace;
  setText($('#detail-trace'), c.trace || '');

  const tbody = $('#detail-tasks');
  const key = JSON.stringify(c.tasks);
  if (tbody.dataset.key !== key) {
    tbody.dataset.key = key;
    tbody.replaceChildren();
    for (const t of c.tasks) {
      tbody.append(el('tr', { 'data-task': t.id },
        el('td', {}, String(t.id)),
        el('td', {}, el('span', { class: 'badge', 'data-state': t.state }, t.state)),
        el('td', { class: 'mono' }, t.worker_id || '')));
      if (t.trace) {
        tbody.append(el('tr', {}, el('td', { colspan: '3' },
          el('details', { open: true }, el('summary', {}, `task ${t.id} failed`), el('pre', { class: 'trace' }, t.trace)))));
      }
    }
    if (!c.tasks.length) tbody.append(el('tr', {}, el('td', { colspan: '3', class: 'muted' }, 'No tasks')));
  }

  const can = {
    pause: c.state === 'RUNNING',
    resume: c.state === 'PAUSED' || c.state === 'STOPPED',
    stop: c.state !== 'STOPPED',
    restart: c.state !== 'STOPPED',
    delete: true,
  };
  document.querySelectorAll('#detail [data-action]').forEach((b) => {
    if (!b.dataset.busy) b.disabled = !can[b.dataset.action];
  });
}

async function loadConfig(name) {
  try {
    const config = await request('GET', `/connectors/${encodeURIComponent(name)}/config`);
    if (selected !== name) return;
    $('#detail-config').replaceChildren(...Object.keys(config).sort().map((k) =>
      el('tr', {}, el('td', {}, k), el('td', { class: 'mono' }, String(config[k])))));
  } catch (e) {
    if (selected === name) $('#detail-config').replaceChildren(el('tr', {}, el('td', { class: 'muted' }, e.message)));
  }
}

async function loadOffsets(name) {
  try {
    const { offsets } = await request('GET', `/connectors/${encodeURIComponent(name)}/offsets`);
    if (selected !== name) return;
    const tbody = $('#detail-offsets');
    const rowsOf = offsets.map((o) => el('tr', {},
      el('td', {}, JSON.stringify(o.partition)), el('td', { class: 'mono' }, JSON.stringify(o.offset))));
    tbody.replaceChildren(...(rowsOf.length ? rowsOf : [el('tr', {}, el('td', { colspan: '2', class: 'muted' }, 'No offsets committed yet'))]));
  } catch (e) {
    if (selected === name) $('#detail-offsets').replaceChildren(el('tr', {}, el('td', { colspan: '2', class: 'muted' }, e.message)));
  }
}

function confirmDelete(name) {
  const dialog = $('#confirm');
  setText($('#confirm-text'), `Delete connector “${name}”? Its tasks stop and its configuration is removed. This cannot be undone.`);
  dialog.returnValue = '';
  dialog.showModal();
  return new Promise((resolve) => dialog.addEventListener('close', () => resolve(dialog.returnValue === 'ok'), { once: true }));
}

const ACTIONS = {
  pause: { method: 'PUT', path: '/pause', done: 'Pausing' },
  resume: { method: 'PUT', path: '/resume', done: 'Resuming' },
  stop: { method: 'PUT', path: '/stop', done: 'Stopped' },
  restart: { method: 'POST', path: '/restart?includeTasks=true', done: 'Restarting' },
  delete: { method: 'DELETE', path: '', done: 'Deleted' },
};

async function act(button) {
  const name = selected;
  const action = ACTIONS[button.dataset.action];
  if (!name || !action) return;
  if (button.dataset.action === 'delete' && !(await confirmDelete(name))) return;
  button.dataset.busy = 'yes';
  button.disabled = true;
  try {
    await request(action.method, `/connectors/${encodeURIComponent(name)}${action.path}`);
    toast(`${action.done} ${name}`);
    if (button.dataset.action === 'delete') closeDetail();
  } catch (e) {
    toast(`${name}: ${e.message}`, true);
  } finally {
    delete button.dataset.busy;
    if (selected) renderDetail(); else button.disabled = false;
  }
}

// --- start ---

document.querySelectorAll('#detail [data-action]').forEach((b) => b.addEventListener('click', () => act(b)));
$('#detail-close').addEventListener('click', closeDetail);
document.addEventListener('keydown', (e) => {
  if (e.key === 'Escape' && selected && !document.querySelector('dialog[open]')) closeDetail();
});
initCreate({ request, toast, el, onCreated: (name) => { selectWhenListed = name; } });
request('GET', '/').then((info) => {
  setText($('#cluster'), `Kafka ${info.version} · cluster ${info.kafka_cluster_id}`);
}).catch(() => {});
connectEvents();
