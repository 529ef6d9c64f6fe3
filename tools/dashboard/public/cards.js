// One card per board: built once from the template, then only its text and classes change.
/* global document */
import { sparkline } from './charts.js';

/** "12 s", "3 min", "1 h 05 min" */
export function span(ms) {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min`;
  return `${Math.floor(s / 3600)} h ${String(Math.floor((s % 3600) / 60)).padStart(2, '0')} min`;
}

const clock = (ms) => new Date(ms).toLocaleTimeString();

export function createCard(card, color, onAction) {
  const template = document.getElementById('card-template');
  const el = template.content.firstElementChild.cloneNode(true);
  el.dataset.id = card.id;
  const field = (name) => el.querySelector(`[data-f="${name}"]`);
  const chart = sparkline(el.querySelector('.spark'), color);
  for (const button of el.querySelectorAll('button[data-action]')) {
    button.addEventListener('click', () => onAction(button.dataset.action, el.dataset.device, field('outcome')));
  }
  return {
    el,
    chart,
    update(c, now, commands) {
      el.dataset.device = c.device ?? c.key ?? c.id;
      el.dataset.presence = c.presence;
      el.classList.toggle('passed', c.passed === true);
      el.classList.toggle('failed', c.passed === false);
      el.classList.toggle('is-foreign', c.foreign !== null);
      field('device').textContent = c.device ?? c.key ?? c.id;
      field('device').title = c.key ? `${c.device ?? ''} ${c.key}`.trim() : 'never heard from';
      field('board').textContent = c.board ?? '';
      const since = c.since === null ? '' : ` ${span(now - c.since)}`;
      field('presence').textContent = `${c.presence}${since}`;
      field('presence').title = c.since === null ? '' : `${c.presence} since ${clock(c.since)}`;
      field('students').textContent = c.students.length ? c.students.join(', ') : '—';
      field('group').textContent = c.group ?? '';
      field('temperature').textContent = c.temperature === null ? '—' : `${c.temperature.toFixed(1)}°`;
      const stats = [`${c.messages} msgs`];
      field('stats').title = 'messages · invalid payloads · lost (seq gaps) · interval ± jitter';
      stats.push(c.invalid ? `<span class="bad">${c.invalid} invalid</span>` : '0 invalid');
      if (c.seqMissing) stats.push(`<span class="bad">${c.seqMissing} lost</span>`);
      if (c.intervalMs !== null) stats.push(`${(c.intervalMs / 1000).toFixed(1)} s ±${((c.jitterMs ?? 0) / 1000).toFixed(2)}`);
      field('stats').innerHTML = stats.join(' · ');
      const line = field('line');
      const problem = c.foreign ?? c.firstError ?? (c.passed === false ? c.reason : null);
      line.classList.toggle('error', problem !== null);
      line.textContent = problem ?? c.lastPayload ?? 'nothing received yet';
      line.title = [problem, c.lastPayload].filter(Boolean).join('\n');
      for (const button of el.querySelectorAll('button[data-action]')) {
        button.disabled = !commands || !c.commandable;
        button.title = !c.commandable ? 'not a device of this project' : commands ? '' : 'read-only: start the dashboard with --allow-commands';
      }
    },
  };
}
