// The dashboard's "Errors" card: machines whose last boot step failed, from
// their structured status (GET /machines?status=failing), newest failure
// first, each with its reason and a link to its page.
import { get, qs } from './api.js';
import { h, timeText, emptyRow } from './ui.js';
import { failureText } from './boot_status.js';

const SHOWN = 10;

export function errorsCard() {
  const body = h('tbody');
  const count = h('span', { class: 'muted', id: 'dash-failing-count' });
  const el = h('div', { class: 'card', id: 'dash-errors' },
    h('div', { class: 'card-head' }, h('h2', { text: 'Errors' }), count),
    h('div', { class: 'table-wrap' }, h('table', { class: 'grid events' },
      h('thead', {}, h('tr', {}, ['Failed', 'Machine', 'Step', 'Reason'].map((t) => h('th', { text: t })))), body)));

  async function load() {
    const r = await get('/machines' + qs({ status: 'failing', sort: '-last_boot', limit: SHOWN }));
    count.replaceChildren(r.total ? h('a', { href: '#/machines?state=failing', text: `${r.total} failing` }) : '');
    body.replaceChildren(...(r.machines.length ? r.machines.map((m) => h('tr', { class: 'err', 'data-mac': m.mac },
      h('td', { class: 'time-cell' }, timeText(m.failure.at)),
      h('td', {}, h('a', { class: 'mono', href: '#/machines/' + m.mac, text: m.mac }),
        m.hostname ? h('span', { class: 'muted', text: ' ' + m.hostname }) : null),
      h('td', {}, h('span', { class: 'stage stage-' + m.failure.stage, text: m.failure.stage })),
      h('td', { text: failureText(m.failure) })))
      : [emptyRow(4, 'No machine is failing.')]));
  }
  return { el, load };
}
