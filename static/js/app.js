/**
 * The field app's entry: routing between the screens, the service worker and its updates,
 * persistent storage, and when sync runs (on open, on `online`, on the "Sinkronkan" button,
 * on a Background Sync event, and after a backoff delay).
 * @module app
 */
import * as store from './store.js';
import * as outbox from './outbox.js';
import * as sync from './sync.js';
import * as autosync from './autosync.js';
import { h, replace } from './dom.js';
import { LANG, formatWib, label, t } from './i18n.js';
import { draftFromItem, openDraft } from './draft-view.js';
import { renderMine, renderOutbox, renderSyncBar } from './outbox-ui.js';
import { exportOutbox } from './rescue.js';
import { openLoginSheet } from './login-sheet.js';
import * as session from './session.js';
import * as worker from './sw-client.js';
import { applySettings } from './settings.js';

const LOGIN_URL = '/masuk?next=/lapangan';
const MB = 1024 * 1024;

const el = {
  view: document.getElementById('view'),
  bar: document.getElementById('sync-bar'),
  banners: document.getElementById('banners'),
  notices: document.getElementById('notices'),
  who: document.getElementById('who'),
  tabCount: document.getElementById('tab-count'),
};

const state = {
  ref: null,
  /** 'online' | 'portal' | 'down' | 'offline' | null (not asked yet), from autosync. */
  reachable: null,
  running: false,
  progress: null,
  authNeeded: false,
  /** Whether the service worker can send the outbox with no page open (Background Sync). */
  backgroundSync: null,
  failure: null,
  lastSuccessAt: null,
  counts: { total: 0, pending: 0, uploading: 0, rejected: 0, failed: 0, otherUser: 0, oldestAt: null, stale: false },
  waitingWorker: null,
  dbBlocked: false,
  storage: { persisted: null, lowFree: null },
  storageFull: false,
  view: null,
  route: null,
  flash: null,
  mine: { loading: false, error: null },
};

/* ---- reference data ---- */

const REF_KEYS = ['user', 'region', 'forms', 'kecamatan', 'desa', 'sites', 'kegiatan', 'opd', 'site_kinds', 'settings'];

async function loadRef() {
  const values = await Promise.all(REF_KEYS.map((key) => store.getRef(key)));
  const raw = Object.fromEntries(REF_KEYS.map((key, i) => [key, values[i]]));
  applySettings(raw.settings);
  const kinds = new Map((raw.site_kinds || []).map((k) => [k.value, k.label]));
  const desaByCode = new Map((raw.desa || []).map((d) => [d.code, d]));
  const normalise = (site, local) => ({
    ...site, local, kind_label: kinds.get(site.kind) || site.kind,
    desa_name: site.desa_name || (desaByCode.get(site.desa_code) || {}).name || '',
  });
  const serverSites = (raw.sites || []).map((site) => normalise(site, false));
  const known = new Set(serverSites.map((site) => site.uuid));
  const locals = [];
  for (const site of await store.listLocalSites()) {
    // Once the server lists a site made on this phone, the server's copy is the one to use.
    if (known.has(site.uuid)) await store.deleteLocalSite(site.uuid);
    else if (!raw.user || site.userId === raw.user.id) locals.push(normalise(site, true));
  }
  state.ref = {
    user: raw.user || null, region: raw.region || null, forms: raw.forms || [], kecamatan: raw.kecamatan || [],
    desa: raw.desa || [], sites: [...serverSites, ...locals], kegiatan: raw.kegiatan || [], opd: raw.opd || [],
    siteKinds: raw.site_kinds || [], normaliseLocalSite: (site) => normalise(site, true),
  };
  el.who.textContent = state.ref.user ? state.ref.user.full_name : '';
}

/**
 * The page comes from the worker's cache: when the account's language is not the page's, fetch
 * the page again in the right one and reload once (never in a loop).
 */
async function followAccountLanguage() {
  const wanted = state.ref && state.ref.user && state.ref.user.language;
  if (!wanted || wanted === LANG) return;
  const key = 'pantau-language-reload';
  if (sessionStorage.getItem(key) === wanted) return;
  if (await worker.refreshShell()) {
    sessionStorage.setItem(key, wanted);
    location.reload();
  }
}

function userId() {
  return state.ref && state.ref.user ? state.ref.user.id : null;
}

/* ---- sync bar and banners ---- */

let barDrawing = null;
let barAgain = false;

/** Draw the sync bar from what is known (no storage reads: cheap enough for every tick). */
function drawBar() {
  renderSyncBar(el.bar, state, { onSync: () => syncNow('manual'), onLogin: openLogin });
}

/** Redraw the sync bar with fresh counts; calls while one is drawing coalesce into one more. */
async function refreshBar() {
  if (barDrawing) {
    barAgain = true;
    return barDrawing;
  }
  barDrawing = (async () => {
    do {
      barAgain = false;
      state.counts = await outbox.summary(userId());
      state.lastSuccessAt = await outbox.lastSuccessAt();
      drawBar();
      const waiting = state.counts.total;
      el.tabCount.textContent = String(waiting);
      el.tabCount.hidden = waiting === 0;
    } while (barAgain);
  })();
  try {
    await barDrawing;
  } finally {
    barDrawing = null;
  }
  return undefined;
}

/** Over plain http:// (not localhost) the browser withholds the service worker, GPS and crypto. */
const INSECURE = globalThis.isSecureContext === false;

function renderBanners() {
  const banners = [];
  if (INSECURE) {
    banners.push(h('div', { class: 'banner banner-danger', role: 'alert', id: 'insecure-banner' },
      h('strong', { text: t('Sambungan tidak aman (http://).') }),
      h('span', { text: t('Browser mematikan tiga hal di sini: aplikasi tidak bisa dibuka tanpa sinyal, GPS tidak bisa diambil, dan foto tidak bisa ditambahkan. Buka aplikasi lewat alamat https:// (tanyakan ke admin).') })));
  }
  if (state.waitingWorker) {
    banners.push(h('div', { class: 'banner banner-update', role: 'status' },
      h('span', { text: t('Aplikasi sudah diperbarui. Draf dan antrean tetap aman.') }),
      h('button', { type: 'button', class: 'button primary', id: 'update-app', text: t('Versi baru tersedia — muat ulang'),
        onclick: applyUpdate })));
  }
  if (state.storageFull) {
    banners.push(h('div', { class: 'banner banner-warn banner-storage-full', role: 'alert',
      text: t('Memori ponsel penuh: isian baru tidak tersimpan. Yang sudah tersimpan tetap aman. Sinkronkan, lalu kosongkan memori ponsel.') }));
  }
  if (state.dbBlocked) {
    banners.push(h('div', { class: 'banner banner-warn', role: 'alert' },
      t('Aplikasi diperbarui di tab lain. Muat ulang halaman ini.'),
      h('button', { type: 'button', class: 'button', text: t('Muat ulang'), onclick: () => location.reload() })));
  }
  replace(el.banners, banners);
  // Less urgent: shown at the top of the page, not pinned over the form.
  replace(el.notices, state.storage.lowFree === null ? null : h('div', { class: 'banner banner-warn', role: 'alert',
    text: t('Ruang penyimpanan hampir penuh: sisa {mb} MB. Kirim antrean, lalu kosongkan memori ponsel.', { mb: Math.floor(state.storage.lowFree / MB) }) }));
}

/* ---- sync ---- */

/** While a run goes on the bar is redrawn twice a second (the time left counts down), and on every step. */
const TICK_MS = 500;
let ticker = null;

function followSync(sync) {
  const stepDone = sync.progress && (!state.progress || sync.progress.itemsDone !== state.progress.itemsDone);
  state.reachable = sync.reachability;
  state.progress = sync.progress;
  if (sync.failure !== undefined) state.failure = sync.failure;
  if (sync.running && !state.running) {
    state.running = true;
    el.bar.dataset.tone = 'busy';
    ticker = setInterval(drawBar, TICK_MS);
  } else if (!sync.running && state.running) {
    state.running = false;
    clearInterval(ticker);
  }
  // Leaving for the website mid-run would cut the upload in flight: meanwhile its link opens
  // beside the app instead.
  const siteLink = document.querySelector('.field-top .top-link');
  if (siteLink && state.running) siteLink.setAttribute('target', '_blank');
  else if (siteLink) siteLink.removeAttribute('target');
  // The outbox count is read again when an item has left it; other steps only redraw.
  if (stepDone || !sync.progress) refreshBar();
  else drawBar();
}

/**
 * Run a sync now (see autosync for when each trigger resets the backoff).
 * @param {string} reason
 */
async function syncNow(reason) {
  const report = await autosync.trigger(reason);
  if (report.status === 'busy') return report;
  if (report.status === 'ok') {
    state.authNeeded = false;
    await afterSuccess();
  } else if (report.status === 'auth') {
    state.authNeeded = true;
  } else if (report.status === 'offline' || report.backoff) {
    worker.registerBackgroundSync();
  }
  await refreshBar();
  if (state.route && ['outbox', 'mine', 'home'].includes(state.route.name)) await render();
  return report;
}

/* ---- logging in again, inside the app ---- */

function loginErrorText(error) {
  if (error instanceof session.LoginRefused) return error.message;
  return t('Server tidak bisa dihubungi. Periksa sinyal, lalu coba lagi.');
}

/** The "Masuk lagi" sheet: the page stays, so a run (or an upload) going on is not touched. */
function openLogin() {
  openLoginSheet({
    username: state.ref && state.ref.user ? state.ref.user.username : '',
    logIn: session.logIn,
    describeError: loginErrorText,
    onLoggedIn: async () => {
      // The notice goes the moment the server said yes, not when the next run ends.
      state.authNeeded = false;
      await store.bestEffort(() => store.setMeta('authNeeded', false));
      await refreshBar();
      syncNow('login');
    },
  });
}

async function afterSuccess() {
  try {
    const { changed } = await sync.refreshBootstrap();
    if (changed) await loadRef();
    await followAccountLanguage();
  } catch (error) {
    if (error instanceof sync.AuthRequired) state.authNeeded = true;
  }
  try {
    await sync.fetchMine();
    state.mine.error = null;
  } catch (error) {
    // Kiriman saya stays as last fetched; the next sync tries again.
  }
  worker.checkForUpdate();
}

/* ---- service worker and updates ---- */

async function applyUpdate() {
  // The draft being typed is written before the new version takes over.
  if (state.view && state.view.flush) await state.view.flush();
  if (state.waitingWorker) worker.applyUpdate(state.waitingWorker);
}

/* ---- screens ---- */

function formTitle(code) {
  const form = state.ref && state.ref.forms.find((f) => f.form === code);
  return form ? label(form.definition.title) : code;
}

function fieldLabel(definition, path) {
  const parts = path.split('.');
  if (parts[0] === 'answers' && definition) {
    const names = [];
    let fields = definition.fields;
    for (const part of parts.slice(1)) {
      if (/^\d+$/.test(part)) {
        names.push(t('baris {n}', { n: Number(part) + 1 }));
        continue;
      }
      const spec = (fields || []).find((f) => f.name === part);
      if (!spec) {
        names.push(part);
        break;
      }
      names.push(label(spec.label));
      fields = spec.fields;
    }
    return names.join(' › ');
  }
  if (parts[0] === 'site') return t('Lokasi');
  if (parts[0] === 'location') return t('Titik GPS');
  if (parts[0] === 'attachments') return t('Foto');
  return path;
}

const FLASH_MS = 8000;

function flash(text) {
  state.flash = { text, until: Date.now() + FLASH_MS };
}

function flashBox() {
  if (!state.flash || state.flash.until < Date.now()) return null;
  return h('p', { class: 'flash', role: 'status', text: state.flash.text });
}

async function newDraft(form) {
  const user = state.ref.user;
  const draft = {
    uuid: store.newUuid(), userId: user.id, username: user.username, form: form.form, formVersion: form.version,
    definition: form.definition, answers: {}, site: null, location: null, createdAt: Date.now(), updatedAt: Date.now(),
  };
  try {
    await store.putDraft(draft);
  } catch (error) {
    if (!(error instanceof store.StorageFull)) throw error;
    flash(t('Memori ponsel penuh: formulir baru belum bisa dibuka. Kirim antrean atau kosongkan memori ponsel dulu.'));
    await render();
    return;
  }
  location.hash = `#/draf/${draft.uuid}`;
}

async function homeView(root) {
  const user = state.ref.user;
  if (!user) {
    replace(root, h('h1', { text: t('Selamat datang di Pantau Lapangan') }),
      h('p', { text: t('Formulir dan data wilayah belum ada di ponsel ini. Sambungkan ke internet dan masuk sekali; sesudah itu aplikasi bisa dipakai tanpa sinyal.') }),
      h('a', { class: 'button primary block', href: LOGIN_URL, text: t('Masuk') }));
    // (First visit: nothing is queued yet, so leaving for the login page costs nothing.)
    return;
  }
  const drafts = (await store.listDrafts()).filter((d) => d.userId === user.id).sort((a, b) => b.updatedAt - a.updatedAt);
  const siteName = (uuid) => (state.ref.sites.find((s) => s.uuid === uuid) || {}).name;
  const persistNote = state.storage.persisted === false
    ? h('p', { class: 'note small' }, t('Browser belum mengizinkan penyimpanan permanen, jadi data di ponsel bisa terhapus bila memori penuh. Kirim antrean sesering mungkin; memasang aplikasi ke layar utama membantu.'))
    : null;
  replace(root,
    flashBox(),
    h('h1', { text: t('Halo, {name}', { name: user.full_name }) }),
    h('h2', { text: t('Isian baru') }),
    h('div', { class: 'form-tiles' }, state.ref.forms.map((form) => h('button', {
      type: 'button', class: 'form-tile', dataset: { form: form.form }, onclick: () => newDraft(form),
    }, h('strong', { text: label(form.definition.title) }),
    h('span', { text: t('versi {n}', { n: form.version }) })))),
    drafts.length ? h('h2', { text: t('Draf tersimpan') }) : null,
    drafts.map((draft) => h('a', { class: 'card draft-card', href: `#/draf/${draft.uuid}`, dataset: { uuid: draft.uuid } },
      h('strong', { text: label(draft.definition.title) }),
      h('span', { text: siteName(draft.site) || t('Lokasi belum dipilih') }),
      h('span', { class: 'muted small', text: t('Diubah {time}', { time: formatWib(draft.updatedAt) }) }),
      draft.rejection ? h('span', { class: 'badge badge-kotor', text: t('Perlu diperbaiki') }) : null)),
    persistNote);
}

async function draftView(root, uuid) {
  const view = await openDraft(root, {
    uuid, ref: state.ref, user: state.ref.user,
    onQueued: async () => {
      flash(t('Tersimpan di antrean. Dikirim otomatis saat ada sinyal.'));
      await refreshBar();
      worker.registerBackgroundSync();
      location.hash = '#/';
      syncNow('queued');
    },
    onDiscarded: () => {
      flash(t('Draf dihapus.'));
      location.hash = '#/';
    },
  });
  return view;
}

async function fixItem(uuid) {
  let draft;
  try {
    draft = await outbox.reopen(uuid, draftFromItem);
  } catch (error) {
    if (!(error instanceof store.StorageFull)) throw error;
    flash(t('Memori ponsel penuh: kiriman ini belum bisa dibuka untuk diperbaiki. Kirim antrean atau kosongkan memori ponsel dulu.'));
    await render();
    return;
  }
  if (!draft) return;
  if (draft.site && draft.siteNew && !state.ref.sites.some((s) => s.uuid === draft.site)) {
    // The new site travelled inside the rejected item; put it back in the picker for editing.
    // (On a full phone it stays in the draft's `siteNew`, and the picker asks for a site.)
    await store.bestEffort(() => store.putLocalSite(draft.siteNew));
    await loadRef();
  }
  location.hash = `#/draf/${uuid}`;
}

async function outboxView(root) {
  const items = await outbox.list();
  renderOutbox(root, items, {
    userId: userId(),
    describeError: (item, path) => fieldLabel(item.definition, path),
    onFix: fixItem,
    onRetry: async (uuid) => { await outbox.retry(uuid); syncNow('manual'); },
    onDiscard: async (uuid) => {
      if (await outbox.discard(uuid)) flash(t('Dibuang dari antrean.'));
      await refreshBar();
      await render();
    },
    onExport: async () => {
      const result = await exportOutbox(state.ref.user);
      flash(t('Berkas {file} disimpan ({n} kiriman).', { file: result.filename, n: result.items }));
      await render();
    },
  });
  const box = flashBox();
  if (box) root.prepend(box);
}

async function mineView(root) {
  const cached = await store.getMeta('mine');
  const mine = cached && cached.userId === userId() ? cached : null;
  const draw = (data) => renderMine(root, data, {
    formTitle, loading: state.mine.loading, error: state.mine.error,
    onRefresh: refreshMine,
  });
  draw(mine);
}

async function refreshMine() {
  state.mine.loading = true;
  await render();
  try {
    await sync.fetchMine();
    state.mine.error = null;
  } catch (error) {
    state.mine.error = error instanceof sync.AuthRequired
      ? t('Sesi berakhir; masuk lagi untuk melihat kiriman.')
      : t('Tidak bisa mengambil dari server sekarang; yang tampil adalah daftar terakhir.');
  } finally {
    state.mine.loading = false;
    await render();
  }
}

/* ---- routing ---- */

function parseRoute() {
  const hash = location.hash || '#/';
  const match = /^#\/draf\/([0-9a-fA-F-]{36})$/.exec(hash);
  if (match) return { name: 'draft', uuid: match[1] };
  if (hash === '#/antrean') return { name: 'outbox' };
  if (hash === '#/kiriman') return { name: 'mine' };
  return { name: 'home' };
}

let rendering = Promise.resolve();

/** Draw the screen the URL names (one at a time; a pending draft save is flushed first). */
function render() {
  rendering = rendering.then(async () => {
    if (state.view && state.view.dispose) await state.view.dispose();
    state.view = null;
    state.route = parseRoute();
    document.body.dataset.route = state.route.name;
    document.querySelectorAll('.tabbar a').forEach((a) => {
      const on = a.dataset.tab === state.route.name;
      if (on) a.setAttribute('aria-current', 'page');
      else a.removeAttribute('aria-current');
    });
    const root = el.view;
    window.scrollTo(0, 0);
    if (state.route.name !== 'home' && !state.ref.user) {
      await homeView(root);
      return;
    }
    if (state.route.name === 'draft') state.view = await draftView(root, state.route.uuid);
    else if (state.route.name === 'outbox') await outboxView(root);
    else if (state.route.name === 'mine') await mineView(root);
    else await homeView(root);
  }).catch((error) => {
    console.error(error);
    replace(el.view, h('p', { class: 'error', text: t('Galat di aplikasi: {reason}', { reason: String(error) }) }));
  });
  return rendering;
}

async function main() {
  if (INSECURE) renderBanners();
  store.onBlocking(() => { state.dbBlocked = true; renderBanners(); });
  store.onStorageFull((full) => { state.storageFull = full; renderBanners(); });
  worker.registerWorker({
    onBackgroundSync: (supported) => { state.backgroundSync = supported; refreshBar(); },
    onUpdateReady: (waiting) => { state.waitingWorker = waiting; renderBanners(); },
    onSyncRequest: () => syncNow('background'),
  });
  autosync.configure({ onChange: followSync, isHidden: () => document.visibilityState === 'hidden' });
  state.authNeeded = Boolean(await store.getMeta('authNeeded'));
  await loadRef();
  await refreshBar();
  window.addEventListener('hashchange', () => {
    if (parseRoute().name !== 'draft' || !state.route || state.route.name !== 'draft'
        || parseRoute().uuid !== state.route.uuid) render();
  });
  window.addEventListener('online', () => syncNow('online'));
  window.addEventListener('offline', () => autosync.wentOffline());
  document.addEventListener('visibilitychange', () => {
    if (document.visibilityState === 'visible') syncNow('visible');
  });
  await render();
  worker.checkStorage().then((storage) => {
    state.storage = storage;
    renderBanners();
    if (state.route && state.route.name === 'home' && storage.persisted === false) render();
  });
  if (!state.ref.user) {
    // First visit: fetch the reference data before anything else.
    try {
      await sync.refreshBootstrap();
      await loadRef();
      await render();
    } catch (error) {
      if (error instanceof sync.AuthRequired) state.authNeeded = true;
    }
  }
  await syncNow('open');
  document.body.dataset.ready = 'true';
}

main();
