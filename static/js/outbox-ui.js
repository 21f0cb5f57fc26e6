/**
 * What the monitor sees of sync: the always-visible sync bar, the outbox list (with rejected
 * items, their reasons and a way to fix them) and "Kiriman saya", the server's view of their
 * submissions. Data and actions come in as arguments; no storage or network here.
 * @module outbox-ui
 */
import { h, replace } from './dom.js';
import { formatAge, formatNumber, formatWib, t } from './i18n.js';
import { SETTINGS } from './settings.js';

const REASONS = {
  network: 'Tidak ada sambungan ke server.',
  unreachable: 'Tidak ada sambungan ke server.',
  not_api_answer: 'Jawaban yang diterima bukan dari server Pantau (mungkin halaman login Wi-Fi atau hotspot).',
  csrf: 'Token keamanan kedaluwarsa; akan dicoba lagi.',
  http_429: 'Server sedang sibuk.',
  server_down: 'Server Pantau sedang tidak menjawab.',
  storage_full: 'Memori ponsel penuh: hasil pengiriman tidak bisa dicatat.',
};

/**
 * A sentence for a failed run's reason code.
 * @param {string|null} reason
 * @param {string|null} detail  the server's own message, when it sent one
 */
export function reasonText(reason, detail) {
  if (detail) return detail;
  if (!reason) return '';
  if (REASONS[reason]) return t(REASONS[reason]);
  const http = /^http_(\d+)$/.exec(reason);
  if (http) return t('Server menjawab dengan galat (HTTP {code}).', { code: http[1] });
  return t('Galat di aplikasi: {reason}', { reason });
}

/**
 * @typedef {Object} SyncView
 * @property {'online'|'portal'|'down'|'offline'|null} reachable  null: not asked yet
 * @property {boolean} running
 * @property {{items: number, itemsDone: number, photos: number, photosDone: number, bytes: number,
 *   bytesDone: number, startedAt: number, at: number}|null} progress  the run going on
 * @property {{pending: number, uploading: number, rejected: number, failed: number, otherUser: number,
 *   total: number, oldestAt: number|null, stale: boolean}} counts
 * @property {number|null} lastSuccessAt
 * @property {boolean} authNeeded
 * @property {boolean|null} backgroundSync  whether the browser can send without an open page
 * @property {{reason: string, detail: string|null, nextAt: number}|null} failure
 */

const CONNECTION = {
  online: 'Daring',
  portal: 'Jaringan meminta login Wi-Fi',
  down: 'Server tidak menjawab',
  offline: 'Luring',
};

/** "340 KB", "12,4 MB". @param {number} bytes */
export function formatBytes(bytes) {
  if (bytes >= 1e6) return `${formatNumber(Math.round(bytes / 1e5) / 10)} MB`;
  return `${formatNumber(Math.max(0, Math.round(bytes / 1e3)))} KB`;
}

/** "40 detik", "4 menit". @param {number} ms */
export function formatDuration(ms) {
  const seconds = Math.max(1, Math.ceil(ms / 1000));
  if (seconds < 90) return t('{n} detik', { n: seconds });
  return t('{n} menit', { n: Math.ceil(seconds / 60) });
}

/**
 * Time left at the average speed so far, estimated when the figures were taken and counted
 * down since (so it moves while the server answers a photo); null before anything was sent.
 * @param {{bytes: number, bytesDone: number, startedAt: number, at: number}} progress
 * @param {number} now
 */
export function timeLeft(progress, now) {
  const at = progress.at || now;
  const elapsed = at - progress.startedAt;
  if (!progress.bytesDone || elapsed <= 0) return null;
  const estimate = ((progress.bytes - progress.bytesDone) * elapsed) / progress.bytesDone;
  return Math.max(1000, estimate - (now - at));
}

function progressLines(progress) {
  const left = timeLeft(progress, Date.now());
  const parts = [
    t('Foto {done} dari {total}', { done: progress.photosDone, total: progress.photos }),
    t('{done} dari {total}', { done: formatBytes(progress.bytesDone), total: formatBytes(progress.bytes) }),
    left === null ? t('menghitung sisa waktu…') : t('sisa ± {time}', { time: formatDuration(left) }),
  ];
  return h('div', { class: 'sync-progress', dataset: {
    itemsDone: progress.itemsDone, items: progress.items, photosDone: progress.photosDone, photos: progress.photos,
    bytesDone: progress.bytesDone, bytes: progress.bytes,
  } },
  h('progress', { max: Math.max(1, progress.bytes), value: progress.bytesDone, 'aria-hidden': 'true' }),
  h('span', { class: 'sync-progress-text', text: parts.join(' · ') }));
}

/**
 * Draw the sync bar.
 * @param {HTMLElement} root
 * @param {SyncView} view
 * @param {{onSync: () => void, onLogin: () => void}} actions
 */
export function renderSyncBar(root, view, actions) {
  const { counts } = view;
  const waiting = counts.pending + counts.uploading + counts.failed;
  let tone = waiting ? 'wait' : 'ok';
  const connection = view.reachable ? t(CONNECTION[view.reachable]) : t('Belum dicek');
  if ((view.reachable === 'offline' || view.reachable === 'portal') && !waiting) tone = 'off';
  let headline = waiting ? t('{n} menunggu dikirim', { n: waiting }) : t('Semua terkirim');
  if (view.authNeeded) {
    headline = t('Perlu masuk lagi');
    tone = 'bad';
  }
  if (counts.rejected) {
    tone = 'bad';
    if (!waiting && !view.authNeeded) headline = t('{n} ditolak server', { n: counts.rejected });
  }
  const progress = view.running && view.progress && view.progress.items ? view.progress : null;
  if (view.running) {
    headline = progress
      ? t('Terkirim {done} dari {total} kiriman', { done: progress.itemsDone, total: progress.items })
      : t('Menyinkronkan…');
    tone = 'busy';
  }
  const button = h('button', { type: 'button', class: 'button sync-button', disabled: view.running,
    text: view.running ? t('Mengirim…') : t('Sinkronkan'), onclick: actions.onSync });
  const since = view.lastSuccessAt
    ? t('sinkron terakhir {time}', { time: formatWib(view.lastSuccessAt) })
    : t('belum pernah sinkron');
  const lines = [
    h('div', { class: 'sync-main' },
      h('span', { class: 'sync-dot', 'aria-hidden': 'true' }),
      h('strong', { class: 'sync-status', text: headline }),
      button,
      h('span', { class: 'sync-last', text: `${connection} · ${progress ? t('{n} menunggu', { n: waiting }) : since}` })),
    progress ? progressLines(progress) : null,
  ];
  if (progress && view.backgroundSync === false) {
    lines.push(h('p', { class: 'sync-note warn', text: t('Biarkan aplikasi tetap terbuka sampai pengiriman selesai: browser ini tidak bisa mengirim di latar belakang.') }));
  }
  if (view.reachable === 'portal' && !view.running) {
    lines.push(h('p', { class: 'sync-note warn', text: t('Jaringan Wi-Fi ini meminta login (halaman hotspot). Buka browser dan masuk ke jaringan itu; pengiriman mulai sendiri sesudahnya.') }));
  }
  if (counts.rejected) {
    lines.push(h('p', { class: 'sync-note bad' }, t('Kiriman yang ditolak perlu diperbaiki.'),
      ' ', h('a', { href: '#/antrean', text: t('Lihat antrean') })));
  }
  if (view.authNeeded) {
    lines.push(h('p', { class: 'sync-note bad' },
      t('Sesi Anda berakhir. Masuk lagi untuk mengirim; antrean tetap aman di ponsel ini.'), ' ',
      h('button', { type: 'button', class: 'button small primary login-again', text: t('Masuk lagi'),
        onclick: actions.onLogin })));
  } else if (view.failure && !view.running && waiting && view.failure.reason !== 'unreachable') {
    // "Luring" already says the server is out of reach; other failures need their reason.
    const retry = view.failure.nextAt ? t('Dicoba lagi otomatis {time}.', { time: formatWib(view.failure.nextAt) }) : '';
    lines.push(h('p', { class: 'sync-note' }, `${reasonText(view.failure.reason, view.failure.detail)} ${retry}`));
  }
  if (counts.stale) {
    lines.push(h('p', { class: 'sync-note warn' },
      t('Ada kiriman yang menunggu lebih dari 1 hari ({age}). Cari sinyal lalu tekan Sinkronkan, atau ekspor antrean untuk admin.',
        { age: formatAge(Date.now() - counts.oldestAt) }), ' ', h('a', { href: '#/antrean', text: t('Lihat antrean') })));
  }
  if (counts.otherUser) {
    lines.push(h('p', { class: 'sync-note warn', text: t('{n} kiriman milik pengguna lain di ponsel ini; terkirim saat pengguna itu masuk.', { n: counts.otherUser }) }));
  }
  root.dataset.tone = tone;
  replace(root, lines);
}

/** Two taps, the second after a warning: nothing leaves the outbox by accident. */
function discardButton(item, actions) {
  const button = h('button', { type: 'button', class: 'button danger', text: t('Buang dari antrean') });
  button.addEventListener('click', () => {
    if (!button.classList.contains('confirm')) {
      button.classList.add('confirm');
      button.textContent = t('Yakin buang? Isian ini tidak akan sampai ke server');
      return;
    }
    actions.onDiscard(item.uuid);
  });
  return button;
}

const STATE_LABELS = {
  pending: ['Menunggu dikirim', 'belum'],
  uploading: ['Foto belum terkirim', 'cukup'],
  rejected: ['Ditolak server', 'kotor'],
  failed: ['Foto ditolak', 'kotor'],
};

/**
 * Draw the outbox.
 * @param {HTMLElement} root
 * @param {Array<Object>} items  outbox items, oldest first
 * @param {{userId: number|null, describeError: (item: Object, path: string) => string,
 *   onFix: (uuid: string) => void, onRetry: (uuid: string) => void, onDiscard: (uuid: string) => void,
 *   onExport: () => void}} actions
 */
export function renderOutbox(root, items, actions) {
  const cards = items.map((item) => {
    const [stateLabel, tone] = STATE_LABELS[item.state] || [item.state, 'belum'];
    const mine = actions.userId === null || item.userId === actions.userId;
    const body = [
      h('div', { class: 'item-head' },
        h('strong', { text: item.formTitle || item.payload.form }),
        h('span', { class: `badge badge-${tone}`, text: t(stateLabel) })),
      h('p', { class: 'item-site', text: item.siteName || t('Tanpa lokasi') }),
      h('p', { class: 'muted small', text: t('Dibuat {time}', { time: formatWib(item.createdAt) })
        + (item.attempts ? ` · ${t('dicoba {n} kali', { n: item.attempts })}` : '') }),
    ];
    if (!mine) {
      body.push(h('p', { class: 'sync-note warn', text: t('Milik pengguna {name}: terkirim saat dia masuk di ponsel ini.', { name: item.username || '?' }) }));
    }
    if (item.state === 'uploading') {
      body.push(h('p', { class: 'small', text: t('Isian sudah diterima; {n} foto belum terkirim.', { n: item.missing.length }) }));
    }
    if (item.state === 'rejected') {
      const errors = Object.entries(item.errors || {});
      body.push(h('div', { class: 'item-errors', role: 'group', 'aria-label': t('Alasan penolakan') },
        h('p', { class: 'error', text: item.message || t('Server menolak kiriman ini:') }),
        h('ul', {}, errors.map(([path, messages]) => h('li', {},
          h('strong', { text: `${actions.describeError(item, path)}: ` }), [].concat(messages).join(' ')))),
        h('div', { class: 'actions' },
          h('button', { type: 'button', class: 'button primary', text: t('Perbaiki & kirim ulang'),
            onclick: () => actions.onFix(item.uuid) }),
          discardButton(item, actions))));
    }
    if (item.state === 'failed') {
      const message = item.message === 'photo_lost' ? t('Foto hilang dari penyimpanan ponsel.') : item.message;
      body.push(h('p', { class: 'error', text: message }),
        h('div', { class: 'actions' },
          h('button', { type: 'button', class: 'button', text: t('Coba kirim lagi'), onclick: () => actions.onRetry(item.uuid) }),
          discardButton(item, actions)));
    }
    return h('article', { class: `card outbox-item state-${item.state}`, dataset: { uuid: item.uuid } }, body);
  });
  replace(root,
    h('h1', { text: t('Antrean kiriman') }),
    items.length
      ? h('p', { class: 'muted', text: t('{n} kiriman tersimpan di ponsel ini dan belum selesai terkirim.', { n: items.length }) })
      : h('p', { class: 'card empty', text: t('Antrean kosong: semua isian sudah terkirim.') }),
    cards,
    h('section', { class: 'card rescue' },
      h('h2', { text: t('Ekspor antrean') }),
      h('p', { class: 'small', text: t('Simpan seluruh antrean (isian dan foto) ke satu berkas. Bila ponsel ini tidak bisa mengirim, serahkan berkas itu ke admin untuk diimpor.') }),
      h('button', { type: 'button', class: 'button', id: 'export-outbox', text: t('Ekspor antrean'), disabled: !items.length,
        onclick: actions.onExport })));
}

/**
 * A review state's label, from the server's vocabulary (settings.review_labels, in Indonesian and
 * translated here like every other text); an unknown state reads as itself.
 * @param {string} state
 */
function reviewLabel(state) {
  const labels = SETTINGS.review_labels || {};
  return t(labels[state] || state);
}

/**
 * Draw "Kiriman saya".
 * @param {HTMLElement} root
 * @param {{at: number, submissions: Array<Object>}|null} mine  the last list fetched
 * @param {{formTitle: (code: string) => string, onRefresh: () => void, loading: boolean, error: string|null}} actions
 */
export function renderMine(root, mine, actions) {
  // Work sent back for correction first, then newest first (the server's order).
  const list = mine ? [...mine.submissions].sort((a, b) => (b.review_state === 'returned') - (a.review_state === 'returned')) : [];
  replace(root,
    h('h1', { text: t('Kiriman saya') }),
    h('p', { class: 'muted small', text: mine ? t('Menurut server, diperbarui {time}.', { time: formatWib(mine.at) })
      : t('Belum diambil dari server.') }),
    actions.error ? h('p', { class: 'error', text: actions.error }) : null,
    h('div', { class: 'actions' }, h('button', { type: 'button', class: 'button', disabled: actions.loading,
      text: actions.loading ? t('Memuat…') : t('Muat ulang'), onclick: actions.onRefresh })),
    mine && !list.length ? h('p', { class: 'card empty', text: t('Belum ada kiriman yang diterima server.') }) : null,
    list.map((s) => {
      const tone = ['received', 'approved', 'returned', 'rejected'].includes(s.review_state) ? s.review_state : 'received';
      return h('article', { class: `card mine-item review-${s.review_state}`, dataset: { uuid: s.uuid } },
        h('div', { class: 'item-head' },
          h('strong', { text: actions.formTitle(s.form) }),
          h('span', { class: `badge badge-${tone}`, text: reviewLabel(s.review_state) })),
        h('p', { class: 'item-site', text: s.site_name || t('Tanpa lokasi') }),
        h('p', { class: 'muted small', text: t('Diisi {time}', { time: formatWib(s.recorded_at) })
          + (typeof s.score === 'number' ? ` · ${t('skor {score}', { score: formatNumber(s.score) })}` : '') }),
        s.status === 'incomplete'
          ? h('p', { class: 'sync-note warn', text: t('Foto belum lengkap di server ({n}).', { n: (s.missing_attachments || []).length }) }) : null,
        s.review_note ? h('p', { class: `review-note${s.review_state === 'returned' ? ' warn' : ''}` },
          h('strong', { text: `${t('Catatan peninjau')}: ` }), s.review_note) : null);
    }));
}
