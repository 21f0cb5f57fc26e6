/**
 * IndexedDB storage of the field app (via idb). No DOM.
 *
 * Stores: `meta` (small key/value state: last sync, backoff, ETag), `ref` (reference data from
 * the bootstrap), `drafts`, `outbox` (queued submissions, keyed by the client UUID), `photos`
 * (resized WebP or JPEG blobs, owned by a draft or an outbox item) and `localSites` (sites created
 * offline). Schema changes are numbered steps below; a step may add stores or indexes but
 * never deletes or clears `drafts`, `outbox`, `photos` or `localSites`: queued data survives
 * every upgrade.
 *
 * A write the browser refuses for lack of room (QuotaExceededError, a full phone) rejects with
 * `StorageFull` and changes nothing already stored; `onStorageFull` listeners hear of it, and
 * hear again once a write succeeds. Reads and deletes still work on a full phone, so sending
 * the outbox (which frees room) still does.
 * @module store
 */
import { openDB } from '/static/vendor/idb/index.js';

export const DB_NAME = 'pantau';
/** Schema step 1: the first schema (meta, ref, drafts, outbox, photos, localSites). */
export const SCHEMA_V1_INITIAL = 1;
/** The version the app opens; raise it only by adding a new named step to `upgrade`. */
export const DB_VERSION = SCHEMA_V1_INITIAL;
/** Stores holding the monitor's own work: never dropped, never cleared by a reset. */
export const PRECIOUS_STORES = Object.freeze(['drafts', 'outbox', 'photos', 'localSites']);

let dbPromise = null;
const blockedListeners = new Set();
const fullListeners = new Set();
let full = false;

/** A write was refused because the phone's storage is full. Nothing stored before is touched. */
export class StorageFull extends Error {
  constructor(cause) {
    super('storage_full');
    this.name = 'StorageFull';
    this.cause = cause;
  }
}

/**
 * True for the error a browser raises when the origin is out of room (from the write itself,
 * or from the transaction it aborted).
 * @param {*} error
 */
export function isQuotaError(error) {
  if (!error) return false;
  if (error instanceof StorageFull || error.name === 'QuotaExceededError') return true;
  // Older engines report the legacy code (22) or Firefox's name.
  return error.code === 22 || error.name === 'NS_ERROR_DOM_QUOTA_REACHED';
}

/**
 * Be told when writes start being refused for lack of room (true) and when one succeeds again
 * (false).
 * @param {(full: boolean) => void} listener
 */
export function onStorageFull(listener) {
  fullListeners.add(listener);
}

function noteFull(value) {
  if (full === value) return;
  full = value;
  fullListeners.forEach((listener) => listener(value));
}

/** Run a write; a refusal for lack of room becomes `StorageFull`. */
async function write(run) {
  let result;
  try {
    result = await run();
  } catch (error) {
    if (!isQuotaError(error)) throw error;
    noteFull(true);
    throw error instanceof StorageFull ? error : new StorageFull(error);
  }
  noteFull(false);
  return result;
}

/**
 * A write in one transaction over `stores`; when a step fails the transaction's own rejection
 * (the same failure again) is absorbed, so it never surfaces as an unhandled rejection.
 */
function transact(stores, run) {
  return write(async () => {
    const tx = (await db()).transaction(stores, 'readwrite');
    try {
      const result = await run(tx);
      await tx.done;
      return result;
    } catch (error) {
      tx.done.catch(() => undefined);
      throw error;
    }
  });
}

/**
 * Run a write that only records progress (an attempt count, the last sync time): on a full
 * phone it is skipped, so that sending the outbox, which frees room, can go on.
 * @param {() => Promise<*>} run
 */
export async function bestEffort(run) {
  try {
    return await run();
  } catch (error) {
    if (!(error instanceof StorageFull)) throw error;
    return undefined;
  }
}

function upgrade(db, oldVersion) {
  if (oldVersion < SCHEMA_V1_INITIAL) {
    db.createObjectStore('meta');
    db.createObjectStore('ref');
    db.createObjectStore('drafts', { keyPath: 'uuid' });
    db.createObjectStore('outbox', { keyPath: 'uuid' });
    db.createObjectStore('photos', { keyPath: 'uuid' }).createIndex('owner', 'owner');
    db.createObjectStore('localSites', { keyPath: 'uuid' });
  }
  // Later steps go here as `if (oldVersion < SCHEMA_V2_...) { ... }`, additive only.
}

/**
 * The open database (opened once per page).
 * @returns {Promise<import('/static/vendor/idb/index.js').IDBPDatabase>}
 */
export function db() {
  if (!dbPromise) {
    dbPromise = openDB(DB_NAME, DB_VERSION, {
      upgrade,
      blocking() {
        // A newer app version in another tab wants to upgrade: step aside so it can.
        dbPromise.then((database) => database.close());
        dbPromise = null;
        blockedListeners.forEach((listener) => listener());
      },
    });
  }
  return dbPromise;
}

/**
 * Be told when this page had to close the database for a newer version (it should reload).
 * @param {() => void} listener
 */
export function onBlocking(listener) {
  blockedListeners.add(listener);
}

/* ---- meta and reference data ---- */

/** @param {string} key */
export async function getMeta(key) {
  return (await db()).get('meta', key);
}

/** @param {string} key @param {*} value */
export async function setMeta(key, value) {
  return write(async () => (await db()).put('meta', value, key));
}

/** @param {string} key */
export async function getRef(key) {
  return (await db()).get('ref', key);
}

/**
 * Replace the reference data with a bootstrap answer, in one transaction.
 * @param {Object} parts  key -> value (user, region, forms, kecamatan, desa, sites, kegiatan, opd, site_kinds)
 */
export async function putReference(parts) {
  await write(async () => {
    const tx = (await db()).transaction('ref', 'readwrite');
    await tx.store.clear();
    try {
      await Promise.all(Object.entries(parts).map(([key, value]) => tx.store.put(value, key)));
      await tx.done;
    } catch (error) {
      tx.done.catch(() => undefined); // the abort repeats the error thrown here
      throw error;
    }
  });
}

/* ---- photos ---- */

/** @param {Object} photo  {uuid, owner, field, blob, thumb, sha256, bytes, content_type, width, height} */
export async function putPhoto(photo) {
  return write(async () => (await db()).put('photos', photo));
}

/** @param {string} uuid */
export async function getPhoto(uuid) {
  return (await db()).get('photos', uuid);
}

/** @param {string} owner  a draft's or outbox item's UUID */
export async function photosOf(owner) {
  return (await db()).getAllFromIndex('photos', 'owner', owner);
}

/** @param {string} uuid */
export async function deletePhoto(uuid) {
  return (await db()).delete('photos', uuid);
}

async function deletePhotosOf(tx, owner) {
  const index = tx.objectStore('photos').index('owner');
  let cursor = await index.openCursor(owner);
  while (cursor) {
    await cursor.delete();
    cursor = await cursor.continue();
  }
}

/* ---- drafts ---- */

/** @param {Object} draft */
export async function putDraft(draft) {
  return write(async () => (await db()).put('drafts', draft));
}

/** @param {string} uuid */
export async function getDraft(uuid) {
  return (await db()).get('drafts', uuid);
}

export async function listDrafts() {
  return (await db()).getAll('drafts');
}

/**
 * Delete a draft and its photos.
 * @param {string} uuid
 */
export async function deleteDraft(uuid) {
  const tx = (await db()).transaction(['drafts', 'photos'], 'readwrite');
  await tx.objectStore('drafts').delete(uuid);
  await deletePhotosOf(tx, uuid);
  await tx.done;
}

/* ---- outbox ---- */

export async function listOutbox() {
  return (await db()).getAll('outbox');
}

/** @param {string} uuid */
export async function getOutboxItem(uuid) {
  return (await db()).get('outbox', uuid);
}

/** @param {Object} item */
export async function putOutboxItem(item) {
  return write(async () => (await db()).put('outbox', item));
}

/**
 * Update an outbox item in one transaction; `change` gets the stored item and returns the new
 * one (or undefined to leave it). Missing items are left missing.
 * @param {string} uuid
 * @param {(item: Object) => Object|undefined} change
 */
export async function updateOutboxItem(uuid, change) {
  return transact('outbox', async (tx) => {
    const item = await tx.store.get(uuid);
    let updated;
    if (item) {
      updated = change(item);
      if (updated) await tx.store.put(updated);
    }
    return updated;
  });
}

/**
 * Remove an item and its photos from the outbox (only after a verified success).
 * @param {string} uuid
 */
export async function deleteOutboxItem(uuid) {
  const tx = (await db()).transaction(['outbox', 'photos'], 'readwrite');
  await tx.objectStore('outbox').delete(uuid);
  await deletePhotosOf(tx, uuid);
  await tx.done;
}

/**
 * Move a finished draft into the outbox atomically: the item appears and the draft goes in one
 * transaction, so a crash leaves one or the other, never neither. Photos keep their owner (the
 * draft's UUID is the submission's UUID).
 * @param {string} draftUuid
 * @param {Object} item
 */
export async function draftToOutbox(draftUuid, item) {
  await transact(['drafts', 'outbox'], async (tx) => {
    await tx.objectStore('outbox').put(item);
    await tx.objectStore('drafts').delete(draftUuid);
  });
}

/**
 * Move a rejected outbox item back to a draft for correction, atomically.
 * @param {string} uuid
 * @param {Object} draft
 */
export async function outboxToDraft(uuid, draft) {
  await transact(['drafts', 'outbox'], async (tx) => {
    await tx.objectStore('drafts').put(draft);
    await tx.objectStore('outbox').delete(uuid);
  });
}

/* ---- sites created offline ---- */

/** @param {Object} site  {uuid, name, kind, desa_code, kecamatan_id, lat, lon, createdAt, userId} */
export async function putLocalSite(site) {
  return write(async () => (await db()).put('localSites', site));
}

export async function listLocalSites() {
  return (await db()).getAll('localSites');
}

/** @param {string} uuid */
export async function deleteLocalSite(uuid) {
  return (await db()).delete('localSites', uuid);
}

/**
 * A random (version 4) UUID for a draft, a photo or a new site: the client names its own
 * records, and the server stores them under these names (the idempotency key of sync).
 * @returns {string}
 */
export function newUuid() {
  if (globalThis.crypto && typeof crypto.randomUUID === 'function') return crypto.randomUUID();
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  bytes[6] = (bytes[6] & 0x0f) | 0x40;
  bytes[8] = (bytes[8] & 0x3f) | 0x80;
  const hex = [...bytes].map((b) => b.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
