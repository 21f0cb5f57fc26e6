/**
 * The home page (/beranda) of a monitor: how many of their submissions are still on this phone.
 * Reads the field app's outbox (IndexedDB) and shows nothing when this browser has none.
 * @module home-outbox
 */
import { summary } from './outbox.js';
import { t } from './i18n.js';

const box = document.getElementById('home-outbox');
const count = document.getElementById('home-outbox-count');

async function show() {
  if (!box || !('indexedDB' in globalThis)) return;
  const userId = Number(box.dataset.user);
  const counts = await summary(userId);
  if (!counts.total) return;
  count.textContent = t('{n} kiriman di antrean ponsel ini', { n: counts.total })
    + (counts.rejected ? ` · ${t('{n} ditolak server', { n: counts.rejected })}` : '');
  box.hidden = false;
}

show().catch((error) => console.error('outbox check failed', error));
