/**
 * The map page: filters in the URL, sites from the map API as clustered markers and as a list,
 * a popup and a side panel per site, and the kecamatan summary. The list and the summary table
 * work without the map (no tiles, no Leaflet): they are the accessible view of the same data.
 * @module map
 */
import { aksiStatus, drawAksi } from './map-aksi.js';
import { el, fmt, formatDate } from './map-dom.js';
import { activeCount, apiParams, formParams, showLayerControls, syncDesaOptions, writeUrl } from './map-filters.js';
import { loadLeaflet } from './map-loader.js';
import { attachDetail, badge, popupContent, renderPanel } from './map-panel.js';
import { LETTERS, siteClass, worstClass, worstFirst } from './map-style.js';
import { drawSummary, renderSummaryTable } from './map-summary.js';

const LIST_PAGE = 100;
const TILE_ERRORS_BEFORE_NOTICE = 3;

const root = document.getElementById('map-app');
const config = JSON.parse(root.dataset.config);
const form = document.getElementById('map-filters');
const $ = (id) => document.getElementById(id);

const state = {
  layer: 'geber',
  features: [],
  shown: 0,
  L: null,
  map: null,
  cluster: null,
  markers: new Map(),
  summary: null,
  aksi: null,
  aksiData: null,
  request: null,
  tileErrors: 0,
};

function ctx() {
  return {
    strings: config.strings, kinds: config.kinds, mode: config.mode, layer: state.layer,
    locale: document.documentElement.lang === 'en' ? 'en' : 'id',
  };
}

function setStatus(text, ...extra) {
  $('map-status').replaceChildren(text, ...extra);
}

function notice(text) {
  const node = $('map-notice');
  node.textContent = text;
  node.hidden = false;
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
  state.layer = config.mode === 'public' ? 'geber' : (params.get('layer') || 'geber');
  root.dataset.layer = state.layer;
  root.dataset.state = 'loading';
  setStatus(config.strings.loading);
  const query = apiParams(params).toString();
  try {
    const data = await fetchJson(`${config.sitesUrl}${query ? `?${query}` : ''}`, controller.signal);
    if (controller.signal.aborted) return;
    state.features = data.features.sort(worstFirst(state.layer));
    renderList();
    drawMarkers(true);
    const n = state.features.length;
    setStatus(n ? fmt(config.strings.count, { n: n.toLocaleString(ctx().locale === 'en' ? 'en-GB' : 'id-ID') }) : config.strings.empty);
    if (config.mode === 'public' && data.meta) showDataDate(data.meta.latest);
    root.dataset.state = 'ready';
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

function renderList(more = false) {
  const body = $('site-list-body');
  const start = more ? state.shown : 0;
  const end = Math.min(state.features.length, start + LIST_PAGE);
  const rows = state.features.slice(start, end).map(listRow);
  if (more) body.append(...rows);
  else body.replaceChildren(...rows);
  state.shown = end;
  const total = state.features.length;
  const locale = ctx().locale === 'en' ? 'en-GB' : 'id-ID';
  $('site-list-count').textContent = total > state.shown
    ? `(${fmt(config.strings.showing, { shown: state.shown.toLocaleString(locale), n: total.toLocaleString(locale) })})`
    : `(${fmt(config.strings.count, { n: total.toLocaleString(locale) })})`;
  const button = $('site-list-more');
  const rest = Math.min(LIST_PAGE, total - state.shown);
  button.hidden = rest <= 0;
  button.textContent = fmt(config.strings.more, { n: rest });
}

// --- The map ---------------------------------------------------------------------------------

function clusterIcon(L, cluster) {
  const worst = worstClass(state.layer);
  let bad = 0;
  for (const marker of cluster.getAllChildMarkers()) if (marker.siteClass === worst) bad += 1;
  const count = cluster.getChildCount();
  const size = count < 100 ? 40 : count < 1000 ? 48 : 56;
  const html = `<span class="cluster-count">${count}</span>${bad ? `<span class="cluster-bad">${LETTERS[worst]} ${bad}</span>` : ''}`;
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

function drawMarkers(fit) {
  if (!state.map) return;
  const { L } = state;
  state.cluster.clearLayers();
  state.markers.clear();
  const markers = state.features.map((feature) => {
    const [lon, lat] = feature.geometry.coordinates;
    const cls = siteClass(feature.properties, state.layer);
    const marker = L.marker([lat, lon], { icon: siteIcon(L, cls), title: feature.properties.n, keyboard: true });
    marker.feature = feature;
    marker.siteClass = cls;
    state.markers.set(feature.properties.id, marker);
    return marker;
  });
  root.dataset.markers = 'loading';
  state.markersReady = new Promise((resolve) => { state.resolveMarkers = resolve; });
  state.cluster.addLayers(markers);
  if (fit && markers.length) {
    state.map.fitBounds(state.cluster.getBounds(), { padding: [24, 24], maxZoom: 15, animate: false });
  } else if (fit) {
    fitRegion();
  }
}

/** Markercluster adds large sets in chunks; a site can be shown once its chunk is in. */
function onChunk(processed, total) {
  if (processed >= total) {
    root.dataset.markers = 'ready';
    if (state.resolveMarkers) state.resolveMarkers();
  }
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
  if (state.map && state.markersReady) await state.markersReady;
  const marker = state.markers.get(feature.properties.id);
  let popupNode = null;
  const showOnMap = state.map && marker ? () => openPopup(marker, true) : null;
  if (state.map && marker) popupNode = openPopup(marker, fromList);
  renderPanel(panel, feature, null, c, showOnMap);
  root.dataset.selected = feature.properties.id;
  try {
    const detail = await fetchDetail(feature);
    if (root.dataset.selected !== feature.properties.id) return;
    renderPanel(panel, feature, detail, c, showOnMap);
    if (popupNode) {
      // The popup may still be waiting for the zoom to reach its marker: fill it all the same.
      attachDetail(popupNode, detail, c);
      if (state.popup && state.popup.isOpen()) state.popup.update();
    }
  } catch (error) {
    panel.append(el('p', { class: 'error', text: config.strings.load_failed }));
  }
}

function openPopup(marker, scroll = false) {
  const node = popupContent(marker.feature, ctx());
  const show = () => {
    state.popup = state.L.popup({ maxWidth: 280, minWidth: 200, autoPanPadding: [16, 16] })
      .setLatLng(marker.getLatLng()).setContent(node).openOn(state.map);
  };
  state.cluster.zoomToShowLayer(marker, show);
  if (scroll) document.querySelector('.map-stage').scrollIntoView({ behavior: 'smooth', block: 'start' });
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
  state.cluster = L.markerClusterGroup({
    chunkedLoading: true, chunkProgress: onChunk, showCoverageOnHover: false, maxClusterRadius: 60,
    spiderfyOnMaxZoom: true,
    iconCreateFunction: (cluster) => clusterIcon(L, cluster),
  });
  state.cluster.on('click', (event) => selectSite(event.layer.feature));
  state.cluster.on('keypress', (event) => {
    if (event.originalEvent && event.originalEvent.key === 'Enter') selectSite(event.layer.feature);
  });
  map.addLayer(state.cluster);
  root.dataset.map = 'ready';
  if (state.features.length) drawMarkers(true);
  if (state.summaryData && !$('summary-box').hidden) state.summary = drawSummary(L, map, state.summaryData, ctx());
  if (state.aksiData) state.aksi = drawAksi(L, map, state.aksiData, ctx());
}

// --- Start -----------------------------------------------------------------------------------

setupForm();
showLayerControls(root, form.elements.layer ? form.elements.layer.value : 'geber');
$('site-list-more').addEventListener('click', () => renderList(true));
loadLeaflet(config.vendor).then(setupMap).catch(() => {
  root.dataset.map = 'failed';
  root.classList.add('no-map');
  notice(config.strings.no_leaflet);
});
refresh(currentParams());
