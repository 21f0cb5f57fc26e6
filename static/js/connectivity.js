/**
 * Reachability, judged by asking the server. `navigator.onLine` only says a network interface
 * is up; a phone on a captive portal or a dead mobile link is "online" and still cannot sync.
 * No DOM.
 * @module connectivity
 */

export const PING_URL = '/api/v1/ping';
export const PING_TIMEOUT_MS = 8000;

/**
 * Fetch with a deadline.
 * @param {RequestInfo} input
 * @param {RequestInit} [init]
 * @param {number} [timeoutMs]
 */
export async function fetchWithTimeout(input, init = {}, timeoutMs = PING_TIMEOUT_MS) {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), timeoutMs);
  try {
    return await fetch(input, { ...init, signal: controller.signal });
  } finally {
    clearTimeout(timer);
  }
}

/**
 * True when the Pantau server answered the ping with its own body ({app: "pantau", ok: true}).
 * A 200 with anything else (a hotspot login page, a proxy's notice) is not the server.
 * @returns {Promise<boolean>}
 */
export async function ping() {
  if (globalThis.navigator && navigator.onLine === false) return false;
  try {
    const response = await fetchWithTimeout(PING_URL, { cache: 'no-store', credentials: 'same-origin' });
    if (response.status !== 200) return false;
    const body = await response.json();
    return body !== null && typeof body === 'object' && body.app === 'pantau' && body.ok === true;
  } catch (error) {
    return false;
  }
}
