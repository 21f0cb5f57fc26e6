/**
 * Small dependency-free horizontal bar charts drawn as SVG.
 *
 * Markup: <figure class="chart" data-chart-src="ID"> with the data in
 * <script type="application/json" id="ID">…</script> (a data block, allowed under the CSP):
 *   {
 *     "max": 100, "unit": "%",
 *     "series": [{"key": "progress", "label": "Progres fisik", "class": "s-progress"}, …],
 *     "rows": [{"label": "DLH", "values": {"progress": 45}, "marker": 50, "class": "band-bersih"}, …],
 *     "marker_label": "Rencana"      (optional: a tick per row, e.g. the planned progress)
 *   }
 * Labels are set with textContent, so whatever a user typed stays text.
 * The numbers are also in a table next to the chart; the SVG itself is hidden from screen readers.
 */

const SVG_NS = 'http://www.w3.org/2000/svg';
const BAR = 16;
const BAR_GAP = 4;
const LABEL = 20;
const ROW_GAP = 12;
const VALUE_ROOM = 64;

function svg(name, attrs = {}) {
  const node = document.createElementNS(SVG_NS, name);
  for (const [key, value] of Object.entries(attrs)) node.setAttribute(key, String(value));
  return node;
}

/** Format a value the Indonesian way: decimal comma, at most one decimal. */
export function formatValue(value, unit = '') {
  if (value === null || value === undefined || Number.isNaN(Number(value))) return '–';
  const text = Number(value).toLocaleString('id-ID', { maximumFractionDigits: 1 });
  return unit === '%' ? `${text}%` : unit ? `${text} ${unit}` : text;
}

function legend(data) {
  const list = document.createElement('ul');
  list.className = 'chart-legend';
  for (const series of data.series) {
    const item = document.createElement('li');
    const swatch = document.createElement('span');
    swatch.className = `swatch ${series.class || ''}`;
    item.append(swatch, document.createTextNode(series.label));
    list.append(item);
  }
  if (data.marker_label) {
    const item = document.createElement('li');
    const swatch = document.createElement('span');
    swatch.className = 'swatch marker';
    item.append(swatch, document.createTextNode(data.marker_label));
    list.append(item);
  }
  return list;
}

/**
 * Draw the chart of `data` into `figure`, `width` pixels wide.
 * @param {HTMLElement} figure
 * @param {object} data
 * @param {number} width
 */
export function drawBars(figure, data, width) {
  const series = data.series || [];
  const rows = data.rows || [];
  const max = data.max || Math.max(1, ...rows.flatMap((r) => series.map((s) => Number(r.values[s.key]) || 0)));
  const plot = Math.max(80, width - VALUE_ROOM);
  const rowHeight = LABEL + series.length * (BAR + BAR_GAP) + ROW_GAP;
  const height = rows.length * rowHeight;
  const root = svg('svg', { width, height, viewBox: `0 0 ${width} ${height}`, 'aria-hidden': 'true', focusable: 'false' });
  rows.forEach((row, index) => {
    const top = index * rowHeight;
    const label = svg('text', { x: 0, y: top + 14, class: 'chart-label' });
    label.textContent = row.label;
    root.append(label);
    series.forEach((s, i) => {
      const y = top + LABEL + i * (BAR + BAR_GAP);
      const raw = row.values[s.key];
      const value = raw === null || raw === undefined ? null : Number(raw);
      root.append(svg('rect', { x: 0, y, width: plot, height: BAR, class: 'chart-track' }));
      if (value !== null) {
        const w = Math.max(2, Math.min(plot, (value / max) * plot));
        root.append(svg('rect', { x: 0, y, width: w, height: BAR, rx: 2, class: `chart-bar ${s.class || ''} ${row.class || ''}` }));
      }
      const text = svg('text', { x: plot + 6, y: y + BAR - 3, class: 'chart-value' });
      text.textContent = formatValue(value, data.unit);
      root.append(text);
    });
    if (row.marker !== null && row.marker !== undefined) {
      const x = Math.min(plot, (Number(row.marker) / max) * plot);
      const y1 = top + LABEL - 3;
      const y2 = top + LABEL + series.length * (BAR + BAR_GAP) - BAR_GAP + 3;
      root.append(svg('line', { x1: x, x2: x, y1, y2, class: 'chart-marker' }));
    }
  });
  figure.querySelector('.chart-canvas')?.remove();
  const canvas = document.createElement('div');
  canvas.className = 'chart-canvas';
  canvas.append(root);
  if (series.length > 1 || data.marker_label) canvas.prepend(legend(data));
  const caption = figure.querySelector('figcaption');
  if (caption) caption.after(canvas);
  else figure.prepend(canvas);
}

function render(figure) {
  const source = document.getElementById(figure.dataset.chartSrc);
  if (!source) return;
  let data;
  try {
    data = JSON.parse(source.textContent);
  } catch (error) {
    console.warn('chart data unreadable', figure.dataset.chartSrc, error);
    return;
  }
  if (!data.rows || data.rows.length === 0) return;
  let lastWidth = 0;
  const draw = () => {
    // The content box: the SVG must never be what widens the figure it is measured from.
    const style = getComputedStyle(figure);
    const width = Math.floor(figure.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight));
    if (width > 0 && width !== lastWidth) {
      lastWidth = width;
      drawBars(figure, data, width);
    }
  };
  draw();
  if ('ResizeObserver' in window) new ResizeObserver(draw).observe(figure);
}

document.querySelectorAll('figure.chart[data-chart-src]').forEach(render);
