/**
 * The sync engine: sends the outbox to the server and refreshes what the phone keeps. No DOM.
 *
 * One run: a fresh session and CSRF token (tokens expire while an outbox may wait for days),
 * then the pending items in batches of at most 100, then the photos of accepted items, item by
 * item (an item's photos before the next item's, so every minute of connection completes whole
 * submissions). An answer counts only when it is the API's own JSON with one result per UUID
 * sent; anything else (a captive portal's 200, a proxy page, a cut connection) is a network
 * failure, and the caller decides when to try again. A 401 pauses the run until the monitor
 * logs in again. Items leave the outbox only through `outbox.markAccepted` /
 * `outbox.markPhotoStored`, i.e. on verified success. The run reports its progress (items,
 * photos, bytes) as it goes.
 * @module sync
 */
import * as outbox from './outbox.js';
import * as store from './store.js';
import { fetchWithTimeout, sendWithProgress } from './connectivity.js';

export const BATCH_LIMIT = 100;
const SESSION_TIMEOUT_MS = 15000;
const BATCH_TIMEOUT_MS = 60000;
const PHOTO_TIMEOUT_MS = 120000;
const RESULT_STATES = new Set(['created', 'duplicate', 'rejected']);

/** The server could not be reached, or did not answer as the Pantau API: retry with backoff. */
export class NetworkFailure extends Error {}
/** The session is gone: the monitor must log in again; the outbox waits. */
export class AuthRequired extends Error {}
/** The server refused a photo for a reason retrying will not change. */
export class PhotoRefused extends Error {}

async function call(url, init, timeoutMs, onSent = null) {
  let response;
  try {
    response = onSent
      ? await sendWithProgress(url, init, timeoutMs, onSent)
      : await fetchWithTimeout(url, { credentials: 'same-origin', cache: 'no-store', ...init }, timeoutMs);
  } catch (error) {
    throw new NetworkFailure('network');
  }
  if (response.status === 401) throw new AuthRequired('unauthorized');
  if (response.status >= 500 || response.status === 408 || response.status === 429) {
    throw new NetworkFailure(`http_${response.status}`);
  }
  return response;
}

/** The body when it is JSON from the API; a NetworkFailure otherwise (a portal's page is not). */
async function apiJson(response) {
  const type = response.headers.get('Content-Type') || '';
  if (!type.includes('application/json')) throw new NetworkFailure('not_api_answer');
  try {
    return await response.json();
  } catch (error) {
    throw new NetworkFailure('not_api_answer');
  }
}

/** The error envelope's message, or null. */
async function errorMessage(response) {
  try {
    const body = await apiJson(response);
    return { message: typeof body.message === 'string' ? body.message : null, code: body.code || null,
      errors: body.errors || null };
  } catch (error) {
    return null;
  }
}

/**
 * The logged-in user and a fresh CSRF token (GET /api/v1/session, never cached).
 * @returns {Promise<{user: {id: number, username: string}, csrf_token: string}>}
 */
export async function fetchSession() {
  const response = await call('/api/v1/session', {}, SESSION_TIMEOUT_MS);
  if (response.status !== 200) throw new NetworkFailure(`http_${response.status}`);
  const body = await apiJson(response);
  if (!body || typeof body.csrf_token !== 'string' || !body.user || typeof body.user.id !== 'number') {
    throw new NetworkFailure('not_api_answer');
  }
  return body;
}

/**
 * The results of a batch answer, or null when the answer is not one result per UUID sent.
 * @param {*} body
 * @param {string[]} sent  the UUIDs in the batch
 * @returns {Array<{uuid: string, status: string, errors: Object, missing_attachments: string[]}>|null}
 */
export function verifyBatchAnswer(body, sent) {
  if (!body || !Array.isArray(body.results) || body.results.length !== sent.length) return null;
  const expected = new Set(sent.map((uuid) => uuid.toLowerCase()));
  const seen = new Set();
  for (const result of body.results) {
    if (!result || typeof result.uuid !== 'string' || !RESULT_STATES.has(result.status)) return null;
    const uuid = result.uuid.toLowerCase();
    if (!expected.has(uuid) || seen.has(uuid)) return null;
    if (result.status !== 'rejected' && !Array.isArray(result.missing_attachments)) return null;
    seen.add(uuid);
  }
  return body.results;
}

/**
 * What a run has to send and how far it got; `emit` hands a copy to the listener.
 */
class Progress {
  constructor(listener) {
    this.listener = listener;
    Object.assign(this, { items: 0, itemsDone: 0, photos: 0, photosDone: 0, bytes: 0, bytesDone: 0,
      startedAt: Date.now() });
    this.photosOf = new Map();
  }

  /** Count what `pending` (to POST, photos after) and `uploading` (photos only) will cost. */
  plan(pending, uploading) {
    for (const item of pending) {
      const attachments = item.payload.attachments || [];
      this.add(item, attachments, JSON.stringify(item.payload).length);
    }
    for (const item of uploading) {
      const missing = new Set((item.missing || []).map((uuid) => uuid.toLowerCase()));
      this.add(item, (item.payload.attachments || []).filter((a) => missing.has(String(a.uuid).toLowerCase())), 0);
    }
    this.emit();
  }

  add(item, attachments, bodyBytes) {
    const bytes = attachments.reduce((sum, a) => sum + (Number(a.bytes) || 0), 0);
    this.photosOf.set(item.uuid, { photos: attachments.length, bytes });
    this.items += 1;
    this.photos += attachments.length;
    this.bytes += bytes + bodyBytes;
  }

  /** A rejected item sends no photos: they leave the totals. */
  drop(uuid) {
    const planned = this.photosOf.get(uuid);
    if (!planned) return;
    this.photos -= planned.photos;
    this.bytes -= planned.bytes;
    this.items -= 1;
    this.photosOf.delete(uuid);
  }

  sent(bytes) {
    this.bytesDone += bytes;
    this.emit();
  }

  /** Bytes of the photo on its way (XMLHttpRequest's upload progress), at most every 500 ms. */
  sending(bytes) {
    this.partial = bytes;
    const now = Date.now();
    if (now - (this.emittedAt || 0) >= 500) this.emit();
  }

  photoSent(bytes) {
    this.photosDone += 1;
    this.bytesDone += bytes;
    this.partial = 0;
    this.emit();
  }

  itemDone() {
    this.itemsDone += 1;
    this.emit();
  }

  emit() {
    if (!this.listener) return;
    this.emittedAt = Date.now();
    const { items, itemsDone, photos, photosDone, bytes, startedAt } = this;
    const bytesDone = Math.min(this.bytesDone + (this.partial || 0), bytes);
    try {
      this.listener({ items, itemsDone, photos, photosDone, bytes, bytesDone, startedAt, at: this.emittedAt });
    } catch (error) {
      console.error(error);
    }
  }
}

async function sendBatch(items, token, report, held, progress) {
  const sent = items.map((item) => item.uuid);
  await outbox.noteAttempt(sent);
  const body = JSON.stringify({ submissions: items.map((item) => item.payload) });
  const response = await call('/api/v1/submissions/batch', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', 'X-CSRFToken': token, Accept: 'application/json' },
    body,
  }, BATCH_TIMEOUT_MS);
  if (response.status !== 200) {
    const detail = await errorMessage(response);
    const failure = new NetworkFailure(detail && detail.code === 'csrf' ? 'csrf' : `http_${response.status}`);
    failure.detail = detail && detail.message;
    throw failure;
  }
  const results = verifyBatchAnswer(await apiJson(response), sent);
  if (!results) throw new NetworkFailure('not_api_answer');
  progress.sent(body.length);
  const byUuid = new Map(items.map((item) => [item.uuid.toLowerCase(), item]));
  for (const result of results) {
    const item = byUuid.get(result.uuid.toLowerCase());
    if (result.status === 'rejected') {
      await outbox.markRejected(item.uuid, null, result.errors || {});
      report.rejected += 1;
      progress.drop(item.uuid);
    } else {
      report[result.status] += 1;
      const missing = result.missing_attachments.map((uuid) => uuid.toLowerCase());
      try {
        if (await outbox.markAccepted(item.uuid, missing)) {
          report.completed += 1;
          progress.itemDone();
        }
      } catch (error) {
        if (!(error instanceof store.StorageFull)) throw error;
        // A full phone cannot note the acceptance: its photos go up in this run from memory, as
        // sending is what frees room. Stopped before that, it is still pending, and the next
        // batch gets "duplicate" with the same missing photos.
        held.push({ ...item, state: outbox.UPLOADING, missing });
      }
    }
  }
}

async function uploadPhoto(photo, token, onSent) {
  const response = await call(`/api/v1/attachments/${photo.uuid}`, {
    method: 'PUT',
    headers: { 'Content-Type': photo.content_type, 'X-CSRFToken': token, Accept: 'application/json' },
    body: photo.blob,
  }, PHOTO_TIMEOUT_MS, onSent);
  if (response.status === 200) {
    const body = await apiJson(response);
    if (!body || typeof body.uuid !== 'string' || body.uuid.toLowerCase() !== photo.uuid.toLowerCase()
        || typeof body.state !== 'string') {
      throw new NetworkFailure('not_api_answer');
    }
    return body;
  }
  const detail = await errorMessage(response);
  if (!detail) throw new NetworkFailure(`http_${response.status}`);
  if (detail.code === 'csrf') throw new NetworkFailure('csrf');
  if ([404, 413, 415, 422].includes(response.status)) throw new PhotoRefused(detail.message || `HTTP ${response.status}`);
  throw new NetworkFailure(`http_${response.status}`);
}

async function uploadPhotosOf(item, token, report, progress) {
  if (!item.missing || item.missing.length === 0) {
    // Every photo was acknowledged, but the page stopped (a reload, a crash) before the item
    // was closed: close it now, or it would wait in the outbox forever.
    await outbox.complete(item.uuid);
    report.completed += 1;
    progress.itemDone();
    return;
  }
  for (const photoUuid of item.missing) {
    const photo = await store.getPhoto(photoUuid);
    if (!photo || !photo.blob) {
      await outbox.markFailed(item.uuid, 'photo_lost');
      return;
    }
    let answer;
    try {
      answer = await uploadPhoto(photo, token, (sent) => progress.sending(sent));
    } catch (error) {
      if (!(error instanceof PhotoRefused)) throw error;
      await outbox.markFailed(item.uuid, error.message);
      return;
    }
    report.photos += 1;
    progress.photoSent(photo.bytes || (photo.blob && photo.blob.size) || 0);
    if (await outbox.markPhotoStored(item.uuid, photoUuid, answer.submission_status === 'complete')) {
      report.completed += 1;
      progress.itemDone();
      return;
    }
  }
}

/**
 * One sync run (skipped with status "busy" while another is going on, in this page, another
 * tab or the service worker). Items queued while it runs are sent by it, in its next batch. Failures are reported, not counted: the caller knows whether the
 * network was there and decides about the backoff.
 * @param {{onProgress?: (progress: {items: number, itemsDone: number, photos: number, photosDone: number,
 *   bytes: number, bytesDone: number, startedAt: number, at: number}) => void}} [options]
 *   `at`: when these figures were taken
 * @returns {Promise<{status: 'ok'|'offline'|'auth'|'busy'|'storage'|'error', created: number, duplicate: number,
 *   rejected: number, photos: number, completed: number, reason: string|null, detail: string|null,
 *   user: Object|null}>}
 */
export function runSync({ onProgress } = {}) {
  return outbox.withLock(async () => {
    const report = { status: 'ok', created: 0, duplicate: 0, rejected: 0, photos: 0, completed: 0,
      reason: null, detail: null, user: null };
    const progress = new Progress(onProgress);
    try {
      const session = await fetchSession();
      report.user = session.user;
      await store.bestEffort(() => store.setMeta('authNeeded', false));
      const userId = session.user.id;
      const sent = new Set();
      // Items queued while this run is on its way (a check saved during a slow batch) join its
      // next batch instead of waiting for a run, and a request, of their own.
      const fresh = async () => (await outbox.toSend(userId)).filter((item) => !sent.has(item.uuid));
      let pending = await fresh();
      progress.plan(pending, await outbox.toUpload(userId));
      do {
        const held = [];
        while (pending.length) {
          for (let start = 0; start < pending.length; start += BATCH_LIMIT) {
            await sendBatch(pending.slice(start, start + BATCH_LIMIT), session.csrf_token, report, held, progress);
          }
          pending.forEach((item) => sent.add(item.uuid));
          pending = await fresh();
          if (pending.length) progress.plan(pending, []);
        }
        for (const item of [...await outbox.toUpload(userId), ...held]) {
          await uploadPhotosOf(item, session.csrf_token, report, progress);
        }
        pending = await fresh();
        if (pending.length) progress.plan(pending, []);
      } while (pending.length);
      await outbox.recordSuccess();
    } catch (error) {
      if (error instanceof AuthRequired) {
        report.status = 'auth';
        await store.bestEffort(() => store.setMeta('authNeeded', true));
      } else if (error instanceof store.StorageFull) {
        // Noting a rejection or a refused photo needs room; the item stays as it was.
        report.status = 'storage';
        report.reason = 'storage_full';
      } else {
        // A NetworkFailure is expected in the field; anything else is a bug, but the data is
        // still safe in the outbox, so it is shown and retried the same way.
        report.status = error instanceof NetworkFailure ? 'offline' : 'error';
        report.reason = error instanceof NetworkFailure ? error.message : String(error);
        report.detail = error.detail || null;
        if (report.status === 'error') console.error(error);
      }
    }
    return report;
  });
}

/**
 * Refresh the reference data (forms, regions, sites, activities) with the bootstrap's ETag.
 * @returns {Promise<{changed: boolean, user: Object|null}>}
 */
export async function refreshBootstrap() {
  const etag = await store.getMeta('bootstrapEtag');
  const stored = await store.getRef('user');
  const headers = { Accept: 'application/json' };
  if (etag && stored) headers['If-None-Match'] = etag;
  const response = await call('/api/v1/bootstrap', { headers, cache: 'no-cache' }, BATCH_TIMEOUT_MS);
  if (response.status === 304) return { changed: false, user: stored };
  if (response.status !== 200) throw new NetworkFailure(`http_${response.status}`);
  const body = await apiJson(response);
  const lists = ['forms', 'kecamatan', 'desa', 'sites', 'kegiatan', 'opd', 'site_kinds'];
  if (!body || !body.user || typeof body.user.id !== 'number' || !lists.every((key) => Array.isArray(body[key]))) {
    throw new NetworkFailure('not_api_answer');
  }
  const parts = { user: body.user, region: body.region || null, settings: body.settings || null };
  lists.forEach((key) => { parts[key] = body[key]; });
  await store.putReference(parts);
  await store.setMeta('bootstrapEtag', response.headers.get('ETag'));
  await store.setMeta('bootstrapAt', Date.now());
  return { changed: true, user: body.user };
}

/**
 * The monitor's own submissions with their server status ("Kiriman saya"), kept for offline use.
 * @returns {Promise<Array<Object>>}
 */
export async function fetchMine() {
  const response = await call('/api/v1/submissions?mine=1&limit=200', { headers: { Accept: 'application/json' } },
    BATCH_TIMEOUT_MS);
  if (response.status !== 200) throw new NetworkFailure(`http_${response.status}`);
  const body = await apiJson(response);
  if (!body || !Array.isArray(body.submissions)) throw new NetworkFailure('not_api_answer');
  const user = await store.getRef('user');
  await store.setMeta('mine', { at: Date.now(), userId: user ? user.id : null, submissions: body.submissions });
  return body.submissions;
}
