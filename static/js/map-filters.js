/**
 * The filter form and the URL: the form's state lives in the query string, so a view can be
 * shared by copying the address.
 * @module map-filters
 */

/** Parameters that change the page only, not the data the API answers. */
const PAGE_ONLY = new Set(['ringkasan', 'aksi', 'lang']);

/**
 * The form's non-empty values as query parameters.
 * @param {HTMLFormElement} form
 * @returns {URLSearchParams}
 */
export function formParams(form) {
  const params = new URLSearchParams();
  for (const [key, value] of new FormData(form)) {
    if (value !== '' && !(key === 'layer' && value === 'geber')) params.append(key, value);
  }
  return params;
}

/**
 * The parameters the API needs (page-only and empty ones removed: the API refuses an empty value).
 * @param {URLSearchParams} params
 * @returns {URLSearchParams}
 */
export function apiParams(params) {
  const out = new URLSearchParams();
  for (const [key, value] of params) if (!PAGE_ONLY.has(key) && value !== '') out.append(key, value);
  return out;
}

/**
 * Put the filters in the address bar without a reload or a new history entry per click.
 * @param {URLSearchParams} params
 */
export function writeUrl(params) {
  const query = params.toString();
  const url = query ? `${window.location.pathname}?${query}` : window.location.pathname;
  window.history.replaceState(null, '', url);
}

/**
 * Offer only the desa of the chosen kecamatan; drop a desa choice that no longer fits.
 * @param {HTMLFormElement} form
 */
export function syncDesaOptions(form) {
  const kecamatan = form.elements.kecamatan ? form.elements.kecamatan.value : '';
  const desa = form.elements.desa;
  if (!desa) return;
  for (const option of desa.options) {
    if (!option.value) continue;
    const fits = !kecamatan || option.dataset.kecamatan === kecamatan;
    option.hidden = !fits;
    option.disabled = !fits;
  }
  if (desa.selectedOptions[0] && desa.selectedOptions[0].disabled) desa.value = '';
}

/**
 * Show the controls of the chosen layer only (score band for GEBER, status for monev).
 * @param {HTMLElement} root
 * @param {'geber'|'monev'} layer
 */
export function showLayerControls(root, layer) {
  for (const node of root.querySelectorAll('[data-layer]')) {
    const mine = node.dataset.layer === layer;
    node.hidden = !mine;
    for (const input of node.querySelectorAll('select, input')) input.disabled = !mine;
  }
}

/**
 * How many filters narrow the data (for the collapsed filter box's label).
 * @param {URLSearchParams} params
 * @returns {number}
 */
export function activeCount(params) {
  let n = 0;
  for (const key of apiParams(params).keys()) if (key !== 'layer') n += 1;
  return n;
}
