// A machine's boot health, from the structured fields the API gives
// (status, failure, last_attempt; see docs/api.md): the "failing" badge with
// its reason, and the stages its latest boot attempt went through.
import { h, ago, fullTime } from './ui.js';

// "initrd not-found: debian/initrd.gz: HTTP 404"
export function failureText(f) {
  return f ? `${f.stage} ${f.outcome}${f.detail ? ': ' + f.detail : ''}` : '';
}

// The badge and reason shown next to the state, or null when not failing.
export function failingBadge(m) {
  if (m.status !== 'failing' || !m.failure) return null;
  const why = failureText(m.failure);
  return h('span', { class: 'failing-wrap' },
    h('span', { class: 'badge failing', text: 'failing', title: `${why} (${fullTime(m.failure.at)})` }),
    h('span', { class: 'fail-reason', text: why }));
}

// One pill per stage that ran in the latest attempt, in boot order: done,
// failed (red) or retried; stages that did not run are not shown.  Before
// the server kept attempts (no last_attempt), only the last stage.
export function attemptTimeline(m) {
  const steps = m.last_attempt && m.last_attempt.length ? m.last_attempt
    : m.last_stage ? [{ stage: m.last_stage, outcome: 'ok' }] : [];
  const wrap = h('div', { class: 'timeline',
    title: m.last_stage ? `last: ${m.last_stage} ${ago(m.last_stage_at)}` : 'never booted',
    'aria-label': steps.length ? 'last boot: ' + steps.map((s) => `${s.stage} ${s.outcome}`).join(', ') : 'never booted' });
  steps.forEach((s, i) => {
    const cls = s.outcome === 'failed' ? ' failed' : s.outcome === 'retried' ? ' retried' : '';
    wrap.append(h('span', { class: 'step done' + cls + (i === steps.length - 1 ? ' last' : ''), 'data-stage': s.stage,
      'data-outcome': s.outcome, text: s.stage }));
  });
  if (!steps.length) wrap.append(h('span', { class: 'step muted', text: 'never' }));
  return wrap;
}


// An image whose local kernel/initrd is missing under the images root
// (the API's broken/warnings, checked at each read).
export function brokenBadge(im) {
  return im.broken ? h('span', { class: 'badge failing', title: (im.warnings || []).join('\n'), text: 'broken' }) : null;
}

export function imageWarnings(im) {
  if (!im || !im.warnings || !im.warnings.length) return null;
  return h('div', { class: 'notice warn', role: 'status', id: 'image-warnings' },
    h('strong', { text: 'Machines booting this image will fail: ' }),
    h('ul', {}, im.warnings.map((w) => h('li', { text: w }))));
}
