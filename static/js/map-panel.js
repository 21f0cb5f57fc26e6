/**
 * What a site shows: the badge, the popup on the map and the side panel. Built from DOM nodes
 * with text only: a site named `<img src=x onerror=alert(1)>` shows exactly those characters.
 * @module map-panel
 */
import { el, fmt, formatDate, formatScore } from './map-dom.js';
import { LETTERS, band, classLabel, siteClass } from './map-style.js';

/**
 * A badge: letter, label and (for GEBER) the score.
 * @param {string} cls  band or monev status
 * @param {'geber'|'monev'} layer
 * @param {number|null|undefined} score
 * @param {{strings: Object, locale: string}} ctx
 * @returns {HTMLElement}
 */
export function badge(cls, layer, score, ctx) {
  const label = classLabel(cls, layer, ctx.strings);
  const scoreText = layer === 'geber' && score !== null && score !== undefined ? ` · ${formatScore(score, ctx.locale)}` : '';
  return el('span', { class: `badge badge-${cls}` },
    el('span', { 'aria-hidden': 'true', text: `${LETTERS[cls]} · ` }), `${label}${scoreText}`);
}

function dateLine(ctx, layer, t) {
  const label = layer === 'monev' ? ctx.strings.visited : (ctx.mode === 'public' ? ctx.strings.approved_at : ctx.strings.checked);
  const text = formatDate(t, ctx.locale, true, ctx.strings.wib) || ctx.strings.none;
  return el('p', { class: 'popup-date' }, `${label}: `, el('strong', { text }));
}

/**
 * The popup content of a feature; `attachDetail` later adds the photo and the history link.
 * @param {Object} feature  GeoJSON feature from the map API
 * @param {{strings: Object, locale: string, layer: string, mode: string, kinds: Object}} ctx
 * @returns {HTMLElement}
 */
export function popupContent(feature, ctx) {
  const p = feature.properties;
  const cls = siteClass(p, ctx.layer);
  return el('div', { class: 'site-popup', 'data-site': p.id },
    el('h3', { class: 'popup-title', text: p.n }),
    el('p', { class: 'popup-place', text: [ctx.kinds[p.k] || p.k, p.d].filter(Boolean).join(' · ') }),
    el('p', {}, badge(cls, ctx.layer, p.s, ctx)),
    ctx.layer === 'monev' && p.s !== undefined ? el('p', {}, badge(band(p.s), 'geber', p.s, ctx)) : null,
    dateLine(ctx, ctx.layer, p.t),
    p.f ? el('p', { class: 'flag-note', text: ctx.strings.flagged }) : null,
    el('div', { class: 'popup-extra' }));
}

/** The nodes that exist: replaceChildren would turn a null into the text "null". */
function present(...nodes) {
  return nodes.filter((node) => node !== null && node !== undefined && node !== false);
}

function photo(detail, ctx, className) {
  if (!detail.photo_url) return null;
  return el('img', {
    class: className, src: detail.photo_url, alt: fmt(ctx.strings.photo_alt, { name: detail.name }),
    loading: 'lazy', width: 320, height: 240, decoding: 'async',
  });
}

/** A link to a kegiatan's page, named by the kegiatan. */
function kegiatanLink(k) {
  return el('a', { class: 'kegiatan-link', href: k.url, 'data-kegiatan': k.code, text: k.name || k.code });
}

/** The kegiatan of a site in the popup: each a link to its page. */
function popupKegiatan(detail, ctx) {
  if (!detail.kegiatan || !detail.kegiatan.length) return null;
  return el('div', { class: 'popup-kegiatan' },
    el('p', { class: 'popup-label', text: `${ctx.strings.kegiatan}:` }),
    el('ul', {}, ...detail.kegiatan.map((k) => el('li', {}, kegiatanLink(k)))));
}

/**
 * Add what only the detail answer knows (photo, kegiatan links, history link) to an open popup.
 * @param {HTMLElement} node  the popup content
 * @param {Object} detail  the site detail answer
 * @param {Object} ctx
 */
export function attachDetail(node, detail, ctx) {
  const extra = node.querySelector('.popup-extra');
  if (!extra) return;
  extra.replaceChildren(...present(
    photo(detail, ctx, 'popup-photo'),
    popupKegiatan(detail, ctx),
    detail.history_url ? el('p', {}, el('a', { href: detail.history_url, text: ctx.strings.history })) : null));
}

function row(label, ...value) {
  return [el('dt', { text: label }), el('dd', {}, ...value)];
}

/**
 * Fill the side panel with a feature's basic facts at once, then the detail when it arrives.
 * @param {HTMLElement} panel
 * @param {Object} feature
 * @param {Object|null} detail  null while loading
 * @param {Object} ctx
 * @param {function(): void} [onShowOnMap]
 */
export function renderPanel(panel, feature, detail, ctx, onShowOnMap) {
  const p = feature.properties;
  const s = ctx.strings;
  const geberDate = formatDate(ctx.layer === 'geber' ? p.t : detail && (detail.checked_at || detail.approved_at), ctx.locale, true, s.wib);
  const rows = [
    ...row(s.kind, ctx.kinds[p.k] || p.k),
    ...row(s.desa, p.d || s.none),
  ];
  if (detail && detail.kecamatan) rows.push(...row(s.kecamatan, detail.kecamatan));
  const score = detail ? detail.score : p.s;
  rows.push(...row(ctx.mode === 'public' ? s.approved_score : s.score, badge(band(score), 'geber', score, ctx)));
  rows.push(...row(ctx.mode === 'public' ? s.approved_at : s.checked, geberDate || s.none));
  if (detail && ctx.mode !== 'public' && detail.approved_score !== null && detail.approved_score !== undefined) {
    rows.push(...row(s.approved_score, badge(band(detail.approved_score), 'geber', detail.approved_score, ctx),
      ' ', formatDate(detail.approved_at, ctx.locale, false)));
  }
  if (ctx.mode !== 'public' && (ctx.layer === 'monev' || (detail && detail.monev_status))) {
    const status = (detail ? detail.monev_status : p.m) || 'belum';
    const at = detail ? detail.monev_at : p.t;
    rows.push(...row(s.monev, badge(status, 'monev', null, ctx), ' ', formatDate(at, ctx.locale, false)));
  }
  const kegiatan = detail && detail.kegiatan && detail.kegiatan.length
    ? [el('h3', { text: s.kegiatan }), el('ul', { class: 'panel-kegiatan' },
      ...detail.kegiatan.map((k) => el('li', {}, kegiatanLink(k), ' ', el('span', { class: 'muted small', text: `(${k.code} · ${k.opd})` }))))]
    : [];
  panel.replaceChildren(...present(
    el('h2', { class: 'panel-title', text: p.n }),
    el('dl', { class: 'panel-facts' }, ...rows),
    p.f ? el('p', { class: 'flag-note', text: s.flagged }) : null,
    detail ? photo(detail, ctx, 'panel-photo') : el('p', { class: 'muted', text: s.panel_loading }),
    ...kegiatan,
    el('div', { class: 'actions' },
      onShowOnMap ? el('button', { type: 'button', class: 'button secondary', text: s.show_on_map, onclick: onShowOnMap }) : null,
      detail && detail.history_url ? el('a', { class: 'button', href: detail.history_url, text: s.history }) : null)));
}
