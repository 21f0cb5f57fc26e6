/**
 * Draws any form definition (every field type of the design, repeats included) and validates
 * it with form-rules.js, the browser twin of the server's validator, so what the phone accepts
 * the server accepts. Errors appear next to their field, in Indonesian. Storage and GPS come in
 * as callbacks: this module never touches IndexedDB.
 * @module form-renderer
 */
import { h, replace } from './dom.js';
import { LANG, label, rupiah, t } from './i18n.js';
import { english, validateAnswers } from './form-rules.js';
import { isPoor, poorAccuracyM } from './geo.js';

/** Fixed choice lists up to this length are drawn as big buttons, longer ones as a select. */
const BUTTON_CHOICES_MAX = 4;
/** A run of at least this many yes/no items is drawn as one compact checklist. */
const CHECKLIST_MIN = 3;

/**
 * A number as typed into a number field, or the text itself when it is not a number (the rules
 * then say what is wrong). Accepts a decimal comma, and dots as thousands separators in whole
 * numbers ("1.500.000"), the way amounts are written in Indonesia.
 * @param {string} raw
 * @param {boolean} integer
 * @returns {number|string|undefined}
 */
export function parseNumberInput(raw, integer) {
  const text = String(raw).trim().replace(/\s+/g, '');
  if (text === '') return undefined;
  if (integer) {
    if (/^[+-]?\d+$/.test(text)) return Number(text);
    if (/^\d{1,3}(\.\d{3})+$/.test(text)) return Number(text.replace(/\./g, ''));
    return text;
  }
  const normal = text.replace(',', '.');
  if (/^[+-]?(\d+(\.\d*)?|\.\d+)$/.test(normal)) return Number(normal);
  return text;
}

/** @param {*} value */
export function formatNumberInput(value) {
  if (typeof value === 'number') return LANG === 'id' ? String(value).replace('.', ',') : String(value);
  return value === undefined || value === null ? '' : String(value);
}

function domId(path) {
  return `f-${path.replace(/[^A-Za-z0-9_-]/g, '-')}`;
}

function setValue(group, name, value) {
  if (value === undefined) delete group[name];
  else group[name] = value;
}

/**
 * @typedef {Object} RenderOptions
 * @property {Object} [answers]  answers to start from (a draft)
 * @property {Record<string, Array<{value: string, label: string, group?: string}>>} [choices]
 *   the lists behind `options_from` (kegiatan, opd)
 * @property {{add: (field: string, file: File) => Promise<{uuid: string}>, remove: (uuid: string) => Promise<void>,
 *   thumbUrl: (uuid: string) => Promise<string|null>, errorText?: (error: Error) => string}} photos
 *   errorText: the sentence for a photo that could not be added (default: unreadable)
 * @property {{capture: () => Promise<Object>, errorText: (error: Error) => string}} geo
 * @property {(answers: Object) => void} [onChange]
 */

/**
 * Render a form into `root`.
 * @param {HTMLElement} root
 * @param {Object} definition  a form definition (webapp/forms/definitions/*.json)
 * @param {RenderOptions} opts
 */
export function renderForm(root, definition, opts) {
  const state = {
    answers: structuredClone(opts.answers || {}),
    touched: new Set(),
    edited: new Set(),
    showAll: false,
    serverErrors: {},
  };
  const fields = new Map();
  const choices = opts.choices || {};
  const optionValues = Object.fromEntries(Object.entries(choices).map(([key, list]) => [key, list.map((c) => c.value)]));
  const summary = h('div', { class: 'fr-summary', role: 'alert', hidden: true });

  function validate() {
    return validateAnswers(definition, state.answers, { options: optionValues, translate: LANG === 'en' ? english : null });
  }

  function refreshErrors() {
    const result = validate();
    const placed = new Set();
    for (const [path, field] of fields) {
      if (!field.wrap.isConnected) continue;
      const server = state.serverErrors[path] || [];
      const own = state.showAll || state.touched.has(path) ? result.errors[path] || [] : [];
      const messages = [...new Set([...own, ...server])];
      field.error.textContent = messages.join(' ');
      field.error.hidden = messages.length === 0;
      field.wrap.classList.toggle('has-error', messages.length > 0);
      field.wrap.querySelectorAll('input, select, textarea').forEach((el) => {
        if (messages.length) el.setAttribute('aria-invalid', 'true');
        else el.removeAttribute('aria-invalid');
      });
      if (messages.length) placed.add(path);
    }
    const all = { ...(state.showAll ? result.errors : {}), ...state.serverErrors };
    const unplaced = Object.entries(all).filter(([path]) => !placed.has(path) && !fields.has(path));
    const count = Object.keys(all).length;
    if (state.showAll && count) {
      replace(summary, h('strong', { text: t('Periksa {n} isian yang ditandai.', { n: count }) }),
        unplaced.length ? h('ul', {}, unplaced.map(([path, msgs]) => h('li', { text: `${path}: ${msgs.join(' ')}` }))) : null);
      summary.hidden = false;
    } else {
      summary.hidden = true;
    }
    return result;
  }

  function changed(path) {
    state.edited.add(path);
    delete state.serverErrors[path];
    if (opts.onChange) opts.onChange(state.answers);
    refreshErrors();
  }

  /** Leaving a field shows its errors, once something was typed in it. An untouched empty
   * field says nothing until submit: an error appearing on blur would shift the page under a
   * finger that is about to tap the next button. */
  function touch(path) {
    if (!state.edited.has(path)) return;
    state.touched.add(path);
    refreshErrors();
  }

  function wrapper(spec, path, controls, { grouped = false } = {}) {
    const id = domId(path);
    const required = spec.required ? h('span', { class: 'fr-req', text: t('wajib') }) : null;
    const title = grouped
      ? h('legend', { class: 'fr-label' }, label(spec.label), required)
      : h('label', { class: 'fr-label', for: `${id}-in` }, label(spec.label), required);
    const hint = spec.hint ? h('p', { class: 'fr-hint', id: `${id}-hint`, text: label(spec.hint) }) : null;
    const error = h('p', { class: 'error fr-error', id: `${id}-err`, hidden: true });
    const wrap = h(grouped ? 'fieldset' : 'div', { class: `fr-field fr-${spec.type}`, id, dataset: { path } },
      title, hint, controls, error);
    fields.set(path, { wrap, error });
    return wrap;
  }

  function describedBy(path, spec) {
    const id = domId(path);
    return [spec.hint ? `${id}-hint` : null, `${id}-err`].filter(Boolean).join(' ');
  }

  function textField(spec, path, group) {
    const attrs = { id: `${domId(path)}-in`, 'aria-describedby': describedBy(path, spec), autocapitalize: 'sentences',
      value: group[spec.name] === undefined ? '' : String(group[spec.name]) };
    const input = spec.multiline ? h('textarea', { ...attrs, rows: 4 }) : h('input', { ...attrs, type: 'text' });
    input.addEventListener('input', () => {
      setValue(group, spec.name, input.value === '' ? undefined : input.value);
      changed(path);
    });
    input.addEventListener('blur', () => touch(path));
    return wrapper(spec, path, input);
  }

  function numberField(spec, path, group) {
    const integer = spec.type === 'integer';
    const unit = label(spec.unit);
    const money = unit === 'Rp' || unit === 'IDR';
    const input = h('input', { type: 'text', inputmode: integer ? 'numeric' : 'decimal', autocomplete: 'off',
      id: `${domId(path)}-in`, 'aria-describedby': describedBy(path, spec), value: formatNumberInput(group[spec.name]) });
    const echo = money ? h('p', { class: 'fr-echo', 'aria-live': 'polite' }) : null;
    const showEcho = () => {
      if (!echo) return;
      const value = group[spec.name];
      echo.textContent = typeof value === 'number' && Number.isInteger(value) ? `= ${rupiah(value)}` : '';
    };
    showEcho();
    input.addEventListener('input', () => {
      setValue(group, spec.name, parseNumberInput(input.value, integer));
      showEcho();
      changed(path);
    });
    input.addEventListener('blur', () => touch(path));
    const box = unit
      ? h('div', { class: `fr-unit${money ? ' fr-unit-before' : ''}` }, money ? h('span', { text: unit }) : null, input,
        money ? null : h('span', { text: unit }))
      : input;
    return wrapper(spec, path, [box, echo]);
  }

  function dateField(spec, path, group) {
    const input = h('input', { type: 'date', id: `${domId(path)}-in`, 'aria-describedby': describedBy(path, spec),
      min: spec.min, max: spec.max, value: group[spec.name] || '' });
    const update = () => {
      setValue(group, spec.name, input.value || undefined);
      changed(path);
    };
    input.addEventListener('input', update);
    input.addEventListener('change', () => { update(); touch(path); });
    return wrapper(spec, path, input);
  }

  function choiceList(spec) {
    if (spec.options) return spec.options.map((o) => ({ value: o.value, label: label(o.label) }));
    return choices[spec.options_from] || [];
  }

  /** Big tap targets: one button per choice (radio or checkbox underneath, for accessibility). */
  function buttonChoices(spec, path, group, list, { multiple = false, values = null } = {}) {
    const name = domId(path);
    const current = () => group[spec.name];
    const isOn = (value) => (multiple ? (current() || []).includes(value) : current() === value);
    const box = h('div', { class: `fr-choices${list.length === 2 ? ' fr-pair' : ''}` });
    const draw = () => box.querySelectorAll('.fr-choice').forEach((el) => {
      el.classList.toggle('on', el.querySelector('input').checked);
    });
    list.forEach((choice, index) => {
      const value = values ? values[index] : choice.value;
      const input = h('input', { type: multiple ? 'checkbox' : 'radio', name, checked: isOn(value),
        id: index === 0 ? `${name}-in` : `${name}-${index}`, 'aria-describedby': describedBy(path, spec) });
      input.addEventListener('change', () => {
        if (multiple) {
          const inputs = box.querySelectorAll('input');
          const chosen = list.filter((c, i) => inputs[i].checked).map((c) => c.value);
          setValue(group, spec.name, chosen.length ? chosen : undefined);
        } else {
          setValue(group, spec.name, value);
        }
        draw();
        state.touched.add(path);
        changed(path);
      });
      box.append(h('label', { class: 'fr-choice' }, input, h('span', { text: choice.label })));
    });
    draw();
    const controls = [box];
    if (!multiple && !spec.required) {
      controls.push(h('button', { type: 'button', class: 'link-button', text: t('Kosongkan jawaban'),
        onclick: () => {
          box.querySelectorAll('input').forEach((el) => { el.checked = false; });
          setValue(group, spec.name, undefined);
          draw();
          changed(path);
        } }));
    }
    return wrapper(spec, path, controls, { grouped: true });
  }

  function selectField(spec, path, group) {
    const list = choiceList(spec);
    if (spec.options && list.length <= BUTTON_CHOICES_MAX) return buttonChoices(spec, path, group, list);
    const current = group[spec.name];
    const groups = new Map();
    for (const choice of list) {
      const key = choice.group || '';
      if (!groups.has(key)) groups.set(key, []);
      groups.get(key).push(h('option', { value: choice.value, text: choice.label }));
    }
    const options = [...groups].map(([name, items]) => (name ? h('optgroup', { label: name }, items) : items));
    const stale = current !== undefined && !list.some((c) => c.value === current)
      ? h('option', { value: current, text: t('{value} (tidak tersedia lagi)', { value: current }) }) : null;
    const select = h('select', { id: `${domId(path)}-in`, 'aria-describedby': describedBy(path, spec),
      value: current === undefined ? '' : current },
    h('option', { value: '', text: t('— pilih —') }), options, stale);
    select.addEventListener('change', () => {
      setValue(group, spec.name, select.value === '' ? undefined : select.value);
      state.touched.add(path);
      changed(path);
    });
    return wrapper(spec, path, select);
  }

  /** A long or reference list (every OPD) to pick several from: the phone's own multi-picker. */
  function multiSelectField(spec, path, group) {
    const list = choiceList(spec);
    const current = new Set(Array.isArray(group[spec.name]) ? group[spec.name] : []);
    const select = h('select', { id: `${domId(path)}-in`, multiple: true, size: Math.min(6, Math.max(2, list.length)),
      'aria-describedby': describedBy(path, spec) },
    list.map((choice) => h('option', { value: choice.value, text: choice.label, selected: current.has(choice.value) })));
    const chosen = h('p', { class: 'fr-echo', 'aria-live': 'polite' });
    const draw = () => {
      const names = [...select.selectedOptions].map((o) => o.textContent);
      chosen.textContent = names.length ? t('Dipilih: {names}', { names: names.join(', ') }) : '';
    };
    select.addEventListener('change', () => {
      const values = [...select.selectedOptions].map((o) => o.value);
      setValue(group, spec.name, values.length ? values : undefined);
      draw();
      state.touched.add(path);
      changed(path);
    });
    draw();
    return wrapper(spec, path, [select, chosen]);
  }

  function yesNoField(spec, path, group) {
    return buttonChoices(spec, path, group, [{ value: 'ya', label: t('Ya') }, { value: 'tidak', label: t('Tidak') }],
      { values: [true, false] });
  }

  /**
   * One row of a compact checklist: the question, then "Ya" and "Tidak" side by side (48 px
   * targets). Nothing is chosen until tapped; tapping the chosen answer of an optional item
   * again clears it. The hint stays available to screen readers and as the row's tooltip.
   */
  function checkItem(spec, path, group) {
    const id = domId(path);
    const title = h('span', { class: 'fr-label', id: `${id}-label` }, label(spec.label),
      spec.required ? null : h('span', { class: 'fr-opt', text: t('boleh kosong') }));
    const hint = spec.hint ? h('span', { class: 'visually-hidden', id: `${id}-hint`, text: label(spec.hint) }) : null;
    const error = h('p', { class: 'error fr-error', id: `${id}-err`, hidden: true });
    const box = h('div', { class: 'fr-choices fr-pair' });
    const choicesList = [[true, t('Ya')], [false, t('Tidak')]];
    const draw = () => box.querySelectorAll('.fr-choice').forEach((el, i) => {
      const on = group[spec.name] === choicesList[i][0];
      el.classList.toggle('on', on);
      el.querySelector('input').checked = on;
    });
    choicesList.forEach(([value, text], index) => {
      const input = h('input', { type: 'radio', name: id, id: index === 0 ? `${id}-in` : `${id}-${index}`,
        'aria-describedby': describedBy(path, spec) });
      input.addEventListener('click', () => {
        if (group[spec.name] !== value) {
          setValue(group, spec.name, value);
        } else if (!spec.required) {
          setValue(group, spec.name, undefined);
        } else {
          return;
        }
        draw();
        state.touched.add(path);
        changed(path);
      });
      box.append(h('label', { class: `fr-choice fr-${index === 0 ? 'yes' : 'no'}` }, input, h('span', { text })));
    });
    draw();
    const wrap = h('div', { class: 'fr-field fr-yes_no fr-check', id, role: 'radiogroup', 'aria-labelledby': `${id}-label`,
      title: spec.hint ? label(spec.hint) : null, dataset: { path } }, title, box, hint, error);
    fields.set(path, { wrap, error });
    return wrap;
  }

  function photoField(spec, path, group) {
    const id = domId(path);
    const thumbs = h('div', { class: 'fr-thumbs' });
    const status = h('p', { class: 'fr-status', 'aria-live': 'polite' });
    const count = h('p', { class: 'fr-count' });
    const camera = h('input', { type: 'file', accept: 'image/*', capture: 'environment', class: 'visually-hidden',
      id: `${id}-in`, 'aria-describedby': describedBy(path, spec) });
    const gallery = h('input', { type: 'file', accept: 'image/*', multiple: true, class: 'visually-hidden',
      id: `${id}-gallery` });
    const cameraButton = h('label', { class: 'button primary fr-camera', for: camera.id }, t('Ambil foto'));
    const galleryButton = h('label', { class: 'button', for: gallery.id }, t('Pilih dari galeri'));
    const max = typeof spec.max_photos === 'number' ? spec.max_photos : Infinity;

    const drawCount = () => {
      const n = (group[spec.name] || []).length;
      count.textContent = Number.isFinite(max) ? t('{n} dari maks. {max} foto', { n, max }) : t('{n} foto', { n });
      const full = n >= max;
      [cameraButton, galleryButton].forEach((el) => el.classList.toggle('disabled', full));
      camera.disabled = full;
      gallery.disabled = full;
    };

    async function drawThumbs() {
      const uuids = group[spec.name] || [];
      const figures = await Promise.all(uuids.map(async (uuid, index) => {
        const url = await opts.photos.thumbUrl(uuid);
        const remove = h('button', { type: 'button', class: 'button danger small', text: t('Hapus') });
        remove.addEventListener('click', async () => {
          // Two taps: a stray touch never throws a photo away.
          if (!remove.classList.contains('confirm')) {
            remove.classList.add('confirm');
            remove.textContent = t('Yakin hapus?');
            return;
          }
          setValue(group, spec.name, (group[spec.name] || []).filter((u) => u !== uuid));
          if (!group[spec.name].length) setValue(group, spec.name, undefined);
          await opts.photos.remove(uuid);
          changed(path);
          drawThumbs();
        });
        return h('figure', { class: 'fr-thumb' },
          url ? h('img', { src: url, alt: t('Foto {n}', { n: index + 1 }) }) : h('span', { text: t('Foto hilang') }),
          remove);
      }));
      replace(thumbs, figures);
      drawCount();
    }

    async function addFiles(input) {
      const files = [...input.files];
      input.value = '';
      const room = Math.max(0, max - (group[spec.name] || []).length);
      const taken = files.slice(0, room);
      let problem = files.length > taken.length ? t('Paling banyak {max} foto; sisanya tidak diambil.', { max }) : '';
      for (const [index, file] of taken.entries()) {
        status.textContent = t('Memproses foto {n} dari {total}…', { n: index + 1, total: taken.length });
        try {
          const photo = await opts.photos.add(spec.name, file);
          setValue(group, spec.name, [...(group[spec.name] || []), photo.uuid]);
          changed(path);
        } catch (error) {
          console.error(error);
          problem = opts.photos.errorText ? opts.photos.errorText(error) : t('Foto tidak bisa dibaca. Coba ambil ulang.');
        }
      }
      status.textContent = problem;
      state.touched.add(path);
      await drawThumbs();
      refreshErrors();
    }

    camera.addEventListener('change', () => addFiles(camera));
    gallery.addEventListener('change', () => addFiles(gallery));
    drawThumbs();
    return wrapper(spec, path, [thumbs, count,
      h('div', { class: 'actions' }, camera, cameraButton, gallery, galleryButton), status]);
  }

  function geopointField(spec, path, group) {
    const info = h('p', { class: 'fr-geo', 'aria-live': 'polite' });
    const take = h('button', { type: 'button', class: 'button', id: `${domId(path)}-in` });
    const clear = h('button', { type: 'button', class: 'button secondary', text: t('Hapus titik') });
    const draw = () => {
      const point = group[spec.name];
      take.textContent = point ? t('Ambil ulang titik GPS') : t('Ambil titik GPS');
      clear.hidden = !point;
      if (!point) {
        info.textContent = t('Belum ada titik.');
        info.className = 'fr-geo muted';
        return;
      }
      const accuracy = typeof point.accuracy_m === 'number' ? t('akurasi ±{m} m', { m: Math.round(point.accuracy_m) }) : '';
      const poor = isPoor(point);
      info.textContent = `${point.lat.toFixed(6)}, ${point.lon.toFixed(6)} · ${accuracy}`
        + (poor ? ` — ${t('akurasi rendah (lebih dari {m} m), tetap boleh disimpan', { m: poorAccuracyM() })}` : '');
      info.className = `fr-geo${poor ? ' warn' : ''}`;
    };
    take.addEventListener('click', async () => {
      take.disabled = true;
      info.textContent = t('Mencari sinyal GPS…');
      try {
        const fix = await opts.geo.capture();
        const point = { lat: fix.lat, lon: fix.lon };
        if (typeof fix.accuracy_m === 'number') point.accuracy_m = fix.accuracy_m;
        setValue(group, spec.name, point);
        changed(path);
        draw();
      } catch (error) {
        draw();
        info.textContent = opts.geo.errorText(error);
        info.className = 'fr-geo warn';
      } finally {
        take.disabled = false;
      }
    });
    clear.addEventListener('click', () => {
      setValue(group, spec.name, undefined);
      changed(path);
      draw();
    });
    draw();
    return wrapper(spec, path, [info, h('div', { class: 'actions' }, take, clear)]);
  }

  function repeatField(spec, path, group) {
    const rows = h('div', { class: 'fr-rows' });
    const add = h('button', { type: 'button', class: 'button', text: t('Tambah baris') });
    const draw = () => {
      const list = Array.isArray(group[spec.name]) ? group[spec.name] : [];
      // Row paths shift when a row goes: forget the old ones before drawing the new.
      for (const key of [...fields.keys()]) if (key.startsWith(`${path}.`)) fields.delete(key);
      replace(rows, list.map((row, index) => {
        const isObject = row !== null && typeof row === 'object' && !Array.isArray(row);
        const remove = h('button', { type: 'button', class: 'button danger small', text: t('Hapus baris') });
        remove.addEventListener('click', () => {
          list.splice(index, 1);
          if (!list.length) setValue(group, spec.name, undefined);
          draw();
          changed(path);
        });
        return h('div', { class: 'fr-row' },
          h('div', { class: 'fr-row-head' }, h('strong', { text: t('Baris {n}', { n: index + 1 }) }), remove),
          isObject ? spec.fields.map((sub) => renderField(sub, `${path}.${index}`, row)) : null);
      }));
      add.disabled = typeof spec.max_items === 'number' && list.length >= spec.max_items;
      if (rows.isConnected) refreshErrors();
    };
    add.addEventListener('click', () => {
      if (!Array.isArray(group[spec.name])) group[spec.name] = [];
      group[spec.name].push({});
      draw();
      changed(path);
      const last = rows.lastElementChild;
      const first = last && last.querySelector('input, select, textarea');
      if (first) first.focus();
    });
    const wrap = wrapper(spec, path, [rows, add], { grouped: true });
    draw();
    return wrap;
  }

  function renderField(spec, prefix, group) {
    const path = `${prefix}.${spec.name}`;
    switch (spec.type) {
      case 'note': return h('div', { class: 'fr-note' }, label(spec.label));
      case 'text': return textField(spec, path, group);
      case 'integer':
      case 'decimal': return numberField(spec, path, group);
      case 'date': return dateField(spec, path, group);
      case 'select_one': return selectField(spec, path, group);
      case 'select_many': return spec.options_from || choiceList(spec).length > BUTTON_CHOICES_MAX * 2
        ? multiSelectField(spec, path, group)
        : buttonChoices(spec, path, group, choiceList(spec), { multiple: true });
      case 'yes_no': return yesNoField(spec, path, group);
      case 'photo': return photoField(spec, path, group);
      case 'geopoint': return geopointField(spec, path, group);
      case 'repeat': return repeatField(spec, path, group);
      default: return h('p', { class: 'error', text: t('Jenis isian tidak dikenal: {type}', { type: spec.type }) });
    }
  }

  /** The fields in order, runs of yes/no items gathered into a compact checklist. */
  function renderFields(specs, prefix, group) {
    const out = [];
    for (let i = 0; i < specs.length;) {
      let end = i;
      while (end < specs.length && specs[end].type === 'yes_no') end += 1;
      if (end - i >= CHECKLIST_MIN) {
        out.push(h('div', { class: 'fr-checklist' }, specs.slice(i, end).map((spec) => checkItem(spec, `${prefix}.${spec.name}`, group))));
        i = end;
      } else {
        out.push(renderField(specs[i], prefix, group));
        i += 1;
      }
    }
    return out;
  }

  replace(root, summary, renderFields(definition.fields, 'answers', state.answers));
  refreshErrors();

  return {
    /** The live answers object (what the draft stores). */
    answers: () => state.answers,
    /** Validate without showing anything. */
    validate,
    /** How many fields still need an answer (or have a wrong one) before the form can be sent. */
    remaining() {
      return Object.keys(validate().errors).length;
    },
    /** Show every error (after a submit attempt); returns the validation result. */
    showAllErrors() {
      state.showAll = true;
      return refreshErrors();
    },
    /**
     * Show the server's errors for fields (paths "answers.…"); a field's error clears once edited.
     * @param {Record<string, string[]>} errors
     */
    setServerErrors(errors) {
      state.serverErrors = Object.fromEntries(Object.entries(errors || {}).filter(([path]) => path.startsWith('answers')));
      state.showAll = true;
      refreshErrors();
    },
    /** Move to the first field that shows an error. */
    focusFirstError() {
      const wrap = root.querySelector('.fr-field.has-error') || (summary.hidden ? null : summary);
      if (!wrap) return false;
      wrap.scrollIntoView({ block: 'center' });
      const control = wrap.querySelector('input:not(.visually-hidden), select, textarea, button') || wrap.querySelector('input');
      if (control) control.focus({ preventScroll: true });
      return true;
    },
  };
}
