/**
 * GPS: a fix with its accuracy. A poor fix (less accurate than the server's limit, FLAG_ACCURACY_M)
 * is flagged, never refused; the monitor can retry. No DOM.
 * @module geo
 */

import { SETTINGS } from './settings.js';

/** Fixes less accurate than this many metres are flagged: the server's limit. */
export function poorAccuracyM() {
  return SETTINGS.poor_accuracy_m;
}
const TIMEOUT_MS = 25000;

/**
 * @typedef {Object} Fix
 * @property {number} lat
 * @property {number} lon
 * @property {number|null} accuracy_m
 * @property {number} at  time of the fix (ms)
 */

/** Why a fix could not be had: denied | unavailable | timeout | unsupported. */
export class GeoError extends Error {
  constructor(code) {
    super(code);
    this.code = code;
  }
}

const CODES = { 1: 'denied', 2: 'unavailable', 3: 'timeout' };

/**
 * Ask the device for a fresh position.
 * @param {{timeoutMs?: number}} [options]
 * @returns {Promise<Fix>}
 */
export function capture({ timeoutMs = TIMEOUT_MS } = {}) {
  return new Promise((resolve, reject) => {
    if (!globalThis.navigator || !navigator.geolocation) {
      reject(new GeoError('unsupported'));
      return;
    }
    navigator.geolocation.getCurrentPosition(
      (position) => {
        const { latitude, longitude, accuracy } = position.coords;
        resolve({
          lat: Math.round(latitude * 1e7) / 1e7,
          lon: Math.round(longitude * 1e7) / 1e7,
          accuracy_m: Number.isFinite(accuracy) ? Math.round(accuracy * 10) / 10 : null,
          at: position.timestamp || Date.now(),
        });
      },
      (error) => reject(new GeoError(CODES[error.code] || 'unavailable')),
      { enableHighAccuracy: true, timeout: timeoutMs, maximumAge: 0 },
    );
  });
}

/**
 * True when the fix is missing an accuracy or is worse than poorAccuracyM().
 * @param {Fix|null} fix
 */
export function isPoor(fix) {
  return !fix || fix.accuracy_m === null || fix.accuracy_m === undefined || fix.accuracy_m > poorAccuracyM();
}

/**
 * Great-circle distance in metres.
 * @param {{lat: number, lon: number}} a
 * @param {{lat: number, lon: number}} b
 */
export function distanceM(a, b) {
  const rad = Math.PI / 180;
  const dLat = (b.lat - a.lat) * rad;
  const dLon = (b.lon - a.lon) * rad;
  const s = Math.sin(dLat / 2) ** 2 + Math.cos(a.lat * rad) * Math.cos(b.lat * rad) * Math.sin(dLon / 2) ** 2;
  return 2 * 6371000 * Math.asin(Math.min(1, Math.sqrt(s)));
}

/**
 * True when the point lies in the region's box (south, west, north, east), as the server checks.
 * @param {number[]|null} bbox
 * @param {number} lat
 * @param {number} lon
 */
export function inBbox(bbox, lat, lon) {
  if (!Array.isArray(bbox) || bbox.length !== 4) return true;
  const [south, west, north, east] = bbox;
  return lat >= south && lat <= north && lon >= west && lon <= east;
}
