/**
 * DOM and formatting helpers of the map. Everything a person typed goes in as text
 * (textContent, text nodes, attributes), never as HTML.
 * @module map-dom
 */

import { SETTINGS } from './settings.js';

/**
 * Create an element.
 * @param {string} tag
 * @param {Object} [attrs]  class, text, on<event> handlers, or attributes
 * @param {...(Node|string|number|null|undefined)} children  strings become text nodes
 * @returns {HTMLElement}
 */
export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (key === 'class') node.className = value;
    else if (key === 'text') node.textContent = String(value);
    else if (key.startsWith('on') && typeof value === 'function') node.addEventListener(key.slice(2), value);
    else node.setAttribute(key, value === true ? '' : String(value));
  }
  for (const child of children) {
    if (child !== null && child !== undefined && child !== false) node.append(child);
  }
  return node;
}

/**
 * Fill "%(name)s" placeholders of a translated string.
 * @param {string} template
 * @param {Object<string, string|number>} values
 * @returns {string}
 */
export function fmt(template, values) {
  return template.replace(/%\((\w+)\)s/g, (match, name) => (name in values ? String(values[name]) : match));
}

const dateCache = new Map();

function formatter(locale, withTime) {
  const key = `${locale}|${withTime}`;
  if (!dateCache.has(key)) {
    const options = { timeZone: SETTINGS.time_zone, day: 'numeric', month: 'short', year: 'numeric' };
    if (withTime) Object.assign(options, { hour: '2-digit', minute: '2-digit', hour12: false });
    dateCache.set(key, new Intl.DateTimeFormat(locale === 'en' ? 'en-GB' : 'id-ID', options));
  }
  return dateCache.get(key);
}

/**
 * A date in the server's time zone (WIB), from Unix seconds or an ISO string.
 * @param {number|string|null} value
 * @param {string} locale  "id" or "en"
 * @param {boolean} [withTime]
 * @param {string} [wib]  the zone's label, appended when the time is shown
 * @returns {string} "" when there is no value
 */
export function formatDate(value, locale, withTime = false, wib = SETTINGS.time_zone_label) {
  if (value === null || value === undefined || value === '') return '';
  const date = typeof value === 'number' ? new Date(value * 1000) : new Date(value);
  if (Number.isNaN(date.getTime())) return '';
  const text = formatter(locale, withTime).format(date);
  return withTime ? `${text} ${wib}` : text;
}

/**
 * A score as people read it: whole numbers plain, others with one decimal in the locale's style.
 * @param {number} score
 * @param {string} locale
 * @returns {string}
 */
export function formatScore(score, locale) {
  const rounded = Math.round(score * 10) / 10;
  return rounded.toLocaleString(locale === 'en' ? 'en-GB' : 'id-ID', { maximumFractionDigits: 1 });
}
