/*
 * Pantau kill switch: served at /service-worker.js when PWA_KILL_SWITCH is set.
 * It replaces a broken worker, deletes only Pantau's caches (pantau-*), and unregisters itself,
 * so pages load straight from the network again. IndexedDB (drafts, outbox) is left untouched:
 * queued submissions are never thrown away by a cache reset.
 */
self.addEventListener('install', () => self.skipWaiting());

self.addEventListener('activate', (event) => {
  event.waitUntil((async () => {
    const names = await caches.keys();
    await Promise.all(names.filter((name) => name.startsWith('pantau-')).map((name) => caches.delete(name)));
    await self.registration.unregister();
    const windows = await self.clients.matchAll({ type: 'window' });
    windows.forEach((client) => client.navigate(client.url));
  })());
});
