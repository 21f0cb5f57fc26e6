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
 * Send a request body and hear how much of it has gone (XMLHttpRequest's upload progress,
 * which fetch does not give); where there is no XMLHttpRequest (a service worker), a plain
 * fetch. Resolves with a Response like fetch does; rejects when no answer came.
 * @param {string} url
 * @param {{method: string, headers: Object, body: Blob|string}} init
 * @param {number} timeoutMs
 * @param {(sentBytes: number) => void} onSent
 * @returns {Promise<Response>}
 */
export function sendWithProgress(url, init, timeoutMs, onSent) {
  if (typeof XMLHttpRequest !== 'function') {
    return fetchWithTimeout(url, { credentials: 'same-origin', cache: 'no-store', ...init }, timeoutMs);
  }
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open(init.method, url);
    xhr.responseType = 'blob';
    xhr.timeout = timeoutMs;
    for (const [name, value] of Object.entries(init.headers || {})) xhr.setRequestHeader(name, value);
    xhr.upload.onprogress = (event) => onSent(event.loaded);
    xhr.onload = () => {
      if (!xhr.status) {
        reject(new TypeError('network'));
        return;
      }
      const headers = new Headers();
      for (const line of xhr.getAllResponseHeaders().trim().split(/[\r\n]+/)) {
        const at = line.indexOf(':');
        if (at > 0) headers.append(line.slice(0, at).trim(), line.slice(at + 1).trim());
      }
      const empty = [101, 204, 205, 304].includes(xhr.status);
      resolve(new Response(empty ? null : xhr.response, { status: xhr.status, headers }));
    };
    xhr.onerror = () => reject(new TypeError('network'));
    xhr.ontimeout = () => reject(new TypeError('timeout'));
    xhr.onabort = () => reject(new TypeError('aborted'));
    xhr.send(init.body);
  });
}

/** Pantau answered the ping with its own body. */
export const ONLINE = 'online';
/** Something else answered in its place: a hotspot's login page, a redirect, a proxy's notice. */
export const PORTAL = 'portal';
/** The network is there but the server failed (a 5xx from the proxy in front of it). */
export const DOWN = 'down';
/** No answer at all. */
export const OFFLINE = 'offline';

/**
 * Ask the server whether it can be reached, and if not, why.
 * @param {number} [timeoutMs]
 * @returns {Promise<'online'|'portal'|'down'|'offline'>}
 */
export async function probe(timeoutMs = PING_TIMEOUT_MS) {
  if (globalThis.navigator && navigator.onLine === false) return OFFLINE;
  let response;
  try {
    // A portal usually redirects to its login page; followed, that would look like a plain
    // network error (a cross-origin page), so the redirect itself is the tell.
    response = await fetchWithTimeout(PING_URL, { cache: 'no-store', credentials: 'same-origin', redirect: 'manual' },
      timeoutMs);
  } catch (error) {
    return OFFLINE;
  }
  if (response.type === 'opaqueredirect' || (response.status >= 300 && response.status < 400)) return PORTAL;
  if (response.status >= 500) return DOWN;
  if (response.status !== 200) return PORTAL;
  try {
    const body = await response.json();
    if (body !== null && typeof body === 'object' && body.app === 'pantau' && body.ok === true) return ONLINE;
  } catch (error) {
    // Not JSON: someone else's page.
  }
  return PORTAL;
}

/**
 * True when the Pantau server answered the ping with its own body ({app: "pantau", ok: true}).
 * A 200 with anything else (a hotspot login page, a proxy's notice) is not the server.
 * @returns {Promise<boolean>}
 */
export async function ping() {
  return (await probe()) === ONLINE;
}
