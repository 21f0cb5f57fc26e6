/**
 * The map page: filters in the URL, the sites as groups and single markers computed by the server
 * for the zoom level and the visible box (the browser never holds every site as a marker), a list
 * a page at a time (worst first), a popup and a side panel per site whose details load on demand,
 * and the kecamatan summary. The list and the summary table work without the map (no tiles, no
 * Leaflet): they are the accessible view of the same data.
 * @module map
 */
import { aksiStatus, drawAksi } from './map-aksi.js';
import { el, fmt, formatDate } from './map-dom.js';
import { activeCount, apiParams, formParams, showLayerControls, syncDesaOptions, writeUrl } from './map-filters.js';
import { loadLeaflet } from './map-loader.js';
import { attachDetail, badge, popupContent, renderPanel } from './map-panel.js';
import { LETTERS, siteClass, worstClass } from './map-style.js';
import { drawSummary, renderSummaryTable } from './map-summary.js';

const LIST_PAGE = 100;
const TILE_ERRORS_BEFORE_NOTICE = 3;
/** The zoom from which the server sends every site on its own (webapp/maps/clusters.py SINGLE_ZOOM). */
const SITE_ZOOM = 17;
/** Pan and zoom settle for this long before the map asks for its groups again. */
const MOVE_DELAY_MS = 120;

const root = document.getElementById('map-app');
const config = JSON.parse(root.dataset.config);
const form = document.getElementById('map-filters');
const $ = (id) => document.getElementById(id);

const state = {
  layer: 'geber',
  params: null,
  features: [],
  total: 0,
  bounds: null,
  L: null,
  map: null,
  markers: null,
  summary: null,
  aksi: null,
  aksiData: null,
  request: null,
  clusterRequest: null,
  moveTimer: null,
  tileErrors: 0,
};

function ctx() {
  return {
    strings: config.strings, kinds: config.kinds, mode: config.mode, layer: state.layer,
    locale: document.documentElement.lang === 'en' ? 'en' : 'id',
  };
}

function localeTag() {
  return ctx().locale === 'en' ? 'en-GB' : 'id-ID';
}

function setStatus(text, ...extra) {
  $('map-status').replaceChildren(text, ...extra);
}

function notice(text) {
  const node = $('map-notice');
  node.textContent = text;
  node.hidden = false;
}

/** A site row of the list or cluster answer as the feature the popup and panel read. */
function toFeature(row) {
  return { type: 'Feature', geometry: { type: 'Point', coordinates: [row.lon, row.lat] }, properties: row };
}

function apiUrl(base, params, extra = {}) {
  const query = apiParams(params);
  for (const [key, value] of Object.entries(extra)) query.set(key, value);
  const text = query.toString();
  return `${base}${text ? `?${text}` : ''}`;
}

// --- Filters and the URL -------------------------------------------------------------------

function currentParams() {
  const params = formParams(form);
  if (config.mode === 'public') params.delete('layer');
  return params;
}

function onFiltersChanged() {
  syncDesaOptions(form);
  const layer = form.elements.layer ? form.elements.layer.value : 'geber';
  showLayerControls(root, layer);
  const params = currentParams();
  writeUrl(params);
  const n = activeCount(params);
  $('filter-count').textContent = n ? ` (${n})` : '';
  refresh(params);
}

function setupForm() {
  form.classList.add('js');
  form.addEventListener('change', onFiltersChanged);
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    onFiltersChanged();
  });
  $('filter-reset').addEventListener('click', (event) => {
    event.preventDefault();
    form.reset();
    for (const select of form.querySelectorAll('select')) select.value = select.options[0] ? select.options[0].value : '';
    for (const input of form.querySelectorAll('input[type=date]')) input.value = '';
    for (const input of form.querySelectorAll('input[type=checkbox]')) input.checked = false;
    if (form.elements.layer) form.elements.layer.value = 'geber';
    onFiltersChanged();
  });
  syncDesaOptions(form);
  if (window.matchMedia('(min-width: 900px)').matches) $('map-filters-box').open = true;
  const n = activeCount(currentParams());
  $('filter-count').textContent = n ? ` (${n})` : '';
}

// --- Data ------------------------------------------------------------------------------------

async function fetchJson(url, signal) {
  const response = await fetch(url, { credentials: 'same-origin', signal, headers: { Accept: 'application/json' } });
  if (response.status === 401) {
    const error = new Error('unauthorized');
    error.status = 401;
    throw error;
  }
  if (!response.ok) throw new Error(`HTTP ${response.status}`);
  return response.json();
}

function showError(error, params) {
  if (error.status === 401) {
    const next = `${window.location.pathname}${window.location.search}`;
    setStatus(`${config.strings.session_expired} `,
      el('a', { href: `/masuk?next=${encodeURIComponent(next)}`, text: config.strings.login }));
    return;
  }
  setStatus(`${config.strings.load_failed} `,
    el('button', { type: 'button', class: 'button secondary', text: config.strings.retry, onclick: () => refresh(params) }));
}

async function refresh(params) {
  if (state.request) state.request.abort();
  const controller = new AbortController();
  state.request = controller;
  state.params = params;
  state.layer = config.mode === 'public' ? 'geber' : (params.get('layer') || 'geber');
  root.dataset.layer = state.layer;
  root.dataset.state = 'loading';
  setStatus(config.strings.loading);
  try {
    const data = await fetchJson(apiUrl(config.listUrl, params, { offset: 0, limit: LIST_PAGE }), controller.signal);
    if (controller.signal.aborted) return;
    state.features = data.sites.map(toFeature);
    state.total = data.count;
    state.bounds = data.bounds;
    renderList();
    const n = state.total;
    setStatus(n ? fmt(config.strings.count, { n: n.toLocaleString(localeTag()) }) : config.strings.empty);
    if (config.mode === 'public') showDataDate(data.latest);
    root.dataset.state = 'ready';
    if (state.map) fitSites();
  } catch (error) {
    if (error.name === 'AbortError') return;
    root.dataset.state = 'error';
    showError(error, params);
  }
  loadSummary(params, controller.signal);
  loadAksi(params, controller.signal);
}

function showDataDate(latest) {
  const node = $('data-date');
  if (!node) return;
  node.textContent = latest
    ? fmt(config.strings.data_as_of, { date: formatDate(latest, ctx().locale, true, config.strings.wib) })
    : config.strings.no_data_date;
}

async function loadSummary(params, signal) {
  const wanted = params.get('ringkasan') === '1';
  $('summary-box').hidden = !wanted;
  if (state.summary) {
    state.summary.remove();
    state.summary = null;
  }
  if (!wanted) return;
  const query = apiParams(params).toString();
  try {
    const data = await fetchJson(`${config.summaryUrl}${query ? `?${query}` : ''}`, signal);
    if (signal.aborted) return;
    renderSummaryTable($('summary-body'), $('summary-period'), data, ctx());
    state.summaryData = data;
    if (state.map) state.summary = drawSummary(state.L, state.map, data, ctx());
  } catch (error) {
    if (error.name !== 'AbortError') $('summary-period').textContent = config.strings.load_failed;
  }
}

/** The "Aksi GEBER" layer (dashboard only): clean-up actions, drawn over the sites when asked for. */
async function loadAksi(params, signal) {
  const status = $('aksi-status');
  const wanted = Boolean(config.aksiUrl) && params.get('aksi') === '1';
  const legend = $('legend-aksi');
  if (legend) legend.hidden = !wanted;
  if (state.aksi) {
    state.aksi.remove();
    state.aksi = null;
  }
  state.aksiData = null;
  if (status) status.hidden = !wanted;
  if (!wanted) {
    delete root.dataset.aksi;
    return;
  }
  root.dataset.aksi = 'loading';
  const query = apiParams(params).toString();
  try {
    const data = await fetchJson(`${config.aksiUrl}${query ? `?${query}` : ''}`, signal);
    if (signal.aborted) return;
    state.aksiData = data;
    status.textContent = aksiStatus(data, ctx());
    if (state.map) state.aksi = drawAksi(state.L, state.map, data, ctx());
    root.dataset.aksi = 'ready';
  } catch (error) {
    if (error.name === 'AbortError') return;
    root.dataset.aksi = 'error';
    status.textContent = config.strings.load_failed;
  }
}

// --- The list --------------------------------------------------------------------------------

function listRow(feature) {
  const p = feature.properties;
  const c = ctx();
  const dateLabel = state.layer === 'monev' ? c.strings.visited : (c.mode === 'public' ? c.strings.approved_at : c.strings.checked);
  const date = formatDate(p.t, c.locale) || c.strings.none;
  return el('li', { class: 'site-item', 'data-site': p.id },
    el('button', { type: 'button', class: 'linklike site-name', text: p.n, onclick: () => selectSite(feature, true) }),
    el('span', { class: 'site-place', text: [p.d, c.kinds[p.k] || p.k].filter(Boolean).join(' · ') }),
    el('span', { class: 'site-status' }, badge(siteClass(p, state.layer), state.layer, p.s, c)),
    el('span', { class: 'site-date' }, el('span', { class: 'site-date-label', text: `${dateLabel}: ` }), date));
}

function renderList(more = []) {
  const body = $('site-list-body');
  if (more.length) body.append(...more.map(listRow));
  else body.replaceChildren(...state.features.map(listRow));
  const shown = state.features.length;
  const total = state.total;
  const locale = localeTag();
  $('site-list-count').textContent = total > shown
    ? `(${fmt(config.strings.showing, { shown: shown.toLocaleString(locale), n: total.toLocaleString(locale) })})`
    : `(${fmt(config.strings.count, { n: total.toLocaleString(locale) })})`;
  const button = $('site-list-more');
  const rest = Math.min(LIST_PAGE, total - shown);
  button.hidden = rest <= 0;
  button.textContent = fmt(config.strings.more, { n: rest });
}

/** The next page of the list, from the server (it keeps the order, worst first). */
async function moreList() {
  const params = state.params;
  try {
    const data = await fetchJson(apiUrl(config.listUrl, params, { offset: state.features.length, limit: LIST_PAGE }));
    if (params !== state.params) return;
    const rows = data.sites.map(toFeature);
    state.features.push(...rows);
    state.total = data.count;
    renderList(rows);
  } catch (error) {
    setStatus(config.strings.load_failed);
  }
}

// --- The map ---------------------------------------------------------------------------------

function clusterIcon(L, group) {
  const worst = worstClass(state.layer);
  const size = group.n < 100 ? 40 : group.n < 1000 ? 48 : 56;
  const html = `<span class="cluster-count">${Number(group.n)}</span>${group.bad ? `<span class="cluster-bad">${LETTERS[worst]} ${Number(group.bad)}</span>` : ''}`;
  return L.divIcon({ html, className: 'cluster', iconSize: [size, size] });
}

function siteIcon(L, cls) {
  state.icons = state.icons || {};
  if (!state.icons[cls]) {
    // The letter is fixed text per class; nothing a user typed goes into icon HTML.
    state.icons[cls] = L.divIcon({ className: `pin pin-${cls}`, html: `<b>${LETTERS[cls]}</b>`, iconSize: [30, 30], popupAnchor: [0, -12] });
  }
  return state.icons[cls];
}

/** Zoom into a group: to its members' extent, or closer when they share one spot. */
function openGroup(group) {
  const [south, west, north, east] = group.bounds;
  if (south === north && west === east) {
    state.map.setView([group.lat, group.lon], Math.min(state.map.getZoom() + 3, SITE_ZOOM));
  } else {
    state.map.fitBounds([[south, west], [north, east]], { padding: [24, 24], maxZoom: SITE_ZOOM, animate: false });
  }
}

function drawGroups(data) {
  const { L } = state;
  state.markers.clearLayers();
  for (const group of data.clusters) {
    const marker = L.marker([group.lat, group.lon], { icon: clusterIcon(L, group), keyboard: true, title: fmt(config.strings.count, { n: group.n }) });
    marker.on('click', () => openGroup(group));
    state.markers.addLayer(marker);
  }
  for (const row of data.sites) {
    const feature = toFeature(row);
    const marker = L.marker([row.lat, row.lon], { icon: siteIcon(L, siteClass(row, state.layer)), title: row.n, keyboard: true });
    marker.on('click', () => selectSite(feature));
    state.markers.addLayer(marker);
  }
}

/** Ask the server for the groups and single sites of the visible box at this zoom. */
async function loadGroups() {
  if (!state.map || !state.params) return;
  if (state.clusterRequest) state.clusterRequest.abort();
  const controller = new AbortController();
  state.clusterRequest = controller;
  root.dataset.markers = 'loading';
  const box = state.map.getBounds().pad(0.25);
  const bbox = [box.getSouth(), box.getWest(), box.getNorth(), box.getEast()]
    .map((v, i) => Math.max(Math.min(v, i % 2 ? 180 : 90), i % 2 ? -180 : -90).toFixed(5)).join(',');
  try {
    const data = await fetchJson(apiUrl(config.clustersUrl, state.params, { z: state.map.getZoom(), bbox }), controller.signal);
    if (controller.signal.aborted) return;
    drawGroups(data);
    root.dataset.markers = 'ready';
  } catch (error) {
    if (error.name === 'AbortError') return;
    root.dataset.markers = 'error';
  }
}

function onMove() {
  clearTimeout(state.moveTimer);
  // What is drawn is for the old view until the new groups arrive.
  root.dataset.markers = 'loading';
  state.moveTimer = setTimeout(loadGroups, MOVE_DELAY_MS);
}

/** Fit the map to the sites that pass the filters (the region when there are none); the move loads the groups. */
function fitSites() {
  if (state.bounds) {
    const [south, west, north, east] = state.bounds;
    state.map.fitBounds([[south, west], [north, east]], { padding: [24, 24], maxZoom: 15, animate: false });
  } else {
    fitRegion();
  }
  onMove();
}

function fitRegion() {
  const [south, west, north, east] = config.bbox;
  state.map.fitBounds([[south, west], [north, east]], { animate: false });
}

async function fetchDetail(feature) {
  const url = config.detailUrl.replace('{id}', encodeURIComponent(feature.properties.id));
  return fetchJson(url);
}

async function selectSite(feature, fromList = false) {
  const panel = $('site-panel');
  const c = ctx();
  let popupNode = null;
  const showOnMap = state.map ? () => openPopup(feature, true) : null;
  if (state.map) popupNode = openPopup(feature, fromList);
  renderPanel(panel, feature, null, c, showOnMap);
  root.dataset.selected = feature.properties.id;
  try {
    const detail = await fetchDetail(feature);
    if (root.dataset.selected !== feature.properties.id) return;
    renderPanel(panel, feature, detail, c, showOnMap);
    if (popupNode) {
      attachDetail(popupNode, detail, c);
      if (state.popup && state.popup.isOpen()) state.popup.update();
    }
  } catch (error) {
    panel.append(el('p', { class: 'error', text: config.strings.load_failed }));
  }
}

/** Open a site's popup where it is, zooming in far enough to show it on its own. */
function openPopup(feature, zoomIn = false) {
  const node = popupContent(feature, ctx());
  const [lon, lat] = feature.geometry.coordinates;
  if (zoomIn) state.map.setView([lat, lon], Math.max(state.map.getZoom(), SITE_ZOOM), { animate: false });
  state.popup = state.L.popup({ maxWidth: 280, minWidth: 200, autoPanPadding: [16, 16] })
    .setLatLng([lat, lon]).setContent(node).openOn(state.map);
  if (zoomIn) document.querySelector('.map-stage').scrollIntoView({ behavior: 'smooth', block: 'start' });
  return node;
}

function setupMap({ L }) {
  state.L = L;
  const map = L.map('map', { preferCanvas: false, zoomControl: true, worldCopyJump: false });
  state.map = map;
  fitRegion();
  const tiles = L.tileLayer(config.tiles.url, { attribution: config.tiles.attribution, maxZoom: 19, crossOrigin: false });
  tiles.on('tileerror', () => {
    state.tileErrors += 1;
    if (state.tileErrors === TILE_ERRORS_BEFORE_NOTICE) {
      notice(config.strings.no_tiles);
      root.classList.add('no-tiles');
    }
  });
  tiles.addTo(map);
  state.markers = L.layerGroup().addTo(map);
  map.on('moveend', onMove);
  root.dataset.map = 'ready';
  if (root.dataset.state === 'ready') fitSites();
  if (state.summaryData && !$('summary-box').hidden) state.summary = drawSummary(L, map, state.summaryData, ctx());
  if (state.aksiData) state.aksi = drawAksi(L, map, state.aksiData, ctx());
}

// --- Start -----------------------------------------------------------------------------------

setupForm();
showLayerControls(root, form.elements.layer ? form.elements.layer.value : 'geber');
$('site-list-more').addEventListener('click', moreList);
loadLeaflet(config.vendor).then(setupMap).catch(() => {
  root.dataset.map = 'failed';
  root.classList.add('no-map');
  notice(config.strings.no_leaflet);
});
refresh(currentParams());
