/**
 * The "Masuk lagi" sheet: logging in again over the field app, without leaving it, so the
 * outbox and any upload in flight stay as they are. The login itself comes in as a function.
 * @module login-sheet
 */
import { h } from './dom.js';
import { t } from './i18n.js';

/**
 * Open the sheet (one at a time).
 * @param {{username: string, logIn: (username: string, password: string) => Promise<Object>,
 *   describeError: (error: Error) => string, onLoggedIn: (session: Object) => void}} options
 * @returns {HTMLDialogElement}
 */
export function openLoginSheet({ username, logIn, describeError, onLoggedIn }) {
  const open = document.getElementById('login-sheet');
  if (open) return open;
  const error = h('p', { class: 'error', role: 'alert', hidden: true });
  const user = h('input', { id: 'sheet-username', name: 'username', type: 'text', autocomplete: 'username', required: true,
    autocapitalize: 'none', spellcheck: 'false', value: username || '' });
  const password = h('input', { id: 'sheet-password', name: 'password', type: 'password',
    autocomplete: 'current-password', required: true });
  const submit = h('button', { type: 'submit', class: 'button primary', text: t('Masuk') });
  const cancel = h('button', { type: 'button', class: 'button', text: t('Batal') });
  const form = h('form', { method: 'dialog', class: 'sheet-form' },
    h('h2', { text: t('Masuk lagi') }),
    h('p', { class: 'small', text: t('Antrean tetap aman di ponsel ini; pengiriman berlanjut setelah Anda masuk.') }),
    h('label', { for: 'sheet-username', text: t('Nama pengguna') }), user,
    h('label', { for: 'sheet-password', text: t('Kata sandi') }), password,
    error,
    h('div', { class: 'actions' }, submit, cancel));
  const sheet = h('dialog', { id: 'login-sheet', class: 'sheet', 'aria-labelledby': 'login-sheet-title' }, form);
  sheet.querySelector('h2').id = 'login-sheet-title';
  const close = () => {
    sheet.close();
    sheet.remove();
  };
  cancel.addEventListener('click', close);
  sheet.addEventListener('cancel', () => sheet.remove());
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    submit.disabled = true;
    submit.textContent = t('Memeriksa…');
    error.hidden = true;
    try {
      const session = await logIn(user.value.trim(), password.value);
      close();
      onLoggedIn(session);
    } catch (failure) {
      error.textContent = describeError(failure);
      error.hidden = false;
      password.select();
    } finally {
      submit.disabled = false;
      submit.textContent = t('Masuk');
    }
  });
  document.body.append(sheet);
  sheet.showModal();
  (username ? password : user).focus();
  return sheet;
}
