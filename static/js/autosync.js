/**
 * When sync runs: when the app opens, on `online`, when the app comes to the foreground, on
 * "Sinkronkan", when an item is queued, on a Background Sync request, and after a delay. No DOM.
 *
 * Reachability is asked of the server. While it cannot be reached (no network, or a captive
 * portal answering in its place) nothing counts as a failure: the server is probed every few
 * seconds and the sync starts as soon as it answers. The backoff counts only failures while the
 * server was reachable (a 5xx, an answer that is not the API's, a request cut while the ping
 * still gets through); the network coming back, an `online` event and the app coming to the
 * foreground reset it.
 * @module autosync
 */
import * as outbox from './outbox.js';
import * as sync from './sync.js';
import { DOWN, OFFLINE, ONLINE, PORTAL, probe } from './connectivity.js';

/** How often an unreachable server is asked again while the app is in view with work waiting. */
export const PROBE_EVERY_MS = 4000;
/** ... and in the background or with nothing to send (the foreground and a new item probe at once). */
export const PROBE_EVERY_IDLE_MS = 60000;
/** A probe waits this long for an answer: a dead link should not delay the next one. */
export const PROBE_TIMEOUT_MS = 5000;

/** Triggers that start afresh: the failures counted so far are forgotten. */
const RESETS = new Set(['open', 'online', 'visible']);

const state = { reachability: null, running: false, progress: null, failure: null, queuedMeanwhile: false };
let timer = null;
let hooks = { onChange: () => {}, isHidden: () => false };

/**
 * @param {{onChange: (state: Object) => void, isHidden: () => boolean}} handlers
 *   onChange: the reachability, the running flag or the progress changed
 */
export function configure(handlers) {
  hooks = { ...hooks, ...handlers };
}

/**
 * What the sync bar shows: reachability ('online'|'portal'|'down'|'offline'|null), whether a
 * run is going on, its progress, and the last counted failure.
 */
export function current() {
  return { ...state };
}

function changed() {
  try {
    hooks.onChange(current());
  } catch (error) {
    console.error(error);
  }
}

function schedule(delayMs, reason) {
  clearTimeout(timer);
  timer = setTimeout(() => { trigger(reason); }, Math.max(250, delayMs));
}

function probeLater() {
  // Scheduled at once (a later trigger may replace it), then shortened when work waits.
  schedule(PROBE_EVERY_IDLE_MS, 'probe');
  if (hooks.isHidden()) return;
  outbox.summary(null).then((counts) => {
    if (counts.pending + counts.uploading > 0) schedule(PROBE_EVERY_MS, 'probe');
  }, () => undefined);
}

/** The server could not be reached: probe again soon, count nothing. */
function unreachable(reachability) {
  state.reachability = reachability;
  // The probe takes over from any backoff: its retry time no longer applies.
  state.failure = null;
  probeLater();
  return { status: 'offline', reason: reachability === PORTAL ? 'portal' : 'unreachable' };
}

async function counted(report) {
  const backoff = await outbox.recordFailure(report.reason);
  state.failure = { reason: report.reason, detail: report.detail || null, nextAt: backoff.nextAt };
  schedule(backoff.nextAt - Date.now(), 'timer');
  return { ...report, backoff };
}

/** The network went away (the browser's `offline` event): say so and keep probing. */
export function wentOffline() {
  state.reachability = OFFLINE;
  probeLater();
  changed();
}

/**
 * Try to sync now.
 * @param {'open'|'online'|'visible'|'manual'|'queued'|'background'|'timer'|'probe'|'login'} reason
 * @returns {Promise<Object>} the run's report (see `sync.runSync`), or {status: 'busy'|'offline'}
 */
export async function trigger(reason) {
  if (state.running) {
    // The run going on sends what was queued before its last look at the outbox; anything
    // queued after that is sent by one more run as soon as this one ends.
    if (reason === 'queued') state.queuedMeanwhile = true;
    return { status: 'busy' };
  }
  // Claimed before the first await, so two triggers at once never start two runs.
  state.running = true;
  clearTimeout(timer);
  changed();
  let report;
  try {
    if (RESETS.has(reason)) await outbox.resetBackoff();
    const before = state.reachability;
    const reach = await probe(PROBE_TIMEOUT_MS);
    if (reach === OFFLINE || reach === PORTAL) {
      report = unreachable(reach);
      return report;
    }
    state.reachability = reach;
    if (reach === DOWN) {
      report = await counted({ status: 'offline', reason: 'server_down', detail: null });
      return report;
    }
    if (before !== ONLINE) {
      // The server is back after being out of reach: whatever was counted before is stale.
      await outbox.resetBackoff();
    }
    changed();
    report = await sync.runSync({ onProgress: (progress) => { state.progress = progress; changed(); } });
    if (report.status === 'ok') {
      state.failure = null;
    } else if (report.status === 'offline' && report.reason === 'network') {
      // Cut mid-run: a failure only if the server still answers (a timeout on a slow link),
      // not if the network went away.
      const again = await probe(PROBE_TIMEOUT_MS);
      if (again === OFFLINE || again === PORTAL) report = { ...report, ...unreachable(again) };
      else report = await counted(report);
    } else if (report.status === 'busy') {
      // Another tab or the service worker is sending: look again later.
      probeLater();
    } else if (report.status !== 'auth') {
      report = await counted(report);
    }
    return report;
  } finally {
    state.running = false;
    state.progress = null;
    changed();
    if (state.queuedMeanwhile) {
      state.queuedMeanwhile = false;
      if (report && report.status === 'ok') sendLeftovers();
    }
  }
}

/** After a run: one more, only when an item queued during it is still waiting. */
function sendLeftovers() {
  outbox.summary(null).then((counts) => {
    if (counts.pending > 0 && !state.running) trigger('queued');
  }, () => undefined);
}
