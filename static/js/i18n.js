/**
 * Words of the field app. Bahasa Indonesia is the source text and the key; English comes from
 * the dictionary below when the page is in English. No DOM besides reading <html lang>.
 * @module i18n
 */
import { EN } from './i18n-en.js';
import { SETTINGS } from './settings.js';

/** "id" or "en", from the page the server rendered. */
export const LANG = globalThis.document && String(document.documentElement.lang || '').startsWith('en') ? 'en' : 'id';
const LOCALE = LANG === 'en' ? 'en-GB' : 'id-ID';

/**
 * Translate an Indonesian text and fill `{name}` placeholders.
 * @param {string} text
 * @param {Object} [params]
 */
export function t(text, params) {
  const template = LANG === 'en' && EN[text] ? EN[text] : text;
  if (!params) return template;
  return template.replace(/\{(\w+)\}/g, (whole, key) => (key in params ? String(params[key]) : whole));
}

/**
 * The text of a {id, en} label from a form definition (or a plain string).
 * @param {Object|string|null} value
 */
export function label(value) {
  if (!value) return '';
  if (typeof value === 'string') return value;
  return value[LANG] || value.id || value.en || '';
}

const formatters = new Map();

/** Date formats in the server's time zone, made once per zone (a bootstrap may name another). */
function zoned() {
  const timeZone = SETTINGS.time_zone;
  if (!formatters.has(timeZone)) {
    formatters.set(timeZone, {
      dateTime: new Intl.DateTimeFormat(LOCALE, {
        timeZone, day: 'numeric', month: 'short', year: 'numeric', hour: '2-digit', minute: '2-digit',
      }),
      timeOnly: new Intl.DateTimeFormat(LOCALE, { timeZone, hour: '2-digit', minute: '2-digit' }),
      dayKey: new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }),
    });
  }
  return formatters.get(timeZone);
}

/**
 * A time in the server's zone (WIB): "14.05 WIB" today, "3 Mei 2026 14.05 WIB" otherwise.
 * @param {number|string|Date|null} value
 */
export function formatWib(value) {
  if (value === null || value === undefined || value === '') return '—';
  const date = value instanceof Date ? value : new Date(value);
  if (Number.isNaN(date.getTime())) return '—';
  const { dateTime, timeOnly, dayKey } = zoned();
  const today = dayKey.format(new Date()) === dayKey.format(date);
  return `${(today ? timeOnly : dateTime).format(date)} ${SETTINGS.time_zone_label}`;
}

/**
 * How long ago, roughly: "5 menit", "3 jam", "2 hari".
 * @param {number} ms
 */
export function formatAge(ms) {
  const minutes = Math.max(0, Math.round(ms / 60000));
  if (minutes < 60) return t('{n} menit', { n: minutes });
  const hours = Math.round(minutes / 60);
  if (hours < 48) return t('{n} jam', { n: hours });
  return t('{n} hari', { n: Math.round(hours / 24) });
}

const numberFormat = new Intl.NumberFormat(LOCALE, { maximumFractionDigits: 2 });

/** @param {number} value */
export function formatNumber(value) {
  return numberFormat.format(value);
}

/** Whole rupiah as "Rp 1.234.567". @param {number} value */
export function rupiah(value) {
  return `Rp ${new Intl.NumberFormat('id-ID', { maximumFractionDigits: 0 }).format(value)}`;
}
