/**
 * The kecamatan summary: a choropleth where boundaries were imported, circles sized by the
 * number of sites at the centre of a kecamatan's sites where not, and the same figures as a table.
 * @module map-summary
 */
import { el, fmt, formatDate, formatScore } from './map-dom.js';
import { COLOURS } from './map-style.js';
import { badge } from './map-panel.js';

/**
 * The trend as words and an arrow (not colour alone).
 * @param {number|null} trend  points of change
 * @param {Object} ctx
 * @returns {string}
 */
export function trendText(trend, ctx) {
  if (trend === null || trend === undefined) return ctx.strings.trend_none;
  const d = formatScore(Math.abs(trend), ctx.locale);
  if (trend > 0) return `▲ ${fmt(ctx.strings.trend_up, { d })}`;
  if (trend < 0) return `▼ ${fmt(ctx.strings.trend_down, { d })}`;
  return `= ${ctx.strings.trend_flat}`;
}

function popupNode(p, ctx) {
  const s = ctx.strings;
  return el('div', { class: 'site-popup' },
    el('h3', { class: 'popup-title', text: `${s.kecamatan} ${p.name}` }),
    el('p', {}, `${s.avg}: `, p.avg === null ? s.none : badge(p.band, 'geber', p.avg, ctx)),
    el('p', { text: `${s.sites}: ${p.sites}` }),
    p.checked !== undefined ? el('p', { text: `${s.checked_in_period}: ${p.checked}` }) : null,
    p.trend !== undefined ? el('p', { text: `${s.trend}: ${trendText(p.trend, ctx)}` }) : null);
}

function labelNode(p, ctx) {
  return el('span', {}, el('strong', { text: p.name }), ' ', p.avg === null ? '' : formatScore(p.avg, ctx.locale));
}

/**
 * Draw the summary on the map.
 * @param {Object} L  Leaflet
 * @param {Object} map
 * @param {Object} collection  the summary GeoJSON
 * @param {Object} ctx
 * @returns {Object} a Leaflet layer group (remove it to hide the summary)
 */
export function drawSummary(L, map, collection, ctx) {
  if (!map.getPane('summary')) {
    // Under the markers, so a site stays clickable inside its kecamatan.
    map.createPane('summary').style.zIndex = 350;
  }
  const group = L.layerGroup();
  for (const feature of collection.features) {
    const p = feature.properties;
    if (!feature.geometry) continue;
    const colour = COLOURS[p.band] || COLOURS.belum;
    let layer;
    if (p.shape === 'boundary') {
      layer = L.geoJSON(feature, {
        pane: 'summary',
        style: { color: '#222', weight: 2, fillColor: colour, fillOpacity: 0.3 },
      });
    } else {
      const [lon, lat] = feature.geometry.coordinates;
      // Area grows with the number of sites, so a big kecamatan does not look bigger than it is.
      const radius = Math.min(18 + 4 * Math.sqrt(p.sites), 64);
      layer = L.circleMarker([lat, lon], {
        pane: 'summary', radius, color: '#222', weight: 2, dashArray: '6 4', fillColor: colour, fillOpacity: 0.3,
      });
      layer.bindTooltip(labelNode(p, ctx), {
        permanent: true, direction: 'top', offset: [0, -radius], className: 'kec-label',
      });
    }
    if (p.shape === 'boundary') {
      layer.bindTooltip(labelNode(p, ctx), { permanent: true, direction: 'center', className: 'kec-label' });
    }
    layer.bindPopup(() => popupNode(p, ctx));
    group.addLayer(layer);
  }
  group.addTo(map);
  return group;
}

/**
 * Fill the summary table (always, with or without a map).
 * @param {HTMLElement} tbody
 * @param {HTMLElement} periodNote
 * @param {Object} collection
 * @param {Object} ctx
 */
export function renderSummaryTable(tbody, periodNote, collection, ctx) {
  // Worst first, as in the site list; kecamatan without a score at the end.
  const sorted = [...collection.features].sort((a, b) =>
    (a.properties.avg ?? 101) - (b.properties.avg ?? 101) || a.properties.name.localeCompare(b.properties.name));
  const rows = sorted.map(({ properties: p }) => el('tr', {},
    el('th', { scope: 'row', text: p.name }),
    el('td', { class: 'num' }, p.avg === null ? ctx.strings.none : badge(p.band, 'geber', p.avg, ctx)),
    el('td', { class: 'num', text: p.sites }),
    ctx.mode === 'public' ? null : el('td', { class: 'num', text: p.checked }),
    ctx.mode === 'public' ? null : el('td', { text: trendText(p.trend, ctx) })));
  tbody.replaceChildren(...rows);
  if (collection.period) {
    periodNote.textContent = fmt(ctx.strings.period, {
      from: formatDate(`${collection.period.from}T12:00:00Z`, ctx.locale),
      to: formatDate(`${collection.period.to}T12:00:00Z`, ctx.locale),
    });
  } else {
    periodNote.textContent = '';
  }
}
