/**
 * How a site looks on the map: its class (score band or monev status), the letter and shape
 * that say it without colour, and the colours the legend and CSS share.
 * @module map-style
 */

import { SETTINGS } from './settings.js';

/** The letter on each marker: the band or status is readable without telling colours apart. */
export const LETTERS = {
  bersih: 'B', cukup: 'C', kotor: 'K', belum: '?',
  on_track: 'S', at_risk: 'R', late: 'T',
};

/** Fill colours for vector shapes (kecamatan circles and areas); markers take theirs from map.css. */
export const COLOURS = {
  bersih: '#0b6e4f', cukup: '#c26100', kotor: '#b3261e', belum: '#5f6368',
  on_track: '#0b6e4f', at_risk: '#c26100', late: '#b3261e',
};

/** Worst first: the order of the list and the class a cluster warns about. */
const GEBER_ORDER = { kotor: 0, cukup: 1, bersih: 2, belum: 3 };
const MONEV_ORDER = { late: 0, at_risk: 1, belum: 2, on_track: 3 };

/**
 * The GEBER band of a score, by the server's bands (webapp/thresholds.py).
 * @param {number|null|undefined} score
 * @returns {'bersih'|'cukup'|'kotor'|'belum'}
 */
export function band(score) {
  if (score === null || score === undefined) return 'belum';
  const bands = SETTINGS.score_bands;
  if (score >= bands.bersih) return 'bersih';
  if (score >= bands.cukup) return 'cukup';
  return 'kotor';
}

/**
 * The class of a site's properties on a layer.
 * @param {Object} p  feature properties (s, m)
 * @param {'geber'|'monev'} layer
 * @returns {string}
 */
export function siteClass(p, layer) {
  return layer === 'monev' ? (p.m || 'belum') : band(p.s);
}

/** The worst class of a layer, shown on clusters. */
export function worstClass(layer) {
  return layer === 'monev' ? 'late' : 'kotor';
}

/**
 * Compare two features, worst first, then by score, then by name.
 * @param {'geber'|'monev'} layer
 * @returns {function(Object, Object): number}
 */
export function worstFirst(layer) {
  const order = layer === 'monev' ? MONEV_ORDER : GEBER_ORDER;
  return (a, b) => {
    const pa = a.properties;
    const pb = b.properties;
    const byClass = order[siteClass(pa, layer)] - order[siteClass(pb, layer)];
    if (byClass) return byClass;
    const byScore = (pa.s ?? 101) - (pb.s ?? 101);
    if (byScore) return byScore;
    return pa.n.localeCompare(pb.n);
  };
}

/**
 * The label of a class, from the page's translated strings.
 * @param {string} cls
 * @param {'geber'|'monev'} layer
 * @param {Object<string, string>} strings
 */
export function classLabel(cls, layer, strings) {
  if (layer === 'monev' && cls === 'belum') return strings.monev_belum;
  return strings[cls] || cls;
}
