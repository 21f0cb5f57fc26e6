/**
 * Photos: every picture is decoded and re-encoded on the phone as a JPEG whose longest side is
 * at most 1600 px before it is stored, so a 12-megapixel camera shot becomes a few hundred KB
 * (and loses its EXIF, GPS included). A small thumbnail is kept for the form. No storage here:
 * the caller stores the result.
 * @module photos
 */

export const MAX_SIDE = 1600;
export const THUMB_SIDE = 240;
export const QUALITY = 0.82;
export const CONTENT_TYPE = 'image/jpeg';

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

async function decode(file) {
  if (typeof createImageBitmap === 'function') {
    try {
      return await createImageBitmap(file, { imageOrientation: 'from-image' });
    } catch (error) {
      // Some browsers refuse the options bag or a format; the <img> path below may still work.
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

async function encode(source, size, quality) {
  let canvas;
  if (typeof OffscreenCanvas === 'function') {
    canvas = new OffscreenCanvas(size.width, size.height);
  } else {
    canvas = document.createElement('canvas');
    canvas.width = size.width;
    canvas.height = size.height;
  }
  const ctx = canvas.getContext('2d');
  // JPEG has no transparency: a transparent PNG goes on white, not on black.
  ctx.fillStyle = '#fff';
  ctx.fillRect(0, 0, size.width, size.height);
  ctx.drawImage(source, 0, 0, size.width, size.height);
  if (canvas.convertToBlob) return canvas.convertToBlob({ type: CONTENT_TYPE, quality });
  return new Promise((resolve, reject) => {
    canvas.toBlob((blob) => (blob ? resolve(blob) : reject(new PhotoError('encode'))), CONTENT_TYPE, quality);
  });
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
 * @returns {Promise<{blob: Blob, thumb: Blob, width: number, height: number, sha256: string,
 *   bytes: number, content_type: string}>}
 */
export async function processImage(file) {
  const image = await decode(file);
  try {
    const width = image.naturalWidth || image.width;
    const height = image.naturalHeight || image.height;
    if (!width || !height) throw new PhotoError('decode');
    const size = fit(width, height, MAX_SIDE);
    const blob = await encode(image, size, QUALITY);
    const thumb = await encode(image, fit(width, height, THUMB_SIDE), 0.7);
    return { blob, thumb, width: size.width, height: size.height, sha256: await sha256(blob), bytes: blob.size,
      content_type: CONTENT_TYPE };
  } finally {
    if (typeof image.close === 'function') image.close();
  }
}
