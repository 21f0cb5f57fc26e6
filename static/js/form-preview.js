/**
 * Admin form preview: draws a form version with the field app's own renderer.
 * Photos and GPS are inert here; nothing is saved or sent.
 */
import { renderForm } from './form-renderer.js';

const root = document.getElementById('form-preview');
const source = document.getElementById('form-definition');
if (root && source) {
  const definition = JSON.parse(source.textContent);
  renderForm(root, definition, {
    answers: {},
    choices: {},
    photos: {
      add: async () => { throw new Error('preview'); },
      remove: async () => {},
      thumbUrl: async () => null,
      errorText: () => (document.documentElement.lang === 'en' ? 'Photos are not taken in the preview.' : 'Foto tidak diambil dalam pratinjau.'),
    },
    geo: {
      capture: async () => { throw new Error('preview'); },
      errorText: () => (document.documentElement.lang === 'en' ? 'No GPS in the preview.' : 'Tidak ada GPS dalam pratinjau.'),
    },
  });
}
