/**
 * Logging in again from inside the field app: a CSRF token, then the credentials, both over
 * fetch, so the page (and any upload in flight) stays where it is. No DOM.
 * @module session
 */
import { fetchWithTimeout } from './connectivity.js';

const TIMEOUT_MS = 15000;

/** The server said no: wrong credentials, too many attempts. `message` is the server's, translated. */
export class LoginRefused extends Error {}
/** The server could not be asked (no network, a portal, a server error). */
export class LoginUnavailable extends Error {}

async function json(response) {
  const type = response.headers.get('Content-Type') || '';
  if (!type.includes('application/json')) throw new LoginUnavailable('not_api_answer');
  try {
    return await response.json();
  } catch (error) {
    throw new LoginUnavailable('not_api_answer');
  }
}

async function request(url, init) {
  try {
    return await fetchWithTimeout(url, { credentials: 'same-origin', cache: 'no-store', ...init }, TIMEOUT_MS);
  } catch (error) {
    throw new LoginUnavailable('network');
  }
}

/**
 * Log in; the session cookie is replaced and the answer carries the new CSRF token.
 * @param {string} username
 * @param {string} password
 * @returns {Promise<{user: {id: number, username: string, full_name: string}, csrf_token: string}>}
 */
export async function logIn(username, password) {
  const tokenAnswer = await request('/api/v1/session/token', { headers: { Accept: 'application/json' } });
  if (tokenAnswer.status !== 200) throw new LoginUnavailable(`http_${tokenAnswer.status}`);
  const { csrf_token: token } = await json(tokenAnswer);
  if (typeof token !== 'string') throw new LoginUnavailable('not_api_answer');
  const answer = await request('/api/v1/session', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Accept: 'application/json', 'X-CSRFToken': token },
    body: JSON.stringify({ username, password }),
  });
  const body = await json(answer);
  if (answer.status === 200 && body && body.user && typeof body.user.id === 'number') return body;
  if ([401, 422, 429].includes(answer.status)) {
    throw new LoginRefused(body && typeof body.message === 'string' ? body.message : `http_${answer.status}`);
  }
  throw new LoginUnavailable(`http_${answer.status}`);
}
