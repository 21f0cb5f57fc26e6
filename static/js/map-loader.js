/**
 * Loads Leaflet from the CDN with Subresource Integrity, falling back to the copy the app serves
 * when the CDN fails, is blocked, or does not answer in time. (Sites are grouped by the server,
 * so no clustering plugin is loaded.)
 * @module map-loader
 */

/** How long the CDN gets before the local copy is used (no internet often means no answer at all). */
const CDN_TIMEOUT_MS = 5000;

/**
 * Insert a <link rel=stylesheet> or <script>; resolves on load, rejects on error.
 * @param {'link'|'script'} kind
 * @param {string} url
 * @param {string|null} integrity  SRI hash; the CDN copy only
 * @returns {{element: HTMLElement, loaded: Promise<void>}}
 */
function insert(kind, url, integrity) {
  const element = document.createElement(kind);
  if (kind === 'link') {
    element.rel = 'stylesheet';
    element.href = url;
  } else {
    element.src = url;
    element.async = false;
  }
  if (integrity) {
    element.integrity = integrity;
    element.crossOrigin = 'anonymous';
  }
  const loaded = new Promise((resolve, reject) => {
    element.addEventListener('load', () => resolve(), { once: true });
    element.addEventListener('error', () => reject(new Error(`failed to load ${url}`)), { once: true });
  });
  document.head.append(element);
  return { element, loaded };
}

function timeout(ms) {
  return new Promise((resolve, reject) => setTimeout(() => reject(new Error('timeout')), ms));
}

/**
 * Load one vendor file: CDN first, local copy on failure or timeout.
 * @param {'link'|'script'} kind
 * @param {{cdn: string, local: string, integrity: string}} entry
 * @returns {Promise<'cdn'|'local'>} where the file came from
 */
async function loadOne(kind, entry) {
  const cdn = insert(kind, entry.cdn, entry.integrity);
  try {
    await Promise.race([cdn.loaded, timeout(CDN_TIMEOUT_MS)]);
    return 'cdn';
  } catch (err) {
    if (kind === 'script') {
      // A CDN copy that turns up after the fallback must not replace the Leaflet we extended.
      cdn.element.addEventListener('load', () => {
        if (window.__pantauLeaflet) window.L = window.__pantauLeaflet;
      });
    }
    await insert(kind, entry.local, null).loaded;
    return 'local';
  }
}

/**
 * Load Leaflet and its stylesheet.
 * @param {Object<string, {cdn: string, local: string, integrity: string}>} vendor  from the page config
 * @returns {Promise<{L: Object, sources: Object<string, string>}>}
 */
export async function loadLeaflet(vendor) {
  const styles = loadOne('link', vendor.leaflet_css).catch(() => 'failed');
  const sources = {};
  sources.leaflet = window.L && window.L.version ? 'present' : await loadOne('script', vendor.leaflet_js);
  window.__pantauLeaflet = window.L;
  sources.css = await styles;
  if (!window.L || !window.L.map) throw new Error('Leaflet did not load');
  document.documentElement.dataset.leafletSource = sources.leaflet;
  return { L: window.L, sources };
}
