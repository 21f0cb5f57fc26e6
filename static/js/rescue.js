/**
 * "Ekspor antrean": the whole outbox, answers and photos, in one JSON file the monitor can hand
 * over when the phone cannot sync. An admin imports it with
 * `flask --app webapp import-outbox FILE.json --user USERNAME`, which runs every item through
 * the sync API's own validation and idempotency (importing twice changes nothing).
 * @module rescue
 */
import * as outbox from './outbox.js';
import * as store from './store.js';

export const FORMAT = 'pantau-outbox';
export const FORMAT_VERSION = 1;

function base64(blob) {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve(String(reader.result).split(',', 2)[1] || '');
    reader.onerror = () => reject(reader.error);
    reader.readAsDataURL(blob);
  });
}

/**
 * The export document: every outbox item with its photos in base64.
 * @param {{id: number, username: string}|null} user
 * @returns {Promise<Object>}
 */
export async function buildExport(user) {
  const items = await outbox.list();
  const exported = [];
  for (const item of items) {
    const photos = [];
    for (const declared of item.payload.attachments || []) {
      const photo = await store.getPhoto(declared.uuid);
      photos.push({ ...declared, data: photo && photo.blob ? await base64(photo.blob) : null });
    }
    exported.push({
      submission: item.payload, state: item.state, errors: item.errors || null, message: item.message || null,
      created_at: new Date(item.createdAt).toISOString(), user_id: item.userId, username: item.username || null,
      photos,
    });
  }
  return {
    format: FORMAT, version: FORMAT_VERSION, exported_at: new Date().toISOString(),
    user: user ? { id: user.id, username: user.username } : null,
    items: exported,
  };
}

/**
 * Build the export and hand it to the browser as a download.
 * @param {{id: number, username: string}|null} user
 * @returns {Promise<{filename: string, items: number, bytes: number}>}
 */
export async function exportOutbox(user) {
  const doc = await buildExport(user);
  const blob = new Blob([JSON.stringify(doc)], { type: 'application/json' });
  const stamp = doc.exported_at.slice(0, 16).replace(/[-:]/g, '').replace('T', '-');
  const filename = `pantau-antrean-${user ? user.username : 'ponsel'}-${stamp}.json`;
  const url = URL.createObjectURL(blob);
  const link = document.createElement('a');
  link.href = url;
  link.download = filename;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60000);
  return { filename, items: doc.items.length, bytes: blob.size };
}
