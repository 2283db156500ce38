// connect-reactive dashboard: the "New connector" form, generated from GET /connector-plugins and
// GET /connector-plugins/{plugin}/config, checked with PUT /connector-plugins/{plugin}/config/validate
// (errors shown next to their fields) before POST /connectors.

const $ = (selector, root = document) => root.querySelector(selector);
const simpleName = (cls) => cls.substring(cls.lastIndexOf('.') + 1);
const fieldId = (key) => 'cf-' + key.replace(/[^A-Za-z0-9]/g, '-');
const OTHER = '__other';

/** Wires the form; {@code onCreated(name)} is called after a connector was created. */
export function initCreate({ request, toast, el, onCreated }) {
  const dialog = $('#create');
  const form = $('#create-form');
  const plugin = $('#create-plugin');
  const fields = $('#create-fields');
  const general = $('#create-errors');
  const submit = $('#create-submit');

  $('#new-connector').addEventListener('click', open);
  dialog.querySelectorAll('[data-close]').forEach((b) => b.addEventListener('click', () => dialog.close()));
  plugin.addEventListener('change', () => loadFields(plugin.value));
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    create();
  });

  async function open() {
    clearErrors();
    fields.replaceChildren();
    submit.disabled = true;
    plugin.replaceChildren(el('option', { value: '' }, 'Loading plugins…'));
    dialog.showModal();
    try {
      const plugins = await request('GET', '/connector-plugins');
      plugin.replaceChildren(el('option', { value: '' }, 'Choose a connector plugin…'),
        ...plugins.map((p) => el('option', { value: p.class, title: p.class },
          `${simpleName(p.class)} (${p.type}${p.version ? ' ' + p.version : ''})`)));
    } catch (e) {
      showGeneral([e.message]);
    }
  }

  async function loadFields(cls) {
    clearErrors();
    fields.replaceChildren();
    submit.disabled = true;
    if (!cls) return;
    let defs;
    try {
      defs = await request('GET', `/connector-plugins/${encodeURIComponent(cls)}/config`);
    } catch (e) {
      showGeneral([e.message]);
      return;
    }
    if (plugin.value !== cls) return; // another plugin was chosen meanwhile
    const groups = new Map();
    let nameDef = null;
    for (const d of defs) {
      if (d.name === 'connector.class') continue;
      if (d.name === 'name') { nameDef = d; continue; }
      const group = d.group || 'Connector settings';
      if (!groups.has(group)) groups.set(group, []);
      groups.get(group).push(d);
    }
    const own = groups.get('Connector settings') || [];
    groups.delete('Connector settings');
    fields.append(field(nameDef || { name: 'name', type: 'STRING', required: true, display_name: 'Connector name' }));
    if (own.length) fields.append(el('fieldset', {}, el('legend', {}, simpleName(cls)), ...own.map(field)));
    for (const [group, defsOfGroup] of groups) {
      fields.append(el('details', { class: 'group' }, el('summary', {}, group), ...defsOfGroup.map(field)));
    }
    fields.append(el('details', { class: 'group' }, el('summary', {}, 'Other settings'),
      el('div', { class: 'field', 'data-field': OTHER },
        el('label', { for: fieldId(OTHER) }, 'Other keys', el('span', { class: 'key' }, 'key=value, one per line')),
        el('textarea', { id: fieldId(OTHER), 'data-other': true, placeholder: 'transforms.route.type=org.apache.kafka.connect.transforms.RegexRouter' }),
        el('div', { class: 'error', role: 'alert' }))));
    submit.disabled = false;
    $('input', fields)?.focus();
  }

  function field(d) {
    const id = fieldId(d.name);
    const label = el('label', { for: id }, d.display_name || d.name,
      d.display_name && d.display_name !== d.name ? el('span', { class: 'key' }, d.name) : null,
      d.required ? el('span', { class: 'req', title: 'required' }, '*') : null);
    const hasDefault = d.default_value !== null && d.default_value !== undefined && d.default_value !== '';
    let input;
    if (d.type === 'BOOLEAN') {
      input = el('select', { id, 'data-key': d.name },
        el('option', { value: '' }, hasDefault ? `default (${d.default_value})` : '—'),
        el('option', { value: 'true' }, 'true'), el('option', { value: 'false' }, 'false'));
    } else {
      input = el('input', {
        id, 'data-key': d.name, type: d.type === 'PASSWORD' ? 'password' : 'text', autocomplete: 'off', spellcheck: 'false',
        placeholder: hasDefault ? d.default_value : '', inputmode: ['INT', 'LONG', 'SHORT'].includes(d.type) ? 'numeric' : null,
      });
    }
    return el('div', { class: 'field', 'data-field': d.name }, label, input,
      d.documentation ? el('small', { class: 'doc' }, d.documentation) : null,
      el('div', { class: 'error', role: 'alert' }));
  }

  function clearErrors() {
    form.querySelectorAll('.field').forEach((f) => {
      f.classList.remove('invalid');
      $('.error', f).textContent = '';
    });
    general.hidden = true;
    general.replaceChildren();
  }

  function showGeneral(messages) {
    general.replaceChildren(...messages.map((m) => el('div', {}, m)));
    general.hidden = messages.length === 0;
  }

  function fieldError(key, message) {
    const f = [...form.querySelectorAll('.field')].find((x) => x.dataset.field === key);
    if (!f) return false;
    f.classList.add('invalid');
    $('.error', f).textContent = message;
    const group = f.closest('details');
    if (group) group.open = true;
    return true;
  }

  /** The form's values: the plugin, every filled field, and the "other keys" lines. */
  function collect() {
    const config = { 'connector.class': plugin.value };
    const bad = [];
    form.querySelectorAll('[data-key]').forEach((i) => {
      if (i.value.trim() !== '') config[i.dataset.key] = i.value.trim();
    });
    const other = $('[data-other]', form);
    (other ? other.value.split('\n') : []).map((l) => l.trim()).filter((l) => l && !l.startsWith('#')).forEach((line) => {
      const eq = line.indexOf('=');
      if (eq <= 0) bad.push(line); else config[line.substring(0, eq).trim()] = line.substring(eq + 1).trim();
    });
    return { config, bad };
  }

  async function create() {
    clearErrors();
    if (!plugin.value) {
      fieldError('connector.class', 'Choose a connector plugin.');
      return;
    }
    const { config, bad } = collect();
    if (bad.length) {
      fieldError(OTHER, `Not key=value: ${bad.join(', ')}`);
      return;
    }
    submit.disabled = true;
    submit.textContent = 'Validating…';
    try {
      const result = await request('PUT', `/connector-plugins/${encodeURIComponent(plugin.value)}/config/validate`, config);
      if (result.error_count > 0) {
        const elsewhere = [];
        for (const c of result.configs) {
          const errors = c.value.errors || [];
          if (errors.length && !fieldError(c.value.name, errors.join(' '))) elsewhere.push(`${c.value.name}: ${errors.join(' ')}`);
        }
        showGeneral(elsewhere);
        form.querySelector('.field.invalid input, .field.invalid select, .field.invalid textarea')?.focus();
        return;
      }
      submit.textContent = 'Creating…';
      await request('POST', '/connectors', { name: config.name, config });
      dialog.close();
      toast(`Created ${config.name}`);
      onCreated(config.name);
    } catch (e) {
      showGeneral([e.message]);
    } finally {
      submit.disabled = false;
      submit.textContent = 'Create';
    }
  }
}
