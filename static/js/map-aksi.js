/**
 * The "Aksi GEBER" layer of the dashboard map: clean-up actions as their own markers, each with a
 * popup of date, participants, kg, bags, OPDs and group. Everything typed by a person goes in as text.
 * @module map-aksi
 */
import { el, fmt, formatDate } from './map-dom.js';

function number(value, locale, digits = 0) {
  return Number(value).toLocaleString(locale === 'en' ? 'en-GB' : 'id-ID', { maximumFractionDigits: digits });
}

function row(label, value) {
  return el('div', { class: 'aksi-row' }, el('dt', { text: label }), el('dd', { text: value }));
}

/**
 * The popup of one action.
 * @param {Object} feature  a feature of the map API's /aksi answer
 * @param {{strings: Object<string, string>, locale: string}} ctx
 * @returns {HTMLElement}
 */
export function aksiPopup(feature, ctx) {
  const p = feature.properties;
  const s = ctx.strings;
  return el('div', { class: 'aksi-popup', 'data-aksi': p.id },
    el('h3', { class: 'popup-title', text: s.aksi }),
    p.kecamatan ? el('p', { class: 'popup-place', text: p.kecamatan }) : null,
    el('dl', { class: 'aksi-facts' },
      row(s.aksi_date, formatDate(`${p.date}T12:00:00Z`, ctx.locale) || p.date),
      row(s.aksi_participants, fmt(s.aksi_people, { n: number(p.participants, ctx.locale) })),
      row(s.aksi_waste, `${number(p.kg, ctx.locale, 1)} kg · ${fmt(s.aksi_bags, { n: number(p.bags, ctx.locale) })}`),
      row(s.aksi_opds, p.opds.length ? p.opds.join(', ') : s.none),
      row(s.aksi_group, p.group || s.none)));
}

/**
 * Draw the actions on the map as one layer group (not clustered with the sites).
 * @param {Object} L  Leaflet
 * @param {Object} map
 * @param {{features: Array}} data
 * @param {Object} ctx
 * @returns {Object} the layer group, to remove when the layer is switched off
 */
export function drawAksi(L, map, data, ctx) {
  const icon = L.divIcon({ className: 'pin pin-aksi', html: '<b>A</b>', iconSize: [28, 28], popupAnchor: [0, -12] });
  const group = L.layerGroup();
  for (const feature of data.features) {
    const [lon, lat] = feature.geometry.coordinates;
    const marker = L.marker([lat, lon], { icon, title: ctx.strings.aksi, keyboard: true, zIndexOffset: 500 });
    marker.bindPopup(() => aksiPopup(feature, ctx), { maxWidth: 280, minWidth: 200, autoPanPadding: [16, 16] });
    group.addLayer(marker);
  }
  return group.addTo(map);
}

/**
 * The line under the map saying how many actions are drawn (and how many lack a location).
 * @param {{meta: {count: number, unplaced: number}}} data
 * @param {Object} ctx
 * @returns {string}
 */
export function aksiStatus(data, ctx) {
  const s = ctx.strings;
  const text = fmt(s.aksi_count, { n: number(data.meta.count, ctx.locale) });
  return data.meta.unplaced ? `${text}; ${fmt(s.aksi_unplaced, { n: number(data.meta.unplaced, ctx.locale) })}` : text;
}
