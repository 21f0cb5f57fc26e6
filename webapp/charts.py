"""Server-rendered SVG charts. Each chart is drawn from numbers the page also shows in a table
beside it, so the figure never holds information the table lacks; series are told apart by
line style as well as colour, so a black-and-white print still reads."""
from dataclasses import dataclass, field

from markupsafe import Markup, escape

WIDTH, HEIGHT = 480, 240
LEFT, RIGHT, TOP, BOTTOM = 44, 18, 14, 28


@dataclass
class Series:
    key: str
    label: str
    values: list[float | None]
    #: A CSS class that sets the colour (see static/css/charts.css) and the dash pattern.
    css: str
    #: Indexes of points to mark, with the text of the mark, e.g. {10: "verifikasi"}.
    marks: dict[int, str] = field(default_factory=dict)


def _x(i: int, n: int) -> float:
    return LEFT + (WIDTH - LEFT - RIGHT) * (i / (n - 1) if n > 1 else 0.5)


def _y(value: float, top: float) -> float:
    value = max(0.0, min(value, top))
    return TOP + (HEIGHT - TOP - BOTTOM) * (1 - value / top)


def _segments(values: list[float | None]) -> list[list[tuple[int, float]]]:
    """Runs of consecutive known values: a gap breaks the line rather than drawing through it."""
    runs, run = [], []
    for i, value in enumerate(values):
        if value is None:
            if run:
                runs.append(run)
            run = []
        else:
            run.append((i, value))
    if run:
        runs.append(run)
    return runs


def _num(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".")


def line_chart(chart_id: str, title: str, x_labels: list[str], series: list[Series], top: float = 100.0,
               unit: str = "%") -> Markup:
    """A line chart (e.g. an S-curve) as inline SVG, titled and described for screen readers."""
    n = len(x_labels)
    parts = [
        f'<svg class="chart-svg" id="{escape(chart_id)}" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
        f'aria-labelledby="{escape(chart_id)}-title" preserveAspectRatio="xMidYMid meet">',
        f'<title id="{escape(chart_id)}-title">{escape(title)}</title>',
    ]
    for step in range(5):
        value = top * step / 4
        y = _y(value, top)
        parts.append(f'<line class="grid" x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y:.1f}" y2="{y:.1f}"/>')
        parts.append(f'<text class="axis" x="{LEFT - 6}" y="{y + 4:.1f}" text-anchor="end">{_num(value)}{escape(unit)}</text>')
    for i, label in enumerate(x_labels):
        parts.append(f'<text class="axis" x="{_x(i, n):.1f}" y="{HEIGHT - 8}" text-anchor="middle">{escape(label)}</text>')
    for s in series:
        parts.append(f'<g class="series {escape(s.css)}" data-series="{escape(s.key)}">')
        for run in _segments(s.values):
            points = " ".join(f"{_x(i, n):.1f},{_y(v, top):.1f}" for i, v in run)
            parts.append(f'<polyline fill="none" points="{points}"/>')
            for i, v in run:
                parts.append(f'<circle cx="{_x(i, n):.1f}" cy="{_y(v, top):.1f}" r="3">'
                             f'<title>{escape(s.label)}, {escape(x_labels[i])}: {_num(v)}{escape(unit)}</title></circle>')
        for i, text in s.marks.items():
            value = s.values[i]
            if value is None:
                continue
            x, y = _x(i, n), _y(value, top)
            parts.append(f'<g class="mark" data-mark="{escape(s.key)}" data-index="{i}">'
                         f'<circle cx="{x:.1f}" cy="{y:.1f}" r="8"/>'
                         f'<text x="{x:.1f}" y="{y - 12:.1f}" text-anchor="middle">{escape(text)}</text></g>')
        parts.append("</g>")
    parts.append("</svg>")
    return Markup("".join(parts))


def legend(series: list[Series]) -> Markup:
    items = "".join(f'<li><span class="swatch {escape(s.css)}" aria-hidden="true"></span>{escape(s.label)}</li>'
                    for s in series)
    return Markup(f'<ul class="chart-legend">{items}</ul>')


def sparkline(values: list[float | None], label: str, top: float = 100.0, width: int = 120, height: int = 28) -> Markup:
    """A small trend line for a table row; the row's cells hold the numbers."""
    n = len(values)
    known = [(i, v) for i, v in enumerate(values) if v is not None]
    if not known:
        return Markup("")
    step = (width - 4) / (n - 1 if n > 1 else 1)
    pts = " ".join(f"{2 + i * step:.1f},{2 + (height - 4) * (1 - max(0.0, min(v, top)) / top):.1f}" for i, v in known)
    last_i, last_v = known[-1]
    return Markup(
        f'<svg class="sparkline" viewBox="0 0 {width} {height}" width="{width}" height="{height}" role="img" '
        f'aria-label="{escape(label)}"><polyline fill="none" points="{pts}"/>'
        f'<circle cx="{2 + last_i * step:.1f}" cy="{2 + (height - 4) * (1 - max(0.0, min(last_v, top)) / top):.1f}" r="2.5"/></svg>'
    )
