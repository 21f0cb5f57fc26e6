/**
 * The rules' numbers and the time zone as the server defines them (webapp/thresholds.py): the
 * GEBER score bands, the GPS accuracy above which a fix is flagged, the zone times are shown in.
 * Read from the page (`<meta name="pantau-settings">`) and replaced by the `settings` of each
 * bootstrap answer; no module keeps a copy of a server value. No DOM besides reading that tag.
 * @module settings
 */

/**
 * @typedef {Object} Settings
 * @property {string} time_zone  IANA name, e.g. "Asia/Jakarta"
 * @property {string} time_zone_label  e.g. "WIB"
 * @property {{bersih: number, cukup: number}} score_bands  lowest score of each band
 * @property {number} poor_accuracy_m  a fix less accurate than this is flagged
 * @property {Object<string, string>} review_labels  review state → its label (Indonesian)
 */

function fromPage() {
  const meta = globalThis.document && document.querySelector('meta[name="pantau-settings"]');
  const raw = meta && meta.getAttribute('content');
  if (!raw) return {};
  try {
    return JSON.parse(raw);
  } catch (error) {
    return {};
  }
}

/** @type {Settings} */
export const SETTINGS = fromPage();

/**
 * Take the settings of a bootstrap answer (the page may come from an older cached shell).
 * @param {Settings|null|undefined} settings
 */
export function applySettings(settings) {
  if (settings && typeof settings === 'object') Object.assign(SETTINGS, settings);
}
