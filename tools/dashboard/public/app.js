// The page: one server-sent event stream brings the class's state once a second (and the new
// temperature points); everything on screen is redrawn from it. Buttons POST to /api/command.
/* global document, window, EventSource */
import { createCard } from './cards.js';
import { classChart, colorOf } from './charts.js';

const $ = (id) => document.getElementById(id);
const points = new Map(); // row key → [[t, °C]…]
const cards = new Map(); // card id → {el, chart, update}
const chart = classChart($('class-chart'));
// A token-protected dashboard prints its URL with #token=…; the page sends it with each command.
const token = new URLSearchParams(window.location.hash.slice(1)).get('token');

function addPoints(fresh) {
  for (const [key, list] of Object.entries(fresh)) {
    const kept = points.get(key) ?? [];
    const last = kept.length ? kept[kept.length - 1][0] : -Infinity;
    for (const p of list) if (p[0] > last) kept.push(p);
    if (kept.length > 600) kept.splice(0, kept.length - 600);
    points.set(key, kept);
  }
}

async function act(action, device, outcome) {
  outcome.className = 'outcome';
  outcome.textContent = '…';
  try {
    const headers = { 'Content-Type': 'application/json' };
    if (token) headers['X-Dashboard-Token'] = token;
    const res = await fetch('/api/command', { method: 'POST', headers, body: JSON.stringify({ action, device }) });
    const body = await res.json();
    outcome.classList.add(res.ok && body.ok ? 'ok' : 'bad');
    outcome.textContent = res.ok ? body.text : body.error;
    outcome.title = outcome.textContent;
  } catch (error) {
    outcome.classList.add('bad');
    outcome.textContent = `dashboard unreachable: ${error.message}`;
  }
}

function renderCards(list, container, state) {
  const seen = new Set();
  for (const [i, c] of list.entries()) {
    seen.add(c.id);
    let card = cards.get(c.id);
    if (!card) {
      // The class chart draws the class's series in card order, in the same colours.
      card = createCard(c, container.id === 'cards' ? colorOf(i) : '#9a6700', act);
      cards.set(c.id, card);
    }
    const at = container.children[seen.size - 1];
    if (at !== card.el) container.insertBefore(card.el, at ?? null);
    card.update(c, state.at, state.commands);
    card.chart.set(points.get(c.key) ?? []);
  }
  for (const el of [...container.children]) {
    if (!seen.has(el.dataset.id)) {
      el.remove();
      cards.delete(el.dataset.id);
    }
  }
}

function cell(text, className) {
  const td = document.createElement('td');
  td.textContent = text;
  if (className) td.className = className;
  return td;
}

function renderGrades(grades) {
  const body = $('grades').tBodies[0];
  body.replaceChildren();
  for (const t of grades.teams) {
    const tr = document.createElement('tr');
    const reason = cell(t.reasons[0] ?? '', 'reason');
    reason.title = t.reasons.join('\n');
    tr.append(cell(t.students.join(', ') || '—'), cell(t.group || '—'), cell(`${t.device}${t.mac ? ` (${t.mac})` : ''}`), cell(t.passed ? 'passed' : 'failed', t.passed ? 'passed' : 'failed'), reason, cell(String(t.valid)), cell(String(t.invalid)));
    body.append(tr);
  }
}

function render(state) {
  const t = state.totals;
  $('totals').innerHTML = `<b>${t.boards} boards</b><b class="on">${t.online} online</b><b>${t.offline} offline</b><b>${t.silent} silent</b><b>${t.messages} msgs</b><b>${t.invalid} invalid</b>`;
  $('connection').textContent = state.connection;
  $('connection').className = `badge ${state.connection === 'connected' ? 'connected' : ''}`;
  $('broker').textContent = state.broker;
  $('mode').textContent = state.commands ? 'commands on' : 'read-only';
  $('mode').className = `badge ${state.commands ? 'commands' : 'readonly'}`;
  $('collisions').hidden = state.collisions.length === 0;
  $('collisions').textContent = state.collisions.map((c) => `⚠ ${c}`).join('\n');
  renderCards(state.cards, $('cards'), state);
  $('foreign-section').hidden = state.foreign.length === 0;
  renderCards(state.foreign, $('foreign'), state);
  renderGrades(state.grades);
  $('result-all').disabled = !state.commands || state.grades.teams.length === 0;
  $('result-all').title = state.commands ? '' : 'read-only: start the dashboard with --allow-commands';
  chart.set(state.cards.map((c, i) => ({ id: c.id, label: c.device ?? c.key, color: colorOf(i), points: points.get(c.key) ?? [] })).filter((s) => s.points.length > 0));
  document.body.dataset.updatedAt = String(state.at);
}

$('result-all').addEventListener('click', () => act('result-all', undefined, $('result-all-outcome')));

const events = new EventSource('/events');
events.onmessage = (event) => {
  const message = JSON.parse(event.data);
  addPoints(message.points);
  render(message.state);
};
events.onerror = () => {
  $('connection').textContent = 'dashboard unreachable, retrying…';
  $('connection').className = 'badge';
};
