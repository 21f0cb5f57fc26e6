/**
 * The site picker: nearest sites first when the GPS position is known, search by name or desa,
 * and a new site made offline (with a client UUID; it reaches the server with its first
 * submission). Storage comes in as callbacks.
 * @module sites
 */
import { h, replace } from './dom.js';
import { LANG, t } from './i18n.js';
import { distanceM, inBbox } from './geo.js';

const PAGE = 25;

/** Lower case without diacritics, for forgiving search. @param {string} text */
export function normalise(text) {
  return String(text || '').normalize('NFD').replace(/[\u0300-\u036f]/g, '').toLowerCase().trim();
}

/** "350 m" or "1,2 km". @param {number} metres */
export function formatDistance(metres) {
  if (metres < 1000) return `${Math.round(metres)} m`;
  const km = (metres / 1000).toFixed(1);
  return `${LANG === 'id' ? km.replace('.', ',') : km} km`;
}

/**
 * Sites sorted for picking: nearest first with a position, by name without; filtered by a query
 * on the name, the desa and the kind.
 * @param {Array<Object>} sites  {uuid, name, desa_name, kind_label, lat, lon}
 * @param {{lat: number, lon: number}|null} position
 * @param {string} query
 */
export function rankSites(sites, position, query) {
  const words = normalise(query).split(/\s+/).filter(Boolean);
  const matching = sites.filter((site) => {
    const haystack = normalise(`${site.name} ${site.desa_name || ''} ${site.kind_label || ''}`);
    return words.every((word) => haystack.includes(word));
  });
  const withDistance = matching.map((site) => ({
    site, distance: position && Number.isFinite(site.lat) ? distanceM(position, site) : null,
  }));
  withDistance.sort((a, b) => {
    if (a.distance !== null && b.distance !== null) return a.distance - b.distance;
    return a.site.name.localeCompare(b.site.name, 'id');
  });
  return withDistance;
}

/**
 * @typedef {Object} PickerContext
 * @property {Array<Object>} sites   server and local sites, normalised ({uuid, name, kind, kind_label,
 *   desa_code, desa_name, lat, lon, local})
 * @property {Array<Object>} desa    {code, name, kecamatan_id}
 * @property {Array<Object>} kecamatan  {id, name}
 * @property {Array<{value: string, label: string}>} siteKinds
 * @property {number[]|null} bbox
 * @property {string|null} selected  the chosen site's UUID
 * @property {Object|null} position  the current GPS fix
 * @property {boolean} required
 * @property {(site: Object|null) => void} onSelect
 * @property {(fields: Object) => Promise<Object>} onCreate  saves a new (or edited local) site
 * @property {() => Promise<Object>} capture
 * @property {(error: Error) => string} geoErrorText
 */

/**
 * Render the picker into `root`.
 * @param {HTMLElement} root
 * @param {PickerContext} ctx
 */
export function renderSitePicker(root, ctx) {
  let mode = ctx.selected ? 'selected' : 'choose';
  let query = '';
  let limit = PAGE;
  let serverErrors = [];
  let editing = null;
  const errorBox = h('p', { class: 'error', role: 'alert', hidden: true });

  const byUuid = () => new Map(ctx.sites.map((site) => [site.uuid, site]));

  function showErrors() {
    errorBox.textContent = serverErrors.join(' ');
    errorBox.hidden = serverErrors.length === 0;
    root.classList.toggle('has-error', serverErrors.length > 0);
  }

  function describe(site) {
    const parts = [site.desa_name, site.kind_label].filter(Boolean);
    if (ctx.position && Number.isFinite(site.lat)) parts.push(formatDistance(distanceM(ctx.position, site)));
    return parts.join(' · ');
  }

  function drawSelected() {
    const site = byUuid().get(ctx.selected);
    if (!site) {
      mode = 'choose';
      draw();
      return;
    }
    const change = h('button', { type: 'button', class: 'button', text: t('Ganti lokasi'),
      onclick: () => { mode = 'choose'; draw(); } });
    const edit = site.local ? h('button', { type: 'button', class: 'button secondary', text: t('Ubah data lokasi baru'),
      onclick: () => { editing = site; mode = 'create'; draw(); } }) : null;
    replace(root,
      h('h2', { class: 'section-title', text: t('Lokasi') }),
      h('div', { class: 'site-card' },
        h('strong', { class: 'site-name', text: site.name }),
        h('span', { class: 'muted', text: describe(site) }),
        site.local ? h('span', { class: 'badge badge-belum', text: t('Lokasi baru — ikut terkirim') }) : null),
      errorBox,
      h('div', { class: 'actions' }, change, edit));
    showErrors();
  }

  function drawChoose() {
    const search = h('input', { type: 'search', id: 'site-search', placeholder: t('Cari nama lokasi atau desa'),
      'aria-label': t('Cari lokasi'), value: query, autocomplete: 'off' });
    const list = h('div', { class: 'site-list', role: 'list' });
    const more = h('button', { type: 'button', class: 'button secondary block', text: t('Tampilkan lebih banyak') });
    const drawList = () => {
      const ranked = rankSites(ctx.sites, ctx.position, query);
      replace(list, ranked.slice(0, limit).map(({ site, distance }) => h('button', {
        type: 'button', class: 'site-option', role: 'listitem',
        onclick: () => { ctx.selected = site.uuid; serverErrors = []; mode = 'selected'; ctx.onSelect(site); draw(); },
      },
      h('strong', { text: site.name }),
      h('span', { class: 'muted', text: [site.desa_name, site.kind_label].filter(Boolean).join(' · ') }),
      distance !== null ? h('span', { class: 'site-distance', text: formatDistance(distance) }) : null,
      site.local ? h('span', { class: 'badge badge-belum', text: t('baru') }) : null)));
      if (!ranked.length) list.append(h('p', { class: 'muted', text: t('Tidak ada lokasi yang cocok.') }));
      more.hidden = ranked.length <= limit;
    };
    search.addEventListener('input', () => { query = search.value; limit = PAGE; drawList(); });
    more.addEventListener('click', () => { limit += PAGE; drawList(); });
    drawList();
    replace(root,
      h('h2', { class: 'section-title' }, t('Pilih lokasi'),
        ctx.required ? h('span', { class: 'fr-req', text: t('wajib') }) : null),
      h('p', { class: 'muted small', text: ctx.position ? t('Lokasi terdekat di atas.') : t('Urut nama; aktifkan GPS agar yang terdekat di atas.') }),
      errorBox, search, list, more,
      h('div', { class: 'actions' },
        h('button', { type: 'button', class: 'button', text: t('Tambah lokasi baru'),
          onclick: () => { editing = null; mode = 'create'; draw(); } }),
        ctx.selected ? h('button', { type: 'button', class: 'button secondary', text: t('Batal'),
          onclick: () => { mode = 'selected'; draw(); } }) : null,
        !ctx.required && ctx.selected ? h('button', { type: 'button', class: 'button secondary', text: t('Tanpa lokasi'),
          onclick: () => { ctx.selected = null; ctx.onSelect(null); draw(); } }) : null));
    showErrors();
  }

  function drawCreate() {
    const base = editing || {};
    let point = editing ? { lat: editing.lat, lon: editing.lon } : ctx.position;
    const problems = {};
    const field = (key, title, control) => {
      problems[key] = h('p', { class: 'error', hidden: true });
      return h('div', { class: 'field' }, h('label', { for: `site-new-${key}`, text: title }), control, problems[key]);
    };
    const name = h('input', { type: 'text', id: 'site-new-name', value: base.name || '', autocapitalize: 'words' });
    const kind = h('select', { id: 'site-new-kind', value: base.kind || '' },
      h('option', { value: '', text: t('— pilih —') }),
      ctx.siteKinds.map((k) => h('option', { value: k.value, text: k.label })));
    const kecamatanName = new Map(ctx.kecamatan.map((k) => [k.id, k.name]));
    const groups = new Map();
    for (const desa of ctx.desa) {
      const key = kecamatanName.get(desa.kecamatan_id) || '';
      if (!groups.has(key)) groups.set(key, []);
      groups.get(key).push(h('option', { value: desa.code, text: desa.name }));
    }
    const desa = h('select', { id: 'site-new-desa', value: base.desa_code || '' },
      h('option', { value: '', text: t('— pilih —') }),
      [...groups].map(([group, options]) => (groups.size > 1 ? h('optgroup', { label: group }, options) : options)));
    const where = h('p', { class: 'fr-geo' });
    const drawPoint = () => {
      where.textContent = point
        ? `${point.lat.toFixed(6)}, ${point.lon.toFixed(6)}${typeof point.accuracy_m === 'number' ? ` · ±${Math.round(point.accuracy_m)} m` : ''}`
        : t('Belum ada titik GPS.');
    };
    drawPoint();
    const gps = h('button', { type: 'button', class: 'button', text: t('Pakai GPS sekarang') });
    gps.addEventListener('click', async () => {
      gps.disabled = true;
      where.textContent = t('Mencari sinyal GPS…');
      try {
        point = await ctx.capture();
        drawPoint();
      } catch (error) {
        where.textContent = ctx.geoErrorText(error);
      } finally {
        gps.disabled = false;
      }
    });
    const save = h('button', { type: 'button', class: 'button primary', text: t('Simpan lokasi') });
    save.addEventListener('click', async () => {
      const errors = {};
      const siteName = name.value.trim();
      if (!siteName) errors.name = t('Wajib diisi.');
      else if (siteName.length > 200) errors.name = t('Paling banyak {n} karakter.', { n: 200 });
      if (!kind.value) errors.kind = t('Wajib diisi.');
      if (!desa.value) errors.desa = t('Wajib diisi.');
      if (!point) errors.point = t('Ambil titik GPS dulu.');
      else if (!inBbox(ctx.bbox, point.lat, point.lon)) errors.point = t('Titik di luar wilayah kabupaten.');
      for (const [key, el] of Object.entries(problems)) {
        el.textContent = errors[key] || '';
        el.hidden = !errors[key];
      }
      if (Object.keys(errors).length) return;
      const site = await ctx.onCreate({ uuid: editing ? editing.uuid : null, name: siteName, kind: kind.value,
        desa_code: desa.value, lat: point.lat, lon: point.lon });
      ctx.sites = [...ctx.sites.filter((s) => s.uuid !== site.uuid), site];
      ctx.selected = site.uuid;
      serverErrors = [];
      mode = 'selected';
      ctx.onSelect(site);
      draw();
    });
    replace(root,
      h('h2', { class: 'section-title', text: editing ? t('Ubah lokasi baru') : t('Lokasi baru') }),
      h('p', { class: 'muted small', text: t('Lokasi baru disimpan di ponsel dan ikut terkirim bersama isian pertamanya.') }),
      errorBox,
      field('name', t('Nama lokasi'), name),
      field('kind', t('Jenis lokasi'), kind),
      field('desa', t('Desa/kelurahan'), desa),
      field('point', t('Titik lokasi'), h('div', {}, where, gps)),
      h('div', { class: 'actions' }, save,
        h('button', { type: 'button', class: 'button secondary', text: t('Batal'),
          onclick: () => { mode = ctx.selected ? 'selected' : 'choose'; draw(); } })));
    showErrors();
  }

  function draw() {
    if (mode === 'selected') drawSelected();
    else if (mode === 'create') drawCreate();
    else drawChoose();
  }

  draw();
  return {
    /** A new GPS fix: distances and the order follow it. @param {Object|null} fix */
    setPosition(fix) {
      ctx.position = fix;
      if (mode !== 'create') draw();
    },
    /** Show errors about the site (from the rules or the server). @param {string[]} messages */
    setErrors(messages) {
      serverErrors = messages || [];
      showErrors();
    },
  };
}
