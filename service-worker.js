/*
 * Pantau service worker (scope /).
 *
 * Served by webapp/pwa/views.py with two constants prepended, computed from the content of the
 * shell files: VERSION (a hash of the asset manifest) and PRECACHE_URLS; and SEND_OUTBOX, the
 * sync engine (`runSync` of static/js/sync.js) in the module worker that browsers with
 * Background Sync get, or null in the classic worker. A deploy that changes
 * any shell file therefore changes this script's bytes; nothing here is bumped by hand.
 *
 * Caches: pantau-static-<VERSION> (the shell, precached), pantau-tiles (map tiles, capped),
 * pantau-data (the last bootstrap answer, the offline fallback of GET /api/v1/bootstrap).
 * The outbox, drafts and reference data live in IndexedDB, never here.
 */
/* global VERSION, PRECACHE_URLS, SEND_OUTBOX */

const STATIC_CACHE = `pantau-static-${VERSION}`;
const TILE_CACHE = 'pantau-tiles';
const DATA_CACHE = 'pantau-data';
const EXPECTED_CACHES = new Set([STATIC_CACHE, TILE_CACHE, DATA_CACHE]);
const SHELL_URL = '/lapangan/shell';
const OFFLINE_URL = '/offline';
const BOOTSTRAP_PATH = '/api/v1/bootstrap';
/** How long a navigation waits for the network before the cached page is shown. */
const NAVIGATION_TIMEOUT_MS = 4000;
/** Tiles kept at most; the oldest go first (a cheap phone has little storage to spare). */
const TILE_LIMIT = 1500;
const TILE_PATH = /\/\d+\/\d+\/\d+(@2x)?\.(png|jpg|jpeg|webp)$/;
const SYNC_TAG = 'pantau-sync';
/** How long a sync event waits for an open page to finish its run. */
const SYNC_WAIT_MS = 120000;

self.addEventListener('install', (event) => {
  // Every URL must arrive fresh and whole; one failure fails the install, so the old worker
  // (and its complete cache) stays in charge.
  event.waitUntil(precache());
});

async function precache() {
  const cache = await caches.open(STATIC_CACHE);
  await Promise.all(PRECACHE_URLS.map(async (url) => {
    const response = await fetch(new Request(url, { cache: 'reload', credentials: 'same-origin' }));
    if (!response.ok || response.redirected) {
      throw new Error(`precache failed: ${url} (${response.status})`);
    }
    await cache.put(url, response);
  }));
}

self.addEventListener('activate', (event) => {
  event.waitUntil((async () => {
    const names = await caches.keys();
    // Only our own caches, and only those this version no longer uses.
    await Promise.all(names
      .filter((name) => name.startsWith('pantau-') && !EXPECTED_CACHES.has(name))
      .map((name) => caches.delete(name)));
    await self.clients.claim();
  })());
});

self.addEventListener('message', (event) => {
  const data = event.data || {};
  if (data.type === 'SKIP_WAITING') {
    // Only ever on the monitor's request ("Versi baru tersedia — muat ulang").
    self.skipWaiting();
  } else if (data.type === 'GET_VERSION' && event.ports[0]) {
    event.ports[0].postMessage({ version: VERSION });
  } else if (data.type === 'REFRESH_SHELL' && event.ports[0]) {
    // The user changed their language: the cached page must follow before the next open.
    const port = event.ports[0];
    event.waitUntil(refreshShell().then((r) => port.postMessage({ ok: r.ok }), () => port.postMessage({ ok: false })));
  }
});

self.addEventListener('fetch', (event) => {
  const { request } = event;
  if (request.method !== 'GET') return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) {
    if (request.destination === 'image' && TILE_PATH.test(url.pathname)) {
      event.respondWith(tile(event));
    }
    return;
  }
  if (request.mode === 'navigate' && (url.pathname === '/lapangan' || url.pathname === SHELL_URL)) {
    event.respondWith(fieldShell(event));
  } else if (request.mode === 'navigate') {
    event.respondWith(navigation(event));
  } else if (url.pathname === BOOTSTRAP_PATH) {
    event.respondWith(bootstrap(request));
  } else if (url.pathname.startsWith('/api/')) {
    // Never cached: submissions, session, ping and the rest always go to the server.
  } else if (url.pathname.startsWith('/static/') || url.pathname === '/manifest.webmanifest') {
    event.respondWith(cacheFirst(request));
  }
});

/**
 * The field app's page holds no user data: it opens from the cache at once, and the copy is
 * refreshed in the background for the next open (stale-while-revalidate).
 */
async function fieldShell(event) {
  const cache = await caches.open(STATIC_CACHE);
  const cached = await cache.match(SHELL_URL);
  const refresh = refreshShell(cache);
  if (cached) {
    event.waitUntil(refresh.catch(() => undefined));
    return cached;
  }
  return fetch(event.request);
}

/** Fetch the shell again (in the signed-in user's language) and keep it when it is the real page. */
async function refreshShell(cache) {
  const response = await fetch(new Request(SHELL_URL, { cache: 'no-cache', credentials: 'same-origin' }));
  const type = response.headers.get('Content-Type') || '';
  if (response.ok && !response.redirected && type.startsWith('text/html')) {
    await (cache || await caches.open(STATIC_CACHE)).put(SHELL_URL, response.clone());
  }
  return response;
}

/** Network first with a short timeout; the cached shell (or offline page) when it fails. */
async function navigation(event) {
  const url = new URL(event.request.url);
  const fallbackUrl = url.pathname === '/lapangan' || url.pathname.startsWith('/lapangan/')
    ? SHELL_URL : OFFLINE_URL;
  const network = fetch(event.request);
  event.waitUntil(network.then(() => undefined, () => undefined));
  let timer;
  const timeout = new Promise((resolve) => { timer = setTimeout(() => resolve(null), NAVIGATION_TIMEOUT_MS); });
  try {
    const response = await Promise.race([network, timeout]);
    // The app's own error page says what went wrong; only a gateway that cannot reach the app
    // (502/503/504: a proxy in front of a server that is down) counts as "no connection".
    if (response && ![502, 503, 504].includes(response.status)) return response;
  } catch (error) {
    // Offline or the server unreachable: fall through to the cache.
  } finally {
    clearTimeout(timer);
  }
  const cached = await caches.match(fallbackUrl, { cacheName: STATIC_CACHE });
  if (cached) return cached;
  return network;
}

/** Static files: from the versioned cache; a miss is fetched and kept. */
async function cacheFirst(request) {
  const cache = await caches.open(STATIC_CACHE);
  const cached = await cache.match(request, { ignoreSearch: true });
  if (cached) return cached;
  const response = await fetch(request);
  if (response.ok && response.type === 'basic') await cache.put(request, response.clone());
  return response;
}

/** The bootstrap: the network when it answers, the last good answer when it does not. */
async function bootstrap(request) {
  const cache = await caches.open(DATA_CACHE);
  try {
    const response = await fetch(request);
    const type = response.headers.get('Content-Type') || '';
    if (response.status === 200 && type.includes('application/json')) {
      // Only the API's own answer is kept: a captive portal's page must never be replayed.
      await cache.put(BOOTSTRAP_PATH, response.clone());
    } else if (response.status === 401) {
      // A logged-out phone must not keep serving the previous user's reference data.
      await cache.delete(BOOTSTRAP_PATH);
    }
    return response;
  } catch (error) {
    const cached = await cache.match(BOOTSTRAP_PATH);
    if (cached) return cached;
    throw error;
  }
}

/** Map tiles: stale-while-revalidate, at most TILE_LIMIT of them. */
async function tile(event) {
  const cache = await caches.open(TILE_CACHE);
  const cached = await cache.match(event.request);
  const refresh = fetch(event.request).then(async (response) => {
    if (response.ok || response.type === 'opaque') {
      await cache.put(event.request, response.clone());
      await trimTiles(cache);
    }
    return response;
  });
  if (cached) {
    event.waitUntil(refresh.catch(() => undefined));
    return cached;
  }
  return refresh;
}

async function trimTiles(cache) {
  const keys = await cache.keys();
  // Cache keys come back in insertion order: the first are the oldest.
  await Promise.all(keys.slice(0, Math.max(0, keys.length - TILE_LIMIT)).map((key) => cache.delete(key)));
}

self.addEventListener('sync', (event) => {
  if (event.tag === SYNC_TAG) event.waitUntil(backgroundSync(true));
});

self.addEventListener('periodicsync', (event) => {
  if (event.tag === SYNC_TAG) event.waitUntil(backgroundSync(false));
});

/**
 * Background Sync: an open page runs the sync itself (it shows the progress), so the worker
 * asks it and waits for the outcome. With no page open the module worker sends the outbox on
 * its own with the page's sync engine (the same lock keeps a page that opens meanwhile from
 * sending the same items at once). A failed run rejects, and the browser retries the sync
 * event later; a periodic sync just waits for its next turn.
 */
async function backgroundSync(retryOnFailure) {
  const windows = await self.clients.matchAll({ type: 'window', includeUncontrolled: true });
  if (windows.length) {
    const answers = await Promise.all(windows.map((client) => requestSync(client)));
    if (retryOnFailure && !answers.some((answer) => answer && answer.ok)) throw new Error('sync did not complete');
    return;
  }
  // The classic worker cannot load the sync engine: the app sends when it is next opened.
  if (!SEND_OUTBOX) return;
  const report = await SEND_OUTBOX();
  // 'auth': only the monitor can fix it, in the app; retrying without a login would not help.
  if (retryOnFailure && !['ok', 'busy', 'auth'].includes(report.status)) {
    throw new Error(`sync did not complete: ${report.reason || report.status}`);
  }
}

function requestSync(client) {
  return new Promise((resolve) => {
    const channel = new MessageChannel();
    const timer = setTimeout(() => resolve(null), SYNC_WAIT_MS);
    channel.port1.onmessage = (message) => {
      clearTimeout(timer);
      resolve(message.data);
    };
    client.postMessage({ type: 'SYNC' }, [channel.port2]);
  });
}
