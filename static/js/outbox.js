/**
 * The outbox: submissions waiting for the server, keyed by their client UUID. No DOM.
 *
 * An item leaves the outbox only through `complete`, which the sync engine calls after the
 * server answered `created` or `duplicate` for it and acknowledged every photo. Nothing
 * expires: an item waits as long as it takes (unlike Workbox's 7-day queue).
 *
 * Item states: `pending` (to be sent), `uploading` (accepted; photos in `missing` still to be
 * sent), `rejected` (the server refused it: `message` and field `errors`; the monitor fixes and
 * resends), `failed` (accepted but a photo was refused; the monitor can retry or export).
 * @module outbox
 */
import * as store from './store.js';

export const PENDING = 'pending';
export const UPLOADING = 'uploading';
export const REJECTED = 'rejected';
export const FAILED = 'failed';

/** First retry after a network failure, doubled on each failure in a row. */
export const BACKOFF_BASE_MS = 5000;
/** Retries never wait longer than this. */
export const BACKOFF_MAX_MS = 5 * 60 * 1000;
/** Items older than this get a visible warning. */
export const STALE_AFTER_MS = 24 * 60 * 60 * 1000;

let inFlight = false;

/**
 * Run `fn` unless a sync run is already going on (in this page or, where the browser has Web
 * Locks, in another tab of the app). Overlapping runs would send the same item twice at once.
 * @template T
 * @param {() => Promise<T>} fn
 * @returns {Promise<T|{status: 'busy'}>}
 */
export async function withLock(fn) {
  if (inFlight) return { status: 'busy' };
  inFlight = true;
  try {
    if (globalThis.navigator && navigator.locks) {
      return await navigator.locks.request('pantau-sync', { ifAvailable: true },
        (lock) => (lock ? fn() : { status: 'busy' }));
    }
    return await fn();
  } finally {
    inFlight = false;
  }
}

/** True while a sync run holds the lock in this page. */
export function isInFlight() {
  return inFlight;
}

/**
 * Queue a finished draft (atomically: the draft becomes the item).
 * @param {string} draftUuid
 * @param {Object} item  {uuid, userId, payload, ...display fields}
 */
export async function enqueue(draftUuid, item) {
  const now = Date.now();
  const entry = { ...item, state: PENDING, createdAt: item.createdAt || now, queuedAt: now, attempts: 0,
    missing: [], message: null, errors: null };
  await store.draftToOutbox(draftUuid, entry);
  return entry;
}

/** Every item, oldest first. */
export async function list() {
  const items = await store.listOutbox();
  return items.sort((a, b) => a.createdAt - b.createdAt);
}

/**
 * Counts for the sync bar.
 * @param {number|null} userId  the logged-in user; items of another user are counted apart
 */
export async function summary(userId) {
  const items = await list();
  const result = { total: items.length, pending: 0, uploading: 0, rejected: 0, failed: 0, otherUser: 0,
    oldestAt: null };
  for (const item of items) {
    if (userId != null && item.userId !== userId) result.otherUser += 1;
    result[item.state] = (result[item.state] || 0) + 1;
    // Waiting starts when the item was queued, not when its draft was begun.
    const since = item.queuedAt || item.createdAt;
    if (result.oldestAt === null || since < result.oldestAt) result.oldestAt = since;
  }
  result.stale = result.oldestAt !== null && Date.now() - result.oldestAt > STALE_AFTER_MS;
  return result;
}

/** Items of this user to POST, oldest first. @param {number} userId */
export async function toSend(userId) {
  return (await list()).filter((item) => item.state === PENDING && item.userId === userId);
}

/** Accepted items of this user whose photos are still to be PUT. @param {number} userId */
export async function toUpload(userId) {
  return (await list()).filter((item) => item.state === UPLOADING && item.userId === userId);
}

/** @param {string} uuid */
export function get(uuid) {
  return store.getOutboxItem(uuid);
}

/**
 * Note an attempt to send an item (shown to the monitor; never limits retries).
 * @param {string[]} uuids
 */
export async function noteAttempt(uuids) {
  const now = Date.now();
  await store.bestEffort(() => Promise.all(uuids.map((uuid) => store.updateOutboxItem(uuid, (item) => ({
    ...item, attempts: (item.attempts || 0) + 1, lastAttemptAt: now,
  })))));
}

/**
 * The server accepted the submission (`created` or `duplicate`); `missing` are the photo UUIDs
 * it still lacks. With none missing the item is done.
 * @param {string} uuid
 * @param {string[]} missing
 * @returns {Promise<boolean>} true when the item left the outbox
 */
export async function markAccepted(uuid, missing) {
  if (!missing.length) {
    await complete(uuid);
    return true;
  }
  await store.updateOutboxItem(uuid, (item) => ({
    ...item, state: UPLOADING, missing: [...missing], message: null, errors: null, acceptedAt: Date.now(),
  }));
  return false;
}

/**
 * The server stored one photo. When it was the last one the item is done.
 * @param {string} uuid
 * @param {string} photoUuid
 * @param {boolean} submissionComplete  the server says every photo has arrived
 * @returns {Promise<boolean>} true when the item left the outbox
 */
export async function markPhotoStored(uuid, photoUuid, submissionComplete) {
  // On a full phone the progress cannot be noted; the server's "complete" still finishes the item.
  const item = await store.bestEffort(() => store.updateOutboxItem(uuid, (stored) => ({
    ...stored, missing: stored.missing.filter((p) => p !== photoUuid),
  })));
  if (submissionComplete || (item && item.missing.length === 0)) {
    await complete(uuid);
    return true;
  }
  return false;
}

/**
 * The server refused the item; it stays, marked, for the monitor to fix and resend.
 * @param {string} uuid
 * @param {string} message
 * @param {Record<string, string[]>|null} errors
 */
export async function markRejected(uuid, message, errors) {
  await store.updateOutboxItem(uuid, (item) => ({
    ...item, state: REJECTED, message, errors: errors || null, rejectedAt: Date.now(),
  }));
}

/**
 * A photo of an accepted item was refused; the item stays for a retry or an export.
 * @param {string} uuid
 * @param {string} message
 */
export async function markFailed(uuid, message) {
  await store.updateOutboxItem(uuid, (item) => ({ ...item, state: FAILED, message }));
}

/**
 * Put a failed item back in line (its photos are sent again).
 * @param {string} uuid
 */
export async function retry(uuid) {
  await store.updateOutboxItem(uuid, (item) => ({
    ...item, state: item.state === FAILED ? UPLOADING : PENDING, message: null,
  }));
}

/**
 * Take a rejected item out of the outbox as a draft to correct; resending queues it again
 * under the same UUID (the server stored nothing for a rejected item).
 * @param {string} uuid
 * @param {(item: Object) => Object} toDraft
 */
export async function reopen(uuid, toDraft) {
  const item = await store.getOutboxItem(uuid);
  if (!item || item.state !== REJECTED) return null;
  const draft = toDraft(item);
  await store.outboxToDraft(uuid, draft);
  return draft;
}

/**
 * Verified success: the only way an item leaves the outbox on its own.
 * @param {string} uuid
 */
export async function complete(uuid) {
  await store.deleteOutboxItem(uuid);
}

/**
 * The monitor's explicit choice to throw away an item the server will not take (a rejected
 * one, or an accepted one whose photo was refused). Never called by sync; pending items
 * cannot be discarded this way.
 * @param {string} uuid
 * @returns {Promise<boolean>} true when it was discarded
 */
export async function discard(uuid) {
  const item = await store.getOutboxItem(uuid);
  if (!item || (item.state !== REJECTED && item.state !== FAILED)) return false;
  await store.deleteOutboxItem(uuid);
  return true;
}

/* ---- backoff and the last successful sync ---- */

/**
 * The wait before the next automatic attempt after `failures` network failures in a row:
 * exponential, with a little jitter so many phones do not retry in step, capped at 5 minutes.
 * @param {number} failures
 * @param {() => number} [random]
 */
export function backoffDelay(failures, random = Math.random) {
  const exponential = BACKOFF_BASE_MS * 2 ** Math.max(0, failures - 1);
  const jittered = exponential * (0.8 + 0.4 * random());
  return Math.min(BACKOFF_MAX_MS, Math.round(jittered));
}

/**
 * Remember a failed run and when to try again.
 * @param {string} reason
 * @returns {Promise<{failures: number, nextAt: number, reason: string}>}
 */
export async function recordFailure(reason) {
  const previous = (await store.getMeta('backoff')) || { failures: 0 };
  const failures = previous.failures + 1;
  const state = { failures, nextAt: Date.now() + backoffDelay(failures), reason, at: Date.now() };
  await store.bestEffort(() => store.setMeta('backoff', state));
  return state;
}

/** Forget the failures counted so far: the network came back, or the monitor is looking. */
export async function resetBackoff() {
  await store.bestEffort(() => store.setMeta('backoff', null));
}

/** Remember a run that reached the server and finished. */
export async function recordSuccess() {
  await store.bestEffort(() => store.setMeta('backoff', null));
  await store.bestEffort(() => store.setMeta('lastSuccessAt', Date.now()));
}

/** @returns {Promise<{failures: number, nextAt: number, reason: string}|null>} */
export async function backoff() {
  return (await store.getMeta('backoff')) || null;
}

/** @returns {Promise<number|null>} time (ms) of the last successful sync */
export async function lastSuccessAt() {
  return (await store.getMeta('lastSuccessAt')) || null;
}
