// Bulk adoption from the Discovered page: every discovered machine matching
// the page's search, oldest first, with one image, host names from a
// pattern and optionally addresses from a range (POST
// /api/v1/discovered/adopt — all or nothing).
import { get, post } from './api.js';
import { h, modal, field, toast, showError, clearErrors, imageSelect } from './ui.js';

// The button for the toolbar.  query(): the page's search text; total():
// how many match; done(): reload the page.
export function bulkAdoptButton(query, total, done) {
  return h('button', { type: 'button', class: 'secondary', id: 'd-bulk', text: 'Adopt all…',
    onclick: () => openDialog(query(), total(), done) });
}

async function openDialog(q, n, done) {
  let images = [];
  try {
    images = (await get('/images')).images;
  } catch (e) {
    toast(e.message, 'error');
    return;
  }
  const image = imageSelect(images, '', { noneLabel: 'Choose image…', id: 'bulk-image' });
  const pattern = h('input', { id: 'bulk-pattern', class: 'mono', value: 'node{n:03}' });
  const start = h('input', { id: 'bulk-start', type: 'number', min: 0, value: 1 });
  const ipFrom = h('input', { id: 'bulk-ip-from', class: 'mono', placeholder: '198.18.1.10' });
  const ipTo = h('input', { id: 'bulk-ip-to', class: 'mono', placeholder: '198.18.1.99' });
  const scope = q ? `all ${n} discovered machines matching “${q}”` : `all ${n} discovered machines`;
  const form = h('form', { class: 'bulk-adopt', novalidate: true },
    h('p', { text: `Adopts ${scope}, oldest first, in one step: if anything is wrong, none is adopted.` }),
    h('div', { class: 'form-grid' },
      field('Image', image, { name: 'image' }),
      field('Hostname pattern', pattern, { name: 'hostname_pattern',
        hint: '{n} is the number, {n:03} pads it to 3 digits; names in use are skipped. Empty: no host names.' }),
      field('First number', start, { name: 'start' }),
      field('Reserve addresses from', ipFrom, { name: 'ip_from', hint: 'Optional; in use or reserved ones are skipped.' }),
      field('to', ipTo, { name: 'ip_to' })),
    h('div', { class: 'form-error', role: 'alert' }),
    h('div', { class: 'actions' },
      h('button', { type: 'button', class: 'secondary', text: 'Cancel', onclick: () => dlg.close() }),
      h('button', { type: 'submit', class: 'primary', id: 'bulk-submit', text: `Adopt ${n}` })));
  const dlg = modal('Adopt discovered machines', form, { wide: true });
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    clearErrors(form);
    const body = { all: true, image: image.value };
    if (q) body.q = q;
    if (pattern.value.trim()) body.hostname_pattern = pattern.value.trim();
    if (start.value !== '') body.start = Number(start.value);
    if (ipFrom.value.trim() || ipTo.value.trim()) {
      body.ip_from = ipFrom.value.trim();
      body.ip_to = ipTo.value.trim();
    }
    if (!body.image) {
      showError(form, { field: 'image', message: 'Choose the image they boot.' });
      return;
    }
    try {
      const r = await post('/discovered/adopt', body);
      toast(`${r.adopted} machines adopted: they boot ${r.image} on their next try`);
      dlg.close();
      done();
    } catch (e) {
      showError(form, e); // a range too small: on ip_to, with the counts
    }
  });
  image.focus();
}
