// Images: list; add/edit (kernel, initrds, cmdline, iPXE and GRUB templates)
// with a live preview of the script (or GRUB configuration) a chosen machine
// would get; delete.
import { get, post, put, del } from './api.js';
import { brokenBadge, imageWarnings } from './boot_status.js';
import { h, field, toast, showError, clearErrors, confirmDialog, timeText, emptyRow, debounce } from './ui.js';
import { imageFileButtons } from './view_files.js';

const TEMPLATE_VARS = ['mac', 'mac_hyphen', 'hostname', 'ip', 'image', 'server', 'images_url'];

export function imagesView(ctx) {
  const st = { images: [], machines: [] };
  const tbody = h('tbody');
  const editor = h('div', { class: 'editor-slot' });
  const el = h('section', { class: 'page' },
    h('div', { class: 'page-head' },
      h('div', {}, h('h1', { text: 'Images' }),
        h('p', { class: 'lede', text: 'What a machine can boot: a kernel, its initrds and command line, or an iPXE script template.' })),
      ctx.canWrite ? h('button', { type: 'button', class: 'primary', text: 'New image', onclick: () => openEditor(null) }) : null),
    h('div', { class: 'table-wrap' },
      h('table', { class: 'grid images' },
        h('thead', {}, h('tr', {}, h('th', { text: 'Name' }), h('th', { text: 'Kernel' }),
          h('th', { text: 'Initrds' }), h('th', { text: 'Command line' }), h('th', { text: 'Machines' }),
          h('th', { text: 'Updated' }), h('th', { class: 'actions-col', text: '' }))),
        tbody)),
    editor);

  async function load() {
    try {
      // Machine counts come from the server (every machine, not a page of them).
      const [imgs, ms] = await Promise.all([get('/images'), get('/machines?limit=500')]);
      st.images = imgs.images;
      st.machines = ms.machines;
      tbody.replaceChildren(...(st.images.length ? st.images.map((im) => h('tr', { 'data-image': im.name },
        h('td', {}, h('strong', { text: im.name }), ' ', brokenBadge(im), im.description ? h('div', { class: 'muted small', text: im.description }) : null),
        h('td', { class: 'mono clip', title: im.kernel },
          im.script ? (im.kernel || '(script)') : im.kernel,
          im.kernel_arm64 ? h('div', { class: 'muted small', title: im.kernel_arm64, text: 'arm64: ' + im.kernel_arm64 }) : null),
        h('td', { text: String(im.initrds.length) }),
        h('td', { class: 'mono clip', title: im.cmdline, text: im.cmdline || '—' }),
        h('td', { class: 'num', text: (im.machines || 0).toLocaleString('en-US') }),
        h('td', {}, timeText(im.updated)),
        h('td', { class: 'row-actions' },
          h('button', { type: 'button', class: 'link', text: ctx.canWrite ? 'Edit' : 'View', onclick: () => openEditor(im) }),
          ctx.canWrite ? h('button', { type: 'button', class: 'link danger', text: 'Delete', onclick: () => remove(im, im.machines || 0) }) : null)))
        : [emptyRow(7, 'No images yet. Add one with “New image”.')]));
    } catch (e) {
      if (e.status !== 401) toast(e.message, 'error');
    }
  }

  // An image in use can be deleted only by unassigning its machines: the
  // dialog says how many (the server's count) and does both at once.
  async function remove(im, n) {
    const count = (k) => `${k.toLocaleString('en-US')} machine${k === 1 ? '' : 's'}`;
    const msg = n ? `${im.name} is assigned to ${count(n)}. Deleting it unassigns ${n === 1 ? 'it' : 'them'} ` +
      '(they will wait for a new image on their next boot).' : `Delete image ${im.name}?`;
    if (!(await confirmDialog('Delete image', msg, n ? `Unassign ${count(n)} and delete` : 'Delete'))) return;
    try {
      try {
        await del('/images/' + encodeURIComponent(im.name) + (n ? '?force=1' : ''));
      } catch (e) {
        // Assigned meanwhile: say so and offer the same choice.
        if (e.status !== 409 || n) throw e;
        if (!(await confirmDialog('Delete image', `${e.message}. Unassign them and delete ${im.name}?`,
          'Unassign and delete'))) return;
        await del('/images/' + encodeURIComponent(im.name) + '?force=1');
      }
      toast(`Image ${im.name} deleted` + (n ? `; ${count(n)} unassigned` : ''));
      editor.replaceChildren();
      load();
    } catch (e) {
      toast(e.message, 'error');
    }
  }

  function openEditor(im) {
    const isNew = !im;
    const ro = !ctx.canWrite;
    const name = h('input', { name: 'name', value: im ? im.name : '', disabled: !isNew || ro, class: 'mono', placeholder: 'debian-12' });
    const desc = h('input', { name: 'description', value: im ? im.description : '', disabled: ro });
    const kernel = h('input', { name: 'kernel', value: im ? im.kernel : '', disabled: ro, class: 'mono', placeholder: 'debian-12/vmlinuz' });
    const initrds = h('textarea', { name: 'initrds', rows: 2, disabled: ro, class: 'mono', placeholder: 'debian-12/initrd.gz' });
    initrds.value = im ? im.initrds.join('\n') : '';
    // ARM64 machines boot these instead when a kernel is given (one image for
    // x86-64 and arm64 machines; docs/firmware.md).
    const kernelArm64 = h('input', { name: 'kernel_arm64', value: im ? im.kernel_arm64 || '' : '', disabled: ro, class: 'mono', placeholder: 'debian-12/arm64/vmlinuz' });
    const initrdsArm64 = h('textarea', { name: 'initrds_arm64', rows: 2, disabled: ro, class: 'mono', placeholder: 'debian-12/arm64/initrd.gz' });
    initrdsArm64.value = im && im.initrds_arm64 ? im.initrds_arm64.join('\n') : '';
    const cmdline = h('input', { name: 'cmdline', value: im ? im.cmdline : '', disabled: ro, class: 'mono', placeholder: 'console=ttyS0' });
    const script = h('textarea', { name: 'script', rows: 9, disabled: ro, class: 'mono', spellcheck: 'false',
      placeholder: '#!ipxe\nkernel {{images_url}}/debian-12/vmlinuz\nboot' });
    script.value = im && im.script ? im.script : '';
    const grubScript = h('textarea', { name: 'grub_script', rows: 6, disabled: ro, class: 'mono', spellcheck: 'false',
      placeholder: 'linux $bootherd_images/debian-12/vmlinuz console=ttyS0\ninitrd $bootherd_images/debian-12/initrd.gz\nboot' });
    grubScript.value = im && im.grub_script ? im.grub_script : '';
    const formatSel = h('select', { id: 'preview-format', 'aria-label': 'Preview format' },
      h('option', { value: 'ipxe', text: 'iPXE script' }), h('option', { value: 'grub', text: 'GRUB configuration' }));
    const machineSel = h('select', { id: 'preview-mac' });
    const known = st.machines.slice(0, 500);
    for (const m of known) machineSel.append(h('option', { value: m.mac, text: m.mac + (m.hostname ? ` (${m.hostname})` : '') }));
    machineSel.append(h('option', { value: '52:54:00:00:00:01', text: '52:54:00:00:00:01 (example, unknown machine)' }));
    const previewOut = h('pre', { class: 'script-preview', 'aria-live': 'polite', id: 'preview-out' });
    const previewErr = h('div', { class: 'field-error', role: 'alert' });

    const body = () => ({
      ...(isNew ? { name: name.value.trim() } : {}),
      description: desc.value,
      kernel: kernel.value.trim(),
      initrds: initrds.value.split('\n').map((s) => s.trim()).filter(Boolean),
      kernel_arm64: kernelArm64.value.trim(),
      initrds_arm64: initrdsArm64.value.split('\n').map((s) => s.trim()).filter(Boolean),
      cmdline: cmdline.value,
      script: script.value.trim() ? script.value : null,
      grub_script: grubScript.value.trim() ? grubScript.value : null,
    });

    const refresh = debounce(async () => {
      previewErr.textContent = '';
      try {
        const b = body();
        b.name = name.value.trim() || 'new-image';
        const r = await post('/preview', { mac: machineSel.value, format: formatSel.value, image: b });
        previewOut.textContent = r.script;
        previewOut.classList.remove('stale');
      } catch (e) {
        previewErr.textContent = (e.field ? e.field + ': ' : '') + e.message;
        previewOut.classList.add('stale');
      }
    }, 300);

    const form = h('form', { class: 'image-form', novalidate: true },
      imageWarnings(im),
      h('div', { class: 'form-grid' },
        field('Name', name, { name: 'name', hint: isNew ? 'lowercase letters, digits, . _ -' : null }),
        field('Description', desc, { name: 'description' }),
        field('Kernel', kernel, { name: 'kernel', wide: true, hint: 'A path under the images root, or an http(s) URL.' }),
        field('Initrds (one per line)', initrds, { name: 'initrds', wide: true }),
        ro ? null : imageFileButtons(kernel, initrds),
        field('ARM64 kernel (optional)', kernelArm64, { name: 'kernel_arm64', wide: true,
          hint: 'ARM64 machines boot this kernel and the initrds below instead; others the kernel above.' }),
        field('ARM64 initrds (one per line)', initrdsArm64, { name: 'initrds_arm64', wide: true }),
        field('Kernel command line', cmdline, { name: 'cmdline', wide: true }),
        field('iPXE script template (optional)', script, { name: 'script', wide: true,
          hint: 'Replaces the generated kernel/initrd/boot script. Variables: ' + TEMPLATE_VARS.map((v) => `{{${v}}}`).join(' ') }),
        field('GRUB configuration template (optional)', grubScript, { name: 'grub_script', wide: true,
          hint: 'Replaces the generated linux/initrd/boot lines of grub.cfg-01-<mac>; same variables; $bootherd_images is set.' })),
      h('div', { class: 'form-error', role: 'alert' }),
      ro ? null : h('div', { class: 'actions' },
        h('button', { type: 'button', class: 'secondary', text: 'Close', onclick: () => editor.replaceChildren() }),
        h('button', { type: 'submit', class: 'primary', text: isNew ? 'Create image' : 'Save changes' })));

    const panel = h('div', { class: 'card editor' },
      h('div', { class: 'card-head' }, h('h2', { text: isNew ? 'New image' : `Image ${im.name}` }),
        h('button', { type: 'button', class: 'icon', 'aria-label': 'Close editor', text: '×', onclick: () => editor.replaceChildren() })),
      h('div', { class: 'editor-cols' },
        form,
        h('div', { class: 'preview' },
          h('div', { class: 'field' }, h('label', { for: 'preview-mac', text: 'Preview the script for machine' }), machineSel, formatSel),
          previewErr, previewOut,
          h('p', { class: 'hint', text: 'Rendered by the server exactly as /boot/<mac>.ipxe (or grub.cfg-01-<mac>) would be, from the unsaved values above.' }))));
    form.addEventListener('input', refresh);
    machineSel.addEventListener('change', refresh);
    formatSel.addEventListener('change', refresh);
    form.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      clearErrors(form);
      try {
        const saved = isNew ? await post('/images', body()) : await put('/images/' + encodeURIComponent(im.name), { name: im.name, ...body() });
        toast(isNew ? `Image ${saved.name} created` : `Image ${saved.name} saved`);
        load();
        // Saved, but a file it names is missing: keep it open, saying which.
        if (saved.warnings && saved.warnings.length) openEditor(saved);
        else editor.replaceChildren();
      } catch (e) {
        showError(form, e);
      }
    });
    editor.replaceChildren(panel);
    refresh();
    panel.scrollIntoView({ behavior: 'smooth', block: 'start' });
    (isNew ? name : kernel).focus({ preventScroll: true });
  }

  load();
  return { el };
}
