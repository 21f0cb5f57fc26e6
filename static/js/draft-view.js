/**
 * The form screen: one draft, with its site, its GPS fix, the form itself and the submit button.
 * Everything typed is saved to the draft as it is typed (and at once when the page is hidden),
 * so a reload, a crash or an app update loses nothing. Submitting moves the draft into the
 * outbox in one step; it works offline.
 * @module draft-view
 */
import { h, replace } from './dom.js';
import { label, formatWib, t } from './i18n.js';
import * as store from './store.js';
import * as outbox from './outbox.js';
import * as geo from './geo.js';
import { processImage } from './photos.js';
import { renderForm } from './form-renderer.js';
import { renderSitePicker } from './sites.js';

/**
 * A sentence for a GPS failure.
 * @param {Error} error
 */
export function geoErrorText(error) {
  const code = error && error.code;
  if (globalThis.isSecureContext === false) {
    return t('GPS tidak tersedia: sambungan ini tidak aman (http://), dan browser hanya memberi lokasi lewat https://.');
  }
  if (code === 'denied') return t('Izin lokasi ditolak. Izinkan lokasi untuk aplikasi ini di pengaturan browser, lalu coba lagi.');
  if (code === 'timeout') return t('GPS belum mendapat sinyal. Coba di tempat terbuka, lalu ambil ulang.');
  if (code === 'unsupported') return t('Ponsel ini tidak menyediakan GPS untuk browser.');
  return t('Lokasi tidak tersedia. Nyalakan GPS, lalu ambil ulang.');
}

/**
 * The draft a rejected outbox item becomes, for correction.
 * @param {Object} item
 */
export function draftFromItem(item) {
  const site = item.payload.site;
  return {
    uuid: item.uuid, userId: item.userId, username: item.username, form: item.payload.form,
    formVersion: item.payload.form_version, definition: item.definition, answers: item.payload.answers,
    site: site ? site.uuid : null, location: item.payload.location, createdAt: item.createdAt, updatedAt: Date.now(),
    siteNew: site && site.new ? { uuid: site.uuid, ...site.new, userId: item.userId, createdAt: item.createdAt } : null,
    rejection: { errors: item.errors || {}, message: item.message || null, at: item.rejectedAt || Date.now() },
  };
}

function choicesFor(ref, siteUuid) {
  const here = t('Di lokasi ini');
  const other = t('Kegiatan lain');
  const kegiatan = ref.kegiatan.map((k) => ({
    value: k.code, label: `${k.name} (${k.code})`,
    group: siteUuid && (k.site_uuids || []).includes(siteUuid) ? here : other,
  }));
  kegiatan.sort((a, b) => (a.group === b.group ? 0 : a.group === here ? -1 : 1));
  if (!kegiatan.some((k) => k.group === here)) kegiatan.forEach((k) => { delete k.group; });
  return { kegiatan, opd: ref.opd.map((o) => ({ value: o.code, label: o.name })) };
}

/**
 * Open a draft in `root`.
 * @param {HTMLElement} root
 * @param {{uuid: string, ref: Object, user: Object, onQueued: (item: Object) => void,
 *   onDiscarded: () => void}} ctx
 * @returns {Promise<{dispose: () => Promise<void>}>}
 */
export async function openDraft(root, ctx) {
  const draft = await store.getDraft(ctx.uuid);
  if (!draft) {
    replace(root, h('h1', { text: t('Draf tidak ditemukan') }),
      h('p', { text: t('Draf ini sudah dikirim ke antrean atau dihapus.') }),
      h('a', { class: 'button', href: '#/', text: t('Kembali') }));
    return { dispose: async () => {} };
  }
  const { ref } = ctx;
  const definition = draft.definition;
  const urls = [];
  // Saved as the monitor types: at most one write in flight, and one more queued behind it
  // holding the latest state, so a crash loses at most the keystroke being written.
  let saving = Promise.resolve();
  let dirty = false;
  let writing = false;
  let closed = false;
  const savedNote = h('span', { class: 'muted small saved-note', 'aria-live': 'polite' });

  function saveNow() {
    if (closed) return saving;
    dirty = true;
    if (!writing) {
      writing = true;
      saving = (async () => {
        try {
          while (dirty) {
            dirty = false;
            draft.updatedAt = Date.now();
            await store.putDraft(draft);
          }
          savedNote.textContent = t('Draf tersimpan {time}', { time: formatWib(draft.updatedAt) });
        } catch (error) {
          console.error(error);
          savedNote.textContent = error instanceof store.StorageFull
            ? t('Memori ponsel penuh: perubahan terakhir belum tersimpan.')
            : t('Draf GAGAL disimpan: {error}', { error: String(error) });
        } finally {
          writing = false;
        }
      })();
    }
    return saving;
  }
  const scheduleSave = saveNow;

  /* ---- the submission's GPS fix ---- */
  const gpsInfo = h('p', { class: 'gps-info', 'aria-live': 'polite' });
  const gpsError = h('p', { class: 'error', role: 'alert', hidden: true });
  const gpsRetry = h('button', { type: 'button', class: 'button', text: t('Ambil ulang GPS') });
  const gpsClear = h('button', { type: 'button', class: 'button secondary', text: t('Hapus titik') });
  let gpsServerError = null;

  function locationProblem() {
    const fix = draft.location;
    if (fix && !geo.inBbox(ref.region && ref.region.bbox, fix.lat, fix.lon)) {
      return t('Titik GPS di luar wilayah kabupaten, server akan menolaknya. Ambil ulang GPS, atau hapus titik.');
    }
    return gpsServerError;
  }
  function drawGps(state) {
    const fix = draft.location;
    gpsClear.hidden = !fix;
    gpsInfo.className = 'gps-info';
    if (state === 'busy') {
      gpsInfo.textContent = t('Mencari sinyal GPS…');
    } else if (state && state.error) {
      gpsInfo.textContent = geoErrorText(state.error) + (fix ? '' : ` ${t('Isian tetap boleh disimpan tanpa titik.')}`);
      gpsInfo.classList.add('warn');
    } else if (!fix) {
      gpsInfo.textContent = t('Belum ada titik GPS. Isian tetap boleh disimpan tanpa titik.');
      gpsInfo.classList.add('warn');
    } else {
      const accuracy = typeof fix.accuracy_m === 'number' ? t('akurasi ±{m} m', { m: Math.round(fix.accuracy_m) }) : t('akurasi tidak diketahui');
      gpsInfo.textContent = `${fix.lat.toFixed(6)}, ${fix.lon.toFixed(6)} · ${accuracy}`;
      if (geo.isPoor(fix)) {
        gpsInfo.append(h('span', { class: 'gps-flag', text: t('Akurasi rendah (lebih dari {m} m): ditandai, tetap boleh disimpan. Coba ambil ulang di tempat terbuka.', { m: geo.poorAccuracyM() }) }));
        gpsInfo.classList.add('warn');
      }
    }
    const problem = locationProblem();
    gpsError.textContent = problem || '';
    gpsError.hidden = !problem;
  }
  async function captureLocation() {
    gpsRetry.disabled = true;
    drawGps('busy');
    try {
      const fix = await geo.capture();
      draft.location = { lat: fix.lat, lon: fix.lon, accuracy_m: fix.accuracy_m };
      gpsServerError = null;
      scheduleSave();
      drawGps();
      if (picker) picker.setPosition(draft.location);
    } catch (error) {
      drawGps({ error });
    } finally {
      gpsRetry.disabled = false;
    }
  }
  gpsRetry.addEventListener('click', captureLocation);
  gpsClear.addEventListener('click', () => { draft.location = null; gpsServerError = null; scheduleSave(); drawGps(); });

  /* ---- the site ---- */
  const siteBox = h('section', { class: 'card site-box', id: 'site-box' });
  let picker = null;
  function currentSite() {
    return ref.sites.find((s) => s.uuid === draft.site) || null;
  }

  /* ---- the form ---- */
  const formBox = h('div', { class: 'form-box' });
  let form = null;
  function drawForm() {
    form = renderForm(formBox, definition, {
      answers: draft.answers,
      choices: choicesFor(ref, draft.site),
      photos: {
        add: async (field, file) => {
          const processed = await processImage(file);
          const photo = { uuid: store.newUuid(), owner: draft.uuid, field, ...processed, createdAt: Date.now() };
          await store.putPhoto(photo);
          return photo;
        },
        remove: (uuid) => store.deletePhoto(uuid),
        errorText: (error) => {
          if (error instanceof store.StorageFull) {
            return t('Memori ponsel penuh: foto tidak tersimpan. Kosongkan memori ponsel, lalu ambil ulang.');
          }
          if (!globalThis.crypto || !globalThis.crypto.subtle) {
            // Outside a secure context the browser withholds the hashing every photo needs.
            return t('Foto tidak bisa disimpan: sambungan ini tidak aman (http://), dan browser hanya mengolah foto lewat https://. Buka aplikasi lewat alamat https://.');
          }
          return t('Foto tidak bisa dibaca. Coba ambil ulang.');
        },
        thumbUrl: async (uuid) => {
          const photo = await store.getPhoto(uuid);
          if (!photo) return null;
          const url = URL.createObjectURL(photo.thumb || photo.blob);
          urls.push(url);
          return url;
        },
      },
      geo: { capture: geo.capture, errorText: geoErrorText },
      onChange: (answers) => {
        draft.answers = answers;
        scheduleSave();
        drawRemaining();
      },
    });
    drawRemaining();
  }

  /* ---- rejection from the server ---- */
  const rejectionBox = h('div', { class: 'card rejection', role: 'alert', hidden: true });
  function applyRejection() {
    const rejection = draft.rejection;
    if (!rejection) return;
    const errors = rejection.errors || {};
    const other = Object.entries(errors).filter(([path]) => !path.startsWith('answers') && !path.startsWith('site')
      && !path.startsWith('location'));
    replace(rejectionBox,
      h('strong', { text: t('Server menolak kiriman ini. Perbaiki yang ditandai, lalu simpan & kirim lagi.') }),
      other.length ? h('ul', {}, other.map(([path, msgs]) => h('li', { text: `${path}: ${[].concat(msgs).join(' ')}` }))) : null);
    rejectionBox.hidden = false;
    form.setServerErrors(errors);
    const siteErrors = Object.entries(errors).filter(([path]) => path.startsWith('site')).flatMap(([, m]) => m);
    if (picker && siteErrors.length) picker.setErrors(siteErrors);
    const locationErrors = Object.entries(errors).filter(([path]) => path.startsWith('location')).flatMap(([, m]) => m);
    gpsServerError = locationErrors.length ? locationErrors.join(' ') : null;
    drawGps();
  }

  /* ---- submit ---- */
  const submitLeft = h('span', { class: 'submit-left' });
  const submitButton = h('button', { type: 'button', class: 'button primary block', id: 'submit-draft' },
    h('span', { text: t('Simpan') }), submitLeft);
  /** The sticky button says how many answers are still missing (the site counts as one). */
  function drawRemaining() {
    if (!form) return;
    const left = form.remaining() + (definition.site_required !== false && !currentSite() ? 1 : 0);
    submitLeft.textContent = left ? t('{n} belum diisi', { n: left }) : t('& kirim');
    submitButton.classList.toggle('incomplete', left > 0);
    submitButton.dataset.left = String(left);
  }
  const discardButton = h('button', { type: 'button', class: 'button danger', text: t('Hapus draf') });
  const submitError = h('p', { class: 'error', role: 'alert', hidden: true });

  async function submit() {
    submitError.hidden = true;
    const result = form.showAllErrors();
    const problems = [];
    const site = currentSite();
    if (definition.site_required !== false && !site) {
      problems.push(t('Pilih lokasi dulu.'));
      if (picker) picker.setErrors([t('Wajib diisi.')]);
    }
    if (locationProblem()) problems.push(locationProblem());
    const attachments = [];
    if (Object.keys(result.errors).length === 0) {
      for (const spec of definition.fields.filter((f) => f.type === 'photo')) {
        for (const uuid of result.cleaned[spec.name] || []) {
          const photo = await store.getPhoto(uuid);
          if (!photo) {
            problems.push(t('Sebuah foto hilang dari ponsel; hapus lalu ambil ulang.'));
            continue;
          }
          attachments.push({ uuid: photo.uuid, field: spec.name, sha256: photo.sha256, bytes: photo.bytes,
            content_type: photo.content_type });
        }
      }
    }
    if (Object.keys(result.errors).length || problems.length) {
      if (problems.length) {
        submitError.textContent = problems.join(' ');
        submitError.hidden = false;
      }
      // The first problem in page order: the site, then the GPS fix, then the form.
      if (!site && definition.site_required !== false) siteBox.scrollIntoView({ block: 'start' });
      else if (locationProblem()) gpsError.scrollIntoView({ block: 'center' });
      else if (!form.focusFirstError()) submitError.scrollIntoView({ block: 'center' });
      return;
    }
    let siteRef = null;
    if (site) {
      siteRef = { uuid: site.uuid };
      if (site.local) {
        siteRef.new = { name: site.name, kind: site.kind, desa_code: site.desa_code, lat: site.lat, lon: site.lon };
      }
    }
    const location = draft.location ? { lat: draft.location.lat, lon: draft.location.lon,
      accuracy_m: draft.location.accuracy_m ?? null } : null;
    const payload = {
      uuid: draft.uuid, form: draft.form, form_version: draft.formVersion,
      recorded_at: new Date(draft.createdAt).toISOString(), location, site: siteRef,
      answers: result.cleaned, attachments,
    };
    submitButton.disabled = true;
    draft.answers = form.answers();
    await saveNow();
    closed = true;
    const item = await outbox.enqueue(draft.uuid, {
      uuid: draft.uuid, userId: draft.userId, username: draft.username, createdAt: draft.createdAt,
      formTitle: label(definition.title), siteName: site ? site.name : null, definition, payload,
    });
    ctx.onQueued(item);
  }
  submitButton.addEventListener('click', () => {
    submit().catch((error) => {
      console.error(error);
      closed = false;
      submitButton.disabled = false;
      submitError.textContent = error instanceof store.StorageFull
        ? t('Memori ponsel penuh: isian belum masuk antrean; drafnya tetap ada. Kirim antrean atau kosongkan memori ponsel, lalu tekan Simpan & kirim lagi.')
        : t('Gagal menyimpan ke antrean: {error}', { error: String(error) });
      submitError.hidden = false;
    });
  });
  discardButton.addEventListener('click', async () => {
    if (!discardButton.classList.contains('confirm')) {
      discardButton.classList.add('confirm');
      discardButton.textContent = t('Yakin hapus draf ini?');
      return;
    }
    closed = true;
    await saving;
    await store.deleteDraft(draft.uuid);
    ctx.onDiscarded();
  });

  replace(root,
    h('a', { class: 'back-link', href: '#/', text: t('‹ Kembali') }),
    h('h1', { text: label(definition.title) }),
    definition.description ? h('p', { class: 'muted small form-desc', text: label(definition.description) }) : null,
    rejectionBox,
    siteBox,
    h('section', { class: 'card gps-box' },
      h('h2', { class: 'section-title', text: t('Titik GPS isian') }), gpsInfo, gpsError,
      h('div', { class: 'actions' }, gpsRetry, gpsClear)),
    formBox,
    h('div', { class: 'submit-meta' }, savedNote, discardButton),
    h('div', { class: 'submit-bar' }, submitError, submitButton));

  picker = renderSitePicker(siteBox, {
    sites: ref.sites, desa: ref.desa, kecamatan: ref.kecamatan, siteKinds: ref.siteKinds,
    bbox: ref.region && ref.region.bbox, selected: draft.site, position: draft.location,
    required: definition.site_required !== false,
    onSelect: (site) => {
      draft.site = site ? site.uuid : null;
      scheduleSave();
      draft.answers = form.answers();
      drawForm();
      drawRemaining();
      applyRejection();
    },
    onCreate: async (fields) => {
      const site = { uuid: fields.uuid || store.newUuid(), name: fields.name, kind: fields.kind, desa_code: fields.desa_code,
        lat: fields.lat, lon: fields.lon, userId: ctx.user.id, createdAt: Date.now() };
      await store.putLocalSite(site);
      const normalised = ref.normaliseLocalSite(site);
      ref.sites = [...ref.sites.filter((s) => s.uuid !== site.uuid), normalised];
      return normalised;
    },
    capture: async () => {
      const fix = await geo.capture();
      return { lat: fix.lat, lon: fix.lon, accuracy_m: fix.accuracy_m };
    },
    geoErrorText,
  });
  drawForm();
  drawGps();
  applyRejection();
  if (draft.rejection && !form.focusFirstError()) rejectionBox.scrollIntoView({ block: 'start' });
  if (!draft.location && !draft.rejection) captureLocation();

  return {
    /** Wait for the pending draft write (before an update reloads the page). */
    flush: () => saving,
    async dispose() {
      await saving;
      closed = true;
      urls.forEach((url) => URL.revokeObjectURL(url));
    },
  };
}
