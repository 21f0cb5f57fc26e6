// Rakor mode: one slide at a time. ← → PageUp PageDown (presentation clickers send these) move,
// Home and End jump, F toggles full screen. Keys typed into the decision forms are left alone.
const deck = document.getElementById('deck');
const slides = deck ? Array.from(deck.querySelectorAll('.slide')) : [];
const position = document.getElementById('rakor-position');
let current = 0;

function show(index, { focus = false } = {}) {
  if (!slides.length) return;
  current = Math.max(0, Math.min(index, slides.length - 1));
  slides.forEach((slide, i) => {
    slide.classList.toggle('is-current', i === current);
    slide.setAttribute('aria-hidden', i === current ? 'false' : 'true');
  });
  const slide = slides[current];
  if (position) position.textContent = `${current + 1} / ${slides.length}`;
  deck.dataset.current = slide.id;
  // "#slide-<id>" names the slide without being an element's id, so the browser never scrolls to it.
  history.replaceState(null, '', `${location.pathname}${location.search}#slide-${slide.id}`);
  window.scrollTo(0, 0);
  if (focus) slide.querySelector('h1')?.focus?.();
}

function toggleFullscreen() {
  if (document.fullscreenElement) document.exitFullscreen?.();
  else document.documentElement.requestFullscreen?.().catch(() => {});
}

function typing(target) {
  return target instanceof HTMLElement
    && (target.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(target.tagName));
}

const KEYS = {
  ArrowRight: () => show(current + 1), PageDown: () => show(current + 1), ' ': () => show(current + 1),
  ArrowLeft: () => show(current - 1), PageUp: () => show(current - 1),
  Home: () => show(0), End: () => show(slides.length - 1),
  f: toggleFullscreen, F: toggleFullscreen,
};

if (deck && slides.length) {
  deck.classList.add('js-deck');
  slides.forEach((slide) => slide.querySelector('h1')?.setAttribute('tabindex', '-1'));
  const start = slides.findIndex((slide) => `#slide-${slide.id}` === location.hash);
  show(start >= 0 ? start : 0);
  document.addEventListener('keydown', (event) => {
    if (event.altKey || event.ctrlKey || event.metaKey || typing(event.target)) return;
    const action = KEYS[event.key];
    if (!action) return;
    if (event.key === ' ' && event.target instanceof HTMLElement && event.target.closest('summary, button, a')) return;
    event.preventDefault();
    action();
  });
  document.querySelector('[data-rakor="prev"]')?.addEventListener('click', () => show(current - 1));
  document.querySelector('[data-rakor="next"]')?.addEventListener('click', () => show(current + 1));
  document.querySelector('[data-rakor="fullscreen"]')?.addEventListener('click', toggleFullscreen);
  // Printing shows every slide (the print stylesheet), whatever is on screen.
}
