"""Charts as server-rendered SVG markup, for pages and for the WeasyPrint PDF report alike.

No JavaScript and no external references (fonts, images, stylesheets): WeasyPrint renders
inline SVG as it is. Every chart is ``role="img"`` with a ``<title>`` and ``<desc>``, and every
bar or point carries its number as text, so colour never carries a value alone; the trend
lines also differ by dash pattern and marker shape.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from reviews.labels import RISK_LABELS
from reviews.vocab import Risk

# The same colours as static/css/app.css (.risk-*). Numbers are written in near-black, not in
# these colours, so they stay readable whatever the series colour.
COLOURS: dict[str, str] = {
    Risk.HIGH: "#b02a37",
    Risk.MEDIUM: "#a65a00",
    Risk.LOW: "#4a6a8a",
    Risk.NONE: "#146c43",
    Risk.NOT_APPLICABLE: "#6c757d",
    Risk.UNANSWERED: "#6c757d",
}
ORDER = (
    Risk.HIGH,
    Risk.MEDIUM,
    Risk.LOW,
    Risk.NONE,
    Risk.NOT_APPLICABLE,
    Risk.UNANSWERED,
)
FONT = "system-ui,-apple-system,'Segoe UI',Roboto,'DejaVu Sans',sans-serif"


def _svg(
    chart_id: str, width: int, height: int, title: str, desc: str, body: list[str]
) -> SafeString:
    return mark_safe(  # noqa: S308 - every interpolated text below goes through escape()
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" '
        f'viewBox="0 0 {width} {height}" width="{width}" height="{height}" font-family="{FONT}" '
        f'aria-labelledby="{chart_id}-title {chart_id}-desc">'
        f'<title id="{chart_id}-title">{escape(title)}</title>'
        f'<desc id="{chart_id}-desc">{escape(desc)}</desc>' + "".join(body) + "</svg>"
    )


def risk_counts_svg(
    counts: Mapping[str, int],
    *,
    title: str = "Questions by risk",
    chart_id: str = "risk-chart",
    risks: Sequence[str] = ORDER,
    show_values: bool = True,
) -> SafeString:
    """A horizontal bar per risk level, labelled with its name and its number of questions
    (``show_values=False``: no numbers, for a page whose text already gives them)."""
    # label_w fits "No improvements identified" at 13 px in DejaVu Sans (the widest fallback).
    label_w, bar_w, row_h, pad = 204, 170, 26, 6
    width = label_w + bar_w + 46
    height = row_h * len(risks) + pad * 2
    largest = max((counts.get(r, 0) for r in risks), default=0) or 1
    parts = []
    for i, risk in enumerate(risks):
        value = int(counts.get(risk, 0))
        y = pad + i * row_h
        length = round(bar_w * value / largest)
        label = escape(RISK_LABELS[risk])
        parts.append(
            f'<text x="{label_w - 8}" y="{y + 17}" text-anchor="end" font-size="13" '
            f'fill="#212529">{label}</text>'
            f'<rect x="{label_w}" y="{y + 4}" width="{max(length, 1)}" height="{row_h - 8}" '
            f'rx="2" fill="{COLOURS[risk]}"/>'
            + (
                f'<text x="{label_w + max(length, 1) + 6}" y="{y + 17}" font-size="13" '
                f'font-weight="600" fill="#212529">{value}</text>'
                if show_values
                else ""
            )
        )
    desc = "; ".join(f"{RISK_LABELS[r]}: {int(counts.get(r, 0))}" for r in risks)
    return _svg(chart_id, width, height, title, desc, parts)


@dataclass(frozen=True, slots=True)
class TrendPoint:
    label: str  # the milestone's name (or "Now")
    high: int
    medium: int


def _lines(label: str, width: int = 16, most: int = 2) -> list[str]:
    """A label wrapped at spaces into at most ``most`` lines of about ``width`` characters;
    only what still does not fit is cut (the chart's description has every label in full)."""
    lines: list[str] = []
    current = ""
    for word in label.split():
        while len(word) > width:  # a long word alone: split it
            if current:
                lines.append(current)
                current = ""
            lines.append(word[:width])
            word = word[width:]
        if current and len(current) + 1 + len(word) > width:
            lines.append(current)
            current = word
        else:
            current = f"{current} {word}".strip()
    if current:
        lines.append(current)
    if len(lines) > most:
        lines = lines[:most]
        lines[-1] = lines[-1][: width - 1].rstrip() + "…"
    return lines or [""]


def trend_svg(
    points: Sequence[TrendPoint],
    *,
    title: str = "High and medium risks over the milestones",
    chart_id: str = "trend-chart",
) -> SafeString:
    """High and medium risk counts per milestone, oldest first, as two labelled lines."""
    left, right, top, bottom = 64, 64, 40, 56
    step = 140
    width = max(left + right + step * max(len(points) - 1, 1), 360)
    plot_h = 160
    height = top + plot_h + bottom
    largest = max((max(p.high, p.medium) for p in points), default=0) or 1

    def x(i: int) -> float:
        if len(points) == 1:
            return left + (width - left - right) / 2
        return left + i * (width - left - right) / (len(points) - 1)

    def y(value: int) -> float:
        return top + plot_h - plot_h * value / largest

    parts = [
        # legend: text, dash pattern and marker shape distinguish the series, not only colour
        f'<g font-size="12" fill="#212529">'
        f'<line x1="{left}" y1="14" x2="{left + 24}" y2="14" stroke="{COLOURS[Risk.HIGH]}" '
        f'stroke-width="3"/><circle cx="{left + 12}" cy="14" r="4" '
        f'fill="{COLOURS[Risk.HIGH]}"/>'
        f'<text x="{left + 30}" y="18">{escape(RISK_LABELS[Risk.HIGH])}</text>'
        f'<line x1="{left + 110}" y1="14" x2="{left + 134}" y2="14" '
        f'stroke="{COLOURS[Risk.MEDIUM]}" stroke-width="3" stroke-dasharray="6 4"/>'
        f'<rect x="{left + 118}" y="10" width="8" height="8" fill="{COLOURS[Risk.MEDIUM]}"/>'
        f'<text x="{left + 140}" y="18">{escape(RISK_LABELS[Risk.MEDIUM])}</text></g>',
        f'<line x1="{left}" y1="{top + plot_h}" x2="{width - right}" y2="{top + plot_h}" '
        f'stroke="#adb5bd"/>',
    ]
    if not points:
        parts.append(
            f'<text x="{width / 2}" y="{top + plot_h / 2}" text-anchor="middle" '
            f'font-size="13" fill="#495057">No milestones yet</text>'
        )
    for series, colour, dash in (
        ("high", COLOURS[Risk.HIGH], ""),
        ("medium", COLOURS[Risk.MEDIUM], ' stroke-dasharray="6 4"'),
    ):
        coords = [(x(i), y(getattr(p, series))) for i, p in enumerate(points)]
        if len(coords) == 1:
            # One milestone: a short stretch of the series' line, so that its value reads as
            # a point of that series rather than a number floating on its own.
            (cx, cy) = coords[0]
            coords_line = [(cx - 28, cy), (cx + 28, cy)]
        else:
            coords_line = coords
        if coords_line:
            path = " ".join(f"{cx:.1f},{cy:.1f}" for cx, cy in coords_line)
            parts.append(
                f'<polyline points="{path}" fill="none" stroke="{colour}" stroke-width="3"{dash}/>'
            )
        for (cx, cy), point in zip(coords, points, strict=True):
            value = getattr(point, series)
            if series == "high":
                marker = f'<circle cx="{cx:.1f}" cy="{cy:.1f}" r="4.5" fill="{colour}"/>'
                ty = cy - 9
            else:
                marker = (
                    f'<rect x="{cx - 4:.1f}" y="{cy - 4:.1f}" width="8" height="8" '
                    f'fill="{colour}"/>'
                )
                ty = cy + 17
            parts.append(
                marker + f'<text x="{cx:.1f}" y="{ty:.1f}" text-anchor="middle" '
                f'font-size="12" font-weight="600" fill="#212529">{value}</text>'
            )
    for i, point in enumerate(points):
        lines = "".join(
            f'<tspan x="{x(i):.1f}" dy="{0 if n == 0 else 14}">{escape(line)}</tspan>'
            for n, line in enumerate(_lines(point.label))
        )
        parts.append(
            f'<text x="{x(i):.1f}" y="{top + plot_h + 24}" text-anchor="middle" '
            f'font-size="12" fill="#212529">{lines}</text>'
        )
    desc = (
        "; ".join(f"{p.label}: {p.high} high, {p.medium} medium" for p in points)
        or "No milestones yet"
    )
    return _svg(chart_id, width, height, title, desc, parts)
