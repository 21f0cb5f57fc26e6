/**
 * Photos: every picture is decoded at reduced size and re-encoded on the phone before it is
 * stored, so a 12–50 megapixel camera shot never sits decoded at full size in a cheap phone's
 * memory, and what is uploaded is evidence-sized: longest side at most 1600 px, WebP where the
 * browser can encode it (JPEG otherwise), without EXIF (GPS included). A small thumbnail is
 * kept for the form. No storage here: the caller stores the result.
 * @module photos
 */

export const MAX_SIDE = 1600;
export const THUMB_SIDE = 240;
/**
 * Encoder qualities, chosen by measuring textured 4000×3000 photos with a signboard in
 * Chromium (tests/browser/test_photos.py prints the table): the highest WebP quality whose
 * median stays within PHOTO_BUDGET_BYTES, with the signboard's text still readable at 100 %.
 */
export const WEBP_QUALITY = 0.6;
/**
 * The JPEG fallback (browsers without a WebP encoder): measured the same way, the quality that
 * halves the old JPEG 0.82 with the signboard still readable (JPEG cannot reach WebP's size).
 */
export const JPEG_QUALITY = 0.4;
export const THUMB_QUALITY = 0.6;
/** What a 1600 px photo should cost at most (median), so a day's photos fit a slow uplink. */
export const PHOTO_BUDGET_BYTES = 150 * 1024;
export const WEBP = 'image/webp';
export const JPEG = 'image/jpeg';

/** The file could not be read as an image. */
export class PhotoError extends Error {}

/**
 * The size that fits within `side` x `side`, never enlarged.
 * @param {number} width
 * @param {number} height
 * @param {number} side
 */
export function fit(width, height, side) {
  const scale = Math.min(1, side / Math.max(width, height));
  return { width: Math.max(1, Math.round(width * scale)), height: Math.max(1, Math.round(height * scale)) };
}

function newCanvas(width, height) {
  if (typeof OffscreenCanvas === 'function') return new OffscreenCanvas(width, height);
  const canvas = document.createElement('canvas');
  canvas.width = width;
  canvas.height = height;
  return canvas;
}

function toBlob(canvas, type, quality) {
  if (canvas.convertToBlob) return canvas.convertToBlob({ type, quality });
  return new Promise((resolve, reject) => {
    canvas.toBlob((blob) => (blob ? resolve(blob) : reject(new PhotoError('encode'))), type, quality);
  });
}

let encoding = null;

/**
 * The format photos are stored and sent in: WebP when this browser's canvas can encode it
 * (one that cannot, such as older Safari, silently returns a PNG), JPEG otherwise.
 * @returns {Promise<{type: string, quality: number}>}
 */
export function photoEncoding() {
  if (!encoding) {
    encoding = (async () => {
      try {
        const canvas = newCanvas(2, 2);
        // An OffscreenCanvas without a context refuses to encode at all.
        canvas.getContext('2d').fillRect(0, 0, 1, 1);
        const probe = await toBlob(canvas, WEBP, WEBP_QUALITY);
        if (probe && probe.type === WEBP) return { type: WEBP, quality: WEBP_QUALITY };
      } catch (error) {
        // No WebP encoder: JPEG below.
      }
      return { type: JPEG, quality: JPEG_QUALITY };
    })();
  }
  return encoding;
}

/**
 * The displayed size of an image file (EXIF orientation applied) without decoding its pixels:
 * an <img> that is loaded but never painted reads only the header.
 * @param {Blob} file
 * @returns {Promise<{width: number, height: number}|null>}
 */
async function headerSize(file) {
  if (typeof Image !== 'function') return null;
  const url = URL.createObjectURL(file);
  try {
    const img = new Image();
    const loaded = new Promise((resolve, reject) => {
      img.onload = resolve;
      img.onerror = reject;
    });
    img.src = url;
    await loaded;
    return img.naturalWidth && img.naturalHeight ? { width: img.naturalWidth, height: img.naturalHeight } : null;
  } catch (error) {
    throw new PhotoError('decode');
  } finally {
    URL.revokeObjectURL(url);
  }
}

/**
 * Decode `file` straight to at most `side` px on its longest side (createImageBitmap with resize
 * options), so the full-size pixels are never held. Falls back to a full decode only where the
 * browser has no resizing decoder.
 * @param {Blob} file
 * @param {number} side
 * @returns {Promise<ImageBitmap|HTMLImageElement>}
 */
export async function decodeReduced(file, side) {
  const size = await headerSize(file);
  if (typeof createImageBitmap === 'function') {
    const target = size ? fit(size.width, size.height, side) : null;
    const resize = target && (target.width < size.width || target.height < size.height)
      ? { resizeWidth: target.width, resizeHeight: target.height, resizeQuality: 'high' } : {};
    for (const options of [{ imageOrientation: 'from-image', ...resize }, resize]) {
      try {
        return await createImageBitmap(file, options);
      } catch (error) {
        // Some browsers refuse an option or the format; try with fewer, then the <img> path.
      }
    }
  }
  if (typeof document === 'undefined') throw new PhotoError('decode');
  const url = URL.createObjectURL(file);
  try {
    const img = new Image();
    img.decoding = 'async';
    img.src = url;
    await img.decode();
    return img;
  } catch (error) {
    throw new PhotoError('decode');
  } finally {
    URL.revokeObjectURL(url);
  }
}

/**
 * Draw `source` at `size` and encode it.
 * @param {CanvasImageSource} source
 * @param {{width: number, height: number}} size
 * @param {{type: string, quality: number}} format
 */
export async function encode(source, size, format) {
  const canvas = newCanvas(size.width, size.height);
  const ctx = canvas.getContext('2d');
  // JPEG has no transparency: a transparent PNG goes on white, not on black.
  ctx.fillStyle = '#fff';
  ctx.fillRect(0, 0, size.width, size.height);
  ctx.imageSmoothingQuality = 'high';
  ctx.drawImage(source, 0, 0, size.width, size.height);
  const blob = await toBlob(canvas, format.type, format.quality);
  // Release the canvas's pixels at once rather than at the next garbage collection.
  canvas.width = 1;
  canvas.height = 1;
  return blob;
}

/**
 * Hex sha256 of a blob (what the server checks the upload against).
 * @param {Blob} blob
 */
export async function sha256(blob) {
  const digest = await crypto.subtle.digest('SHA-256', await blob.arrayBuffer());
  return [...new Uint8Array(digest)].map((byte) => byte.toString(16).padStart(2, '0')).join('');
}

/**
 * Resize a picked or shot image for storage and upload.
 * @param {Blob} file
 * @param {{type: string, quality: number}} [format]  the encoding (default: `photoEncoding()`)
 * @returns {Promise<{blob: Blob, thumb: Blob, width: number, height: number, sha256: string,
 *   bytes: number, content_type: string}>}
 */
export async function processImage(file, format) {
  const chosen = format || await photoEncoding();
  const image = await decodeReduced(file, MAX_SIDE);
  try {
    const width = image.naturalWidth || image.width;
    const height = image.naturalHeight || image.height;
    if (!width || !height) throw new PhotoError('decode');
    const size = fit(width, height, MAX_SIDE);
    const blob = await encode(image, size, chosen);
    // A canvas that cannot encode the asked type returns PNG: the blob's own type is the truth.
    const contentType = blob.type || chosen.type;
    const thumb = await encode(image, fit(width, height, THUMB_SIDE), { type: chosen.type, quality: THUMB_QUALITY });
    return { blob, thumb, width: size.width, height: size.height, sha256: await sha256(blob), bytes: blob.size,
      content_type: contentType };
  } finally {
    if (typeof image.close === 'function') image.close();
  }
}
