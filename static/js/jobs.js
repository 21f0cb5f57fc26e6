/**
 * Follows the report jobs listed on /laporan: each job still queued or running is polled at
 * GET /api/v1/reports/jobs/<uuid> until it is ready (the download link appears) or failed (the
 * reason and a retry button appear). The page works without this module; it only saves reloads.
 * Every text shown comes from the server (already translated) or from data-* attributes.
 */

const FINAL = new Set(['ready', 'failed']);
const FIRST_DELAY_MS = 1500;
const MAX_DELAY_MS = 10000;

/**
 * Show a job's state in its list item.
 * @param {HTMLElement} item the <li> of the job
 * @param {{state: string, state_label: string, progress: number, message: ?string,
 *          download_url: ?string, result_name: ?string, can_retry: boolean}} job
 */
export function render(item, job) {
  item.dataset.state = job.state;
  item.className = `job job-${job.state}`;
  const badge = item.querySelector('.job-state');
  badge.className = `badge badge-job-${job.state} job-state`;
  badge.textContent = job.state_label;

  const progress = item.querySelector('.job-progress');
  progress.hidden = FINAL.has(job.state);
  progress.querySelector('progress').value = job.progress;
  progress.querySelector('progress').textContent = `${job.progress}%`;
  progress.querySelector('.job-pct').textContent = `${job.progress}%`;

  const message = item.querySelector('.job-message');
  message.classList.remove('note');
  message.textContent = job.message || '';
  message.hidden = !job.message;

  const download = item.querySelector('.job-download');
  download.hidden = job.state !== 'ready' || !job.download_url;
  if (job.download_url) download.href = job.download_url;
  item.querySelector('.job-file').textContent = job.result_name || '';

  item.querySelector('.job-retry').hidden = !job.can_retry;
}

/** Say, without hiding the job's own state, that polling is having trouble. */
function note(item, text) {
  const message = item.querySelector('.job-message');
  if (!message.hidden && !message.classList.contains('note')) return;
  message.classList.add('note');
  message.textContent = text;
  message.hidden = false;
}

/**
 * Poll one job until it is final.
 * @param {HTMLElement} item
 * @param {{pollError: string, sessionExpired: string}} texts
 */
function follow(item, texts) {
  let delay = FIRST_DELAY_MS;
  const tick = async () => {
    if (document.hidden) {
      // A hidden tab polls nothing; it catches up when it is shown again.
      document.addEventListener('visibilitychange', tick, { once: true });
      return;
    }
    try {
      const response = await fetch(item.dataset.statusUrl, {
        headers: { Accept: 'application/json' },
        credentials: 'same-origin',
        cache: 'no-store',
      });
      if (response.status === 401) {
        note(item, texts.sessionExpired);
        return;
      }
      if (!response.ok) throw new Error(`HTTP ${response.status}`);
      const job = await response.json();
      render(item, job);
      if (FINAL.has(job.state)) return;
      delay = job.state === 'running' ? FIRST_DELAY_MS : Math.min(delay * 1.5, MAX_DELAY_MS);
    } catch (error) {
      note(item, texts.pollError);
      delay = Math.min(delay * 2, MAX_DELAY_MS);
    }
    window.setTimeout(tick, delay);
  };
  window.setTimeout(tick, delay);
}

function start() {
  const list = document.getElementById('jobs');
  if (!list) return;
  const texts = { pollError: list.dataset.pollError, sessionExpired: list.dataset.sessionExpired };
  for (const item of list.querySelectorAll('li.job')) {
    if (!FINAL.has(item.dataset.state)) follow(item, texts);
  }
}

start();
