/**
 * Tiny DOM helpers for the field app's UI modules. Text always goes in as text, never as HTML,
 * so nothing typed by a monitor or sent by the server can inject markup.
 * @module dom
 */

const PROPERTIES = new Set(['value', 'checked', 'disabled', 'hidden', 'selected', 'multiple', 'open']);

/**
 * Create an element.
 * @param {string} tag
 * @param {Object} [props]  class, text, on<event>, dataset, properties, or attributes
 * @param {...(Node|string|number|null|false|Array)} children
 * @returns {HTMLElement}
 */
export function h(tag, props = {}, ...children) {
  const el = document.createElement(tag);
  const late = [];
  for (const [key, value] of Object.entries(props || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key === 'class') el.className = value;
    else if (key === 'text') el.textContent = String(value);
    else if (key === 'dataset') Object.assign(el.dataset, value);
    else if (key.startsWith('on') && typeof value === 'function') el.addEventListener(key.slice(2), value);
    else if (PROPERTIES.has(key)) late.push([key, value]);
    else el.setAttribute(key, value === true ? '' : String(value));
  }
  append(el, children);
  // A select's value can only be set once its options exist.
  for (const [key, value] of late) el[key] = value;
  return el;
}

/**
 * Append children, flattening arrays and skipping empty ones.
 * @param {Node} el
 * @param {Array} children
 */
export function append(el, children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

/**
 * Replace an element's content.
 * @param {Node} el
 * @param {...*} children
 */
export function replace(el, ...children) {
  el.replaceChildren();
  return append(el, children);
}
