/**
 * The page's side of the service worker: registration, the update that waits for the
 * monitor's consent, Background Sync, and the storage checks (persistence, free space).
 * No DOM: the caller draws what these report.
 * @module sw-client
 */

export const SYNC_TAG = 'pantau-sync';
/** The least interval asked of Periodic Background Sync (the browser decides the real one). */
const PERIODIC_SYNC_MS = 6 * 60 * 60 * 1000;
const MB = 1024 * 1024;
/** Warn below this much free space, or below this share of the quota. */
export const LOW_STORAGE_BYTES = 50 * MB;
export const LOW_STORAGE_SHARE = 0.1;

let registration = null;
let updateRequested = false;

/** Browsers with Background Sync (Chromium) get the module worker that can send on its own. */
export function canSendInBackground() {
  return typeof ServiceWorkerRegistration === 'function' && 'sync' in ServiceWorkerRegistration.prototype;
}

/**
 * Register the service worker (scope /): the module worker that sends the outbox with no page
 * open where the browser has Background Sync, the classic one otherwise.
 * @param {{onUpdateReady: (worker: ServiceWorker) => void,
 *   onSyncRequest: () => Promise<{status: string}>, onBackgroundSync: (supported: boolean) => void}} handlers
 *   onUpdateReady: a new version is installed and waits; onSyncRequest: the worker's Background
 *   Sync event asks this page to run a sync; onBackgroundSync: whether the outbox can be sent
 *   with the app closed (if not, the monitor is told to keep it open while sending)
 */
export async function registerWorker({ onUpdateReady, onSyncRequest, onBackgroundSync = () => {} }) {
  if (!('serviceWorker' in navigator)) {
    onBackgroundSync(false);
    return null;
  }
  navigator.serviceWorker.addEventListener('controllerchange', () => {
    // Only the update the monitor asked for reloads the page (the first install also fires this).
    if (updateRequested) location.reload();
  });
  navigator.serviceWorker.addEventListener('message', (event) => {
    if (!event.data || event.data.type !== 'SYNC') return;
    const port = event.ports[0];
    onSyncRequest().then((report) => {
      if (port) port.postMessage({ ok: report.status === 'ok' || report.status === 'busy', status: report.status });
    });
  });
  let sends = canSendInBackground();
  try {
    registration = sends
      ? await navigator.serviceWorker.register('/service-worker.js?send=1', { scope: '/', type: 'module', updateViaCache: 'none' })
      : await navigator.serviceWorker.register('/service-worker.js', { scope: '/', updateViaCache: 'none' });
  } catch (error) {
    if (!sends) {
      console.error('service worker registration failed', error);
      onBackgroundSync(false);
      return null;
    }
    // A browser with Background Sync but no module workers: the classic worker, sending from the page.
    sends = false;
    try {
      registration = await navigator.serviceWorker.register('/service-worker.js', { scope: '/', updateViaCache: 'none' });
    } catch (again) {
      console.error('service worker registration failed', again);
      onBackgroundSync(false);
      return null;
    }
  }
  onBackgroundSync(sends);
  registerPeriodicSync();
  const offer = (worker) => {
    // With no controller this is the first install, not an update.
    if (navigator.serviceWorker.controller) onUpdateReady(worker);
  };
  // Some embedded browsers resolve register() without a registration.
  if (!registration) return null;
  if (registration.waiting) offer(registration.waiting);
  registration.addEventListener('updatefound', () => {
    const worker = registration.installing;
    if (!worker) return;
    worker.addEventListener('statechange', () => {
      if (worker.state === 'installed') offer(worker);
    });
  });
  return registration;
}

/**
 * The monitor said yes: the waiting worker takes over and the page reloads once it has.
 * @param {ServiceWorker} worker
 */
export function applyUpdate(worker) {
  updateRequested = true;
  worker.postMessage({ type: 'SKIP_WAITING' });
}

/** Look for a new version of the worker (after a sync reached the server). */
export function checkForUpdate() {
  if (registration) registration.update().catch(() => undefined);
}

/** Ask for a Background Sync, where the browser has it; harmless where it has not. */
export async function registerBackgroundSync() {
  if (!registration || !('sync' in registration)) return;
  try {
    await registration.sync.register(SYNC_TAG);
  } catch (error) {
    // Refused (permission or policy): the app still syncs whenever it is open.
  }
}

/** Where the browser allows it (an installed app), a periodic chance to send with the app closed. */
async function registerPeriodicSync() {
  if (!registration || !('periodicSync' in registration)) return;
  try {
    const status = await navigator.permissions.query({ name: 'periodic-background-sync' });
    if (status.state === 'granted') await registration.periodicSync.register(SYNC_TAG, { minInterval: PERIODIC_SYNC_MS });
  } catch (error) {
    // Not granted or not known: Background Sync and the open app still send.
  }
}

/**
 * Ask for persistent storage and measure what is left.
 * @returns {Promise<{persisted: boolean|null, lowFree: number|null}>} persisted: false when the
 *   browser refused, null when it could not be asked; lowFree: free bytes when low
 */
export async function checkStorage() {
  const result = { persisted: null, lowFree: null };
  if (!navigator.storage) return result;
  try {
    if (navigator.storage.persisted) {
      // false only when the browser was asked and refused; null when it could not be asked.
      if (await navigator.storage.persisted()) result.persisted = true;
      else if (navigator.storage.persist) result.persisted = await navigator.storage.persist();
    }
    if (navigator.storage.estimate) {
      const { usage = 0, quota = 0 } = await navigator.storage.estimate();
      const free = quota - usage;
      if (quota && (free < LOW_STORAGE_BYTES || free / quota < LOW_STORAGE_SHARE)) result.lowFree = free;
    }
  } catch (error) {
    console.error('storage check failed', error);
  }
  return result;
}

/**
 * Ask the worker to fetch the field app's page again into its cache (after a language change).
 * @returns {Promise<boolean>} true once the fresh page is cached
 */
export function refreshShell() {
  const worker = navigator.serviceWorker && navigator.serviceWorker.controller;
  if (!worker) return Promise.resolve(false);
  return new Promise((resolve) => {
    const channel = new MessageChannel();
    const timer = setTimeout(() => resolve(false), 10000);
    channel.port1.onmessage = (message) => {
      clearTimeout(timer);
      resolve(Boolean(message.data && message.data.ok));
    };
    worker.postMessage({ type: 'REFRESH_SHELL' }, [channel.port2]);
  });
}
