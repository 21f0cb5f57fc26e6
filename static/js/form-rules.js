/**
 * Form rules for the browser: validate and score answers against a form definition.
 *
 * This module mirrors webapp/forms/validator.py rule for rule — same checks in the same order,
 * same error codes and messages, same score — so a form the phone accepts is accepted by the
 * server. Change both together (tests/forms/test_validator_properties.py compares them).
 * No DOM access; safe in a page, a worker or Node.
 *
 * @module form-rules
 */

/**
 * Error code -> message template (Bahasa Indonesia). `{name}` placeholders are filled after
 * `translate` has been applied to the template.
 * @type {Readonly<Record<string, string>>}
 */
export const MESSAGES = Object.freeze({
  required: 'Wajib diisi.',
  unknown_field: 'Kolom tidak dikenal.',
  no_answer: 'Kolom ini tidak menerima jawaban.',
  not_object: 'Harus berupa objek.',
  not_list: 'Harus berupa daftar.',
  not_text: 'Harus berupa teks.',
  invalid_text: 'Teks berisi karakter yang tidak diizinkan.',
  too_long: 'Paling banyak {max_length} karakter.',
  not_integer: 'Harus bilangan bulat.',
  not_number: 'Harus berupa angka.',
  too_large: 'Angka terlalu besar.',
  min: 'Minimal {min}.',
  max: 'Maksimal {max}.',
  not_date: 'Harus tanggal dengan format TTTT-BB-HH.',
  date_min: 'Tidak boleh sebelum {min}.',
  date_max: 'Tidak boleh sesudah {max}.',
  invalid_choice: 'Pilihan tidak dikenal.',
  duplicate_choice: 'Pilihan tidak boleh ganda.',
  too_many_choices: 'Paling banyak {max_items} pilihan.',
  not_boolean: 'Harus dijawab ya atau tidak.',
  invalid_photo: 'Foto tidak valid.',
  duplicate_photo: 'Foto yang sama dilampirkan dua kali.',
  unknown_photo: 'Foto tidak ada di antara lampiran kiriman ini.',
  min_photos: 'Paling sedikit {min_photos} foto.',
  max_photos: 'Paling banyak {max_photos} foto.',
  invalid_geopoint: 'Lokasi harus berisi lat dan lon.',
  geo_lat: 'Lintang (lat) harus angka antara -90 dan 90.',
  geo_lon: 'Bujur (lon) harus angka antara -180 dan 180.',
  geo_accuracy: 'Akurasi harus angka 0 atau lebih.',
  too_many_items: 'Paling banyak {max_items} baris.',
});

/**
 * The same messages in English (`translate: english` uses them).
 * @type {Readonly<Record<string, string>>}
 */
export const MESSAGES_EN = Object.freeze({
  required: 'This field is required.',
  unknown_field: 'Unknown field.',
  no_answer: 'This field takes no answer.',
  not_object: 'Must be an object.',
  not_list: 'Must be a list.',
  not_text: 'Must be text.',
  invalid_text: 'The text contains characters that are not allowed.',
  too_long: 'At most {max_length} characters.',
  not_integer: 'Must be a whole number.',
  not_number: 'Must be a number.',
  too_large: 'The number is too large.',
  min: 'At least {min}.',
  max: 'At most {max}.',
  not_date: 'Must be a date in YYYY-MM-DD format.',
  date_min: 'Must not be before {min}.',
  date_max: 'Must not be after {max}.',
  invalid_choice: 'Unknown choice.',
  duplicate_choice: 'A choice must not be repeated.',
  too_many_choices: 'At most {max_items} choices.',
  not_boolean: 'Must be answered yes or no.',
  invalid_photo: 'Invalid photo.',
  duplicate_photo: 'The same photo is attached twice.',
  unknown_photo: "The photo is not among this submission's attachments.",
  min_photos: 'At least {min_photos} photos.',
  max_photos: 'At most {max_photos} photos.',
  invalid_geopoint: 'A location must have lat and lon.',
  geo_lat: 'Latitude (lat) must be a number between -90 and 90.',
  geo_lon: 'Longitude (lon) must be a number between -180 and 180.',
  geo_accuracy: 'Accuracy must be a number of 0 or more.',
  too_many_items: 'At most {max_items} rows.',
});

/** Largest integer held exactly; bigger numbers are refused (as on the server). */
export const MAX_SAFE_INTEGER = Number.MAX_SAFE_INTEGER;

/** Field types that hold no answer. */
export const NO_ANSWER_TYPES = Object.freeze(['note']);

const EN_BY_TEMPLATE = new Map(Object.keys(MESSAGES).map((code) => [MESSAGES[code], MESSAGES_EN[code]]));
const PLACEHOLDER = /\{([A-Za-z0-9_]+)\}/g;
const DATE = /^[0-9]{4}-[0-9]{2}-[0-9]{2}$/;
const UUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;
// Only ASCII whitespace is trimmed, exactly as in validator.py.
const ASCII_SPACE = /^[ \t\n\r\f\v]+|[ \t\n\r\f\v]+$/g;
const GEOPOINT_KEYS = new Set(['lat', 'lon', 'accuracy_m']);
const hasOwn = (object, key) => Object.prototype.hasOwnProperty.call(object, key);

/**
 * Translate one of the Indonesian message templates to English (usable as `translate`).
 * @param {string} template
 * @returns {string}
 */
export function english(template) {
  return EN_BY_TEMPLATE.has(template) ? EN_BY_TEMPLATE.get(template) : template;
}

/**
 * @typedef {Object} ValidationResult
 * @property {Record<string, string[]>} errors  field path (`answers.risiko.0.kategori`) -> messages
 * @property {Record<string, string[]>} codes   same keys, the stable codes (keys of MESSAGES)
 * @property {number|null} score                0..100 when valid and the form is scored
 * @property {Record<string, *>} cleaned        the valid answers only, normalised
 */

/**
 * @typedef {Object} ValidateOptions
 * @property {Record<string, Iterable<string>>} [options]  allowed values per `options_from`
 *   source (e.g. `{kegiatan: ['K-1', 'K-2']}`); a missing source accepts any non-empty string
 * @property {Iterable<string>} [attachmentUuids]  when given, photos must be among these
 * @property {(template: string) => string} [translate]  applied to each message template
 */

/**
 * Check answers against a form definition; return errors, cleaned answers and score.
 * Never throws for any JSON value as `answers`.
 * @param {Object} definition  a definition that passed the server's definition check
 * @param {*} answers
 * @param {ValidateOptions} [opts]
 * @returns {ValidationResult}
 */
export function validateAnswers(definition, answers, opts = {}) {
  const ctx = new Context(opts);
  if (!isPlainObject(answers)) {
    ctx.add('answers', 'not_object');
    return { errors: ctx.errors, codes: ctx.codes, score: null, cleaned: {} };
  }
  const cleaned = validateGroup(definition.fields, answers, 'answers', ctx);
  const score = ctx.count ? null : scoreAnswers(definition, cleaned);
  return { errors: ctx.errors, codes: ctx.codes, score, cleaned };
}

/**
 * The weighted share (0-100, one decimal) of answered checklist items that pass; null when the
 * form is not scored or no weighted item was answered. Unanswered items count as "not
 * applicable" and are left out of the total.
 * @param {Object} definition
 * @param {Object} cleanedAnswers
 * @returns {number|null}
 */
export function scoreAnswers(definition, cleanedAnswers) {
  if (!definition.scored || !isPlainObject(cleanedAnswers)) return null;
  let passed = 0;
  let total = 0;
  for (const spec of definition.fields) {
    const weight = spec.weight;
    if (spec.type !== 'yes_no' || !isNumber(weight) || !(weight > 0 && weight <= MAX_SAFE_INTEGER)) {
      continue;
    }
    const answer = hasOwn(cleanedAnswers, spec.name) ? cleanedAnswers[spec.name] : undefined;
    if (typeof answer !== 'boolean') continue;
    total += weight;
    if (answer === (hasOwn(spec, 'pass') ? spec.pass : true)) passed += weight;
  }
  if (!(total > 0)) return null;
  const score = Math.floor((passed / total) * 1000 + 0.5) / 10;
  return Math.min(100, Math.max(0, score));
}

/**
 * The [path, field] pairs that hold answers, in form order: one export column each.
 * @param {Object} definition
 * @returns {Array<[string, Object]>}
 */
export function formFields(definition) {
  return definition.fields
    .filter((spec) => !NO_ANSWER_TYPES.includes(spec.type))
    .map((spec) => [spec.name, spec]);
}

class Context {
  constructor({ options = null, attachmentUuids = null, translate = null } = {}) {
    this.options = options;
    this.attachments = attachmentUuids == null
      ? null
      : new Set([...attachmentUuids].filter((u) => typeof u === 'string').map((u) => u.toLowerCase()));
    this.translate = translate || ((text) => text);
    this.errors = {};
    this.codes = {};
    this.count = 0;
  }

  add(path, code, params = {}) {
    const message = this.translate(MESSAGES[code]).replace(PLACEHOLDER, (whole, key) => (
      hasOwn(params, key) ? formatParam(params[key]) : whole
    ));
    if (!hasOwn(this.errors, path)) {
      this.errors[path] = [];
      this.codes[path] = [];
    }
    this.errors[path].push(message);
    this.codes[path].push(code);
    this.count += 1;
  }
}

// Whole numbers without a decimal point, others with up to six decimals (as validator.py).
function formatParam(value) {
  if (typeof value !== 'number' || !Number.isFinite(value)) return String(value);
  if (Number.isInteger(value) && Math.abs(value) <= MAX_SAFE_INTEGER) return String(value);
  const text = value.toFixed(6).replace(/0+$/, '').replace(/\.$/, '');
  return text === '-0' && value === 0 ? '0' : text;
}

function isPlainObject(value) {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isNumber(value) {
  return typeof value === 'number';
}

function isUnanswered(value) {
  return value === null || value === undefined
    || ((typeof value === 'string' || Array.isArray(value)) && value.length === 0);
}

// NUL or an unpaired UTF-16 surrogate (cannot be stored on the server).
function hasBadChars(text) {
  for (let i = 0; i < text.length; i += 1) {
    const unit = text.charCodeAt(i);
    if (unit === 0) return true;
    if (unit >= 0xd800 && unit <= 0xdbff) {
      const next = i + 1 < text.length ? text.charCodeAt(i + 1) : 0;
      if (next >= 0xdc00 && next <= 0xdfff) i += 1;
      else return true;
    } else if (unit >= 0xdc00 && unit <= 0xdfff) {
      return true;
    }
  }
  return false;
}

// Length in code points, as Python's len().
function codePointLength(text) {
  let length = 0;
  for (const _ of text) length += 1; // eslint-disable-line no-unused-vars
  return length;
}

function validateGroup(specs, values, prefix, ctx) {
  const cleaned = {};
  const known = new Set();
  for (const spec of specs) {
    const { name } = spec;
    known.add(name);
    const path = `${prefix}.${name}`;
    let value = hasOwn(values, name) ? values[name] : undefined;
    if (spec.type === 'text' && typeof value === 'string') value = value.replace(ASCII_SPACE, '');
    if (isUnanswered(value)) {
      if (spec.required) ctx.add(path, 'required');
      continue;
    }
    if (NO_ANSWER_TYPES.includes(spec.type)) {
      ctx.add(path, 'no_answer');
      continue;
    }
    const [ok, result] = CHECKS[spec.type](spec, value, path, ctx);
    if (ok) cleaned[name] = result;
  }
  for (const key of Object.keys(values)) {
    if (!known.has(key)) ctx.add(`${prefix}.${key}`, 'unknown_field');
  }
  return cleaned;
}

function checkText(spec, value, path, ctx) {
  if (typeof value !== 'string') {
    ctx.add(path, 'not_text');
    return [false, null];
  }
  if (hasBadChars(value)) {
    ctx.add(path, 'invalid_text');
    return [false, null];
  }
  if (hasOwn(spec, 'max_length') && codePointLength(value) > spec.max_length) {
    ctx.add(path, 'too_long', { max_length: spec.max_length });
    return [false, null];
  }
  return [true, value];
}

function checkRange(spec, value, path, ctx) {
  if (hasOwn(spec, 'min') && value < spec.min) {
    ctx.add(path, 'min', { min: spec.min });
    return false;
  }
  if (hasOwn(spec, 'max') && value > spec.max) {
    ctx.add(path, 'max', { max: spec.max });
    return false;
  }
  return true;
}

function checkInteger(spec, value, path, ctx) {
  if (!isNumber(value)) {
    ctx.add(path, 'not_integer');
    return [false, null];
  }
  if (Math.abs(value) > MAX_SAFE_INTEGER) {
    ctx.add(path, 'too_large');
    return [false, null];
  }
  if (!Number.isInteger(value)) {
    ctx.add(path, 'not_integer');
    return [false, null];
  }
  return [checkRange(spec, value, path, ctx), value];
}

function checkDecimal(spec, value, path, ctx) {
  if (!isNumber(value)) {
    ctx.add(path, 'not_number');
    return [false, null];
  }
  if (Math.abs(value) > MAX_SAFE_INTEGER) {
    ctx.add(path, 'too_large');
    return [false, null];
  }
  if (Number.isNaN(value)) {
    ctx.add(path, 'not_number');
    return [false, null];
  }
  return [checkRange(spec, value, path, ctx), value];
}

/**
 * Whether a value is a real calendar date written YYYY-MM-DD (year 0001-9999).
 * @param {*} value
 * @returns {boolean}
 */
export function isIsoDate(value) {
  if (typeof value !== 'string' || !DATE.test(value)) return false;
  const year = Number(value.slice(0, 4));
  const month = Number(value.slice(5, 7));
  const day = Number(value.slice(8, 10));
  if (year < 1 || month < 1 || month > 12 || day < 1) return false;
  const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
  const days = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1];
  return day <= days;
}

function checkDate(spec, value, path, ctx) {
  if (!isIsoDate(value)) {
    ctx.add(path, 'not_date');
    return [false, null];
  }
  if (hasOwn(spec, 'min') && value < spec.min) {
    ctx.add(path, 'date_min', { min: spec.min });
    return [false, null];
  }
  if (hasOwn(spec, 'max') && value > spec.max) {
    ctx.add(path, 'date_max', { max: spec.max });
    return [false, null];
  }
  return [true, value];
}

// The values a select field accepts, or null when any clean non-empty string will do.
function allowedValues(spec, ctx) {
  if (hasOwn(spec, 'options')) return new Set(spec.options.map((option) => option.value));
  const source = spec.options_from;
  if (ctx.options != null && hasOwn(ctx.options, source)) return new Set(ctx.options[source]);
  return null;
}

function isChoice(value, allowed) {
  if (typeof value !== 'string' || value === '') return false;
  if (allowed === null) return !hasBadChars(value);
  return allowed.has(value);
}

function checkSelectOne(spec, value, path, ctx) {
  if (!isChoice(value, allowedValues(spec, ctx))) {
    ctx.add(path, 'invalid_choice');
    return [false, null];
  }
  return [true, value];
}

function checkSelectMany(spec, value, path, ctx) {
  if (!Array.isArray(value)) {
    ctx.add(path, 'not_list');
    return [false, null];
  }
  const allowed = allowedValues(spec, ctx);
  let invalid = false;
  let duplicate = false;
  const seen = new Set();
  for (const item of value) {
    if (!isChoice(item, allowed)) invalid = true;
    else if (seen.has(item)) duplicate = true;
    else seen.add(item);
  }
  let ok = true;
  if (invalid) {
    ctx.add(path, 'invalid_choice');
    ok = false;
  }
  if (duplicate) {
    ctx.add(path, 'duplicate_choice');
    ok = false;
  }
  if (hasOwn(spec, 'max_items') && value.length > spec.max_items) {
    ctx.add(path, 'too_many_choices', { max_items: spec.max_items });
    ok = false;
  }
  return [ok, ok ? [...value] : null];
}

function checkYesNo(spec, value, path, ctx) {
  if (typeof value !== 'boolean') {
    ctx.add(path, 'not_boolean');
    return [false, null];
  }
  return [true, value];
}

function checkPhoto(spec, value, path, ctx) {
  if (!Array.isArray(value)) {
    ctx.add(path, 'not_list');
    return [false, null];
  }
  let invalid = false;
  let duplicate = false;
  let unknown = false;
  const uuids = [];
  for (const item of value) {
    if (typeof item !== 'string' || !UUID.test(item)) {
      invalid = true;
      continue;
    }
    const uuid = item.toLowerCase();
    if (uuids.includes(uuid)) duplicate = true;
    else if (ctx.attachments !== null && !ctx.attachments.has(uuid)) unknown = true;
    uuids.push(uuid);
  }
  let ok = true;
  for (const [flag, code] of [[invalid, 'invalid_photo'], [duplicate, 'duplicate_photo'], [unknown, 'unknown_photo']]) {
    if (flag) {
      ctx.add(path, code);
      ok = false;
    }
  }
  if (value.length < (hasOwn(spec, 'min_photos') ? spec.min_photos : 0)) {
    ctx.add(path, 'min_photos', { min_photos: spec.min_photos });
    ok = false;
  }
  if (hasOwn(spec, 'max_photos') && value.length > spec.max_photos) {
    ctx.add(path, 'max_photos', { max_photos: spec.max_photos });
    ok = false;
  }
  return [ok, ok ? uuids : null];
}

function isCoordinate(value, limit) {
  return isNumber(value) && !Number.isNaN(value) && value >= -limit && value <= limit;
}

function checkGeopoint(spec, value, path, ctx) {
  if (!isPlainObject(value) || !hasOwn(value, 'lat') || !hasOwn(value, 'lon')
      || Object.keys(value).some((key) => !GEOPOINT_KEYS.has(key))) {
    ctx.add(path, 'invalid_geopoint');
    return [false, null];
  }
  let ok = true;
  if (!isCoordinate(value.lat, 90)) {
    ctx.add(path, 'geo_lat');
    ok = false;
  }
  if (!isCoordinate(value.lon, 180)) {
    ctx.add(path, 'geo_lon');
    ok = false;
  }
  const accuracy = hasOwn(value, 'accuracy_m') ? value.accuracy_m : null;
  if (accuracy !== null && accuracy !== undefined
      && !(isNumber(accuracy) && accuracy >= 0 && accuracy <= MAX_SAFE_INTEGER)) {
    ctx.add(path, 'geo_accuracy');
    ok = false;
  }
  if (!ok) return [false, null];
  const point = { lat: value.lat, lon: value.lon };
  if (accuracy !== null && accuracy !== undefined) point.accuracy_m = accuracy;
  return [true, point];
}

function checkRepeat(spec, value, path, ctx) {
  if (!Array.isArray(value)) {
    ctx.add(path, 'not_list');
    return [false, null];
  }
  if (hasOwn(spec, 'max_items') && value.length > spec.max_items) {
    ctx.add(path, 'too_many_items', { max_items: spec.max_items });
    return [false, null];
  }
  const before = ctx.count;
  const rows = [];
  value.forEach((item, index) => {
    const rowPath = `${path}.${index}`;
    if (!isPlainObject(item)) {
      ctx.add(rowPath, 'not_object');
      return;
    }
    rows.push(validateGroup(spec.fields, item, rowPath, ctx));
  });
  return [ctx.count === before, rows];
}

const CHECKS = Object.freeze({
  text: checkText,
  integer: checkInteger,
  decimal: checkDecimal,
  date: checkDate,
  select_one: checkSelectOne,
  select_many: checkSelectMany,
  yes_no: checkYesNo,
  photo: checkPhoto,
  geopoint: checkGeopoint,
  repeat: checkRepeat,
});
