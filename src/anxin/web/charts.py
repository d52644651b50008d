"""Charts drawn on the server as SVG: no script, no CDN, readable by screen readers.

Each chart is an ``<svg class="chart" role="img">`` with a ``<title>`` and a ``<desc>`` listing every
value, and a ``<title>`` on each bar (a tooltip in the browser). Text uses the system's CJK font, so
Chinese labels render as they do in the page.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

FONT = "'Noto Sans CJK SC', 'Noto Sans SC', 'PingFang SC', 'Microsoft YaHei', sans-serif"
INK, MUTED, GRID, BAR = "#1f2933", "#65717d", "#d9dee3", "#0b6e4f"
WIDTH = 560


@dataclass(frozen=True)
class Item:
    label: str
    value: int
    #: Shown beside the bar and in its tooltip; the value itself when empty.
    text: str = ""


def _id(kind: str, title: str) -> str:
    return f"chart-{kind}-{hashlib.sha1(title.encode()).hexdigest()[:8]}"


def _text_width(text: str, size: float) -> float:
    """A conservative width: CJK and full-width characters a full em, others about 0.6 em."""
    return sum(size if ord(ch) > 0x2E7F else size * 0.6 for ch in text)


def nice_ceiling(value: int) -> int:
    """The smallest 1, 2, 2.5 or 5 × 10ⁿ at or above ``value`` (for an axis end)."""
    if value <= 0:
        return 1
    power = 10 ** (len(str(value)) - 1)
    for step in (1, 2, 2.5, 5, 10):
        if value <= step * power:
            return int(step * power)
    return 10 * power  # pragma: no cover


def _open(kind: str, title: str, desc: str, height: float, width: float = WIDTH) -> list[str]:
    ident = _id(kind, title)
    return [
        f'<svg class="chart chart-{kind}" role="img" xmlns="http://www.w3.org/2000/svg" '
        f'viewBox="0 0 {width:.0f} {height:.0f}" width="100%" preserveAspectRatio="xMinYMin meet" '
        f'aria-labelledby="{ident}-t {ident}-d" font-family="{FONT}" font-size="13" fill="{INK}">',
        f'<title id="{ident}-t">{escape(title)}</title>',
        f'<desc id="{ident}-d">{escape(desc)}</desc>',
        f'<text x="0" y="16" font-size="14" font-weight="600">{escape(title)}</text>',
    ]


def _describe(items: Sequence[Item]) -> str:
    return "；".join(f"{item.label}：{item.text or item.value}" for item in items)


def bar_chart(title: str, items: Sequence[Item], *, empty: str = "无数据 / no data") -> Markup:
    """Horizontal bars, one per item, labels on the left and values at the bar's end."""
    row, top = 24, 30
    height = top + max(len(items), 1) * row + 8
    parts = _open("bar", title, _describe(items) or empty, height)
    if not items:
        parts.append(f'<text x="0" y="{top + 16}" fill="{MUTED}">{escape(empty)}</text></svg>')
        return Markup("".join(parts))
    label_width = min(max(_text_width(item.label, 13) for item in items) + 10, WIDTH * 0.4)
    value_width = max(_text_width(item.text or str(item.value), 12) for item in items) + 10
    span = max(WIDTH - label_width - value_width, 40)
    largest = max((abs(item.value) for item in items), default=0) or 1
    for i, item in enumerate(items):
        y = top + i * row
        length = span * abs(item.value) / largest
        shown = escape(item.text or str(item.value))
        parts.append(
            f"<g><title>{escape(item.label)}：{shown}</title>"
            f'<text x="{label_width - 8:.1f}" y="{y + 15}" text-anchor="end">{escape(item.label)}</text>'
            f'<rect x="{label_width:.1f}" y="{y + 3}" width="{max(length, 1):.1f}" height="{row - 8}" '
            f'rx="2" fill="{BAR}"/>'
            f'<text x="{label_width + length + 6:.1f}" y="{y + 15}" font-size="12" fill="{MUTED}">{shown}</text>'
            "</g>"
        )
    parts.append("</svg>")
    return Markup("".join(parts))


def column_chart(
    title: str,
    items: Sequence[Item],
    *,
    axis_text: Callable[[int], str] = str,
    unit: str = "",
    empty: str = "无数据 / no data",
) -> Markup:
    """Vertical columns (months along the bottom) on a value axis with four grid lines."""
    height, top, bottom, left = 260, 40, 26, 64
    parts = _open("column", title, _describe(items) or empty, height)
    if not items:
        parts.append(f'<text x="0" y="{top + 16}" fill="{MUTED}">{escape(empty)}</text></svg>')
        return Markup("".join(parts))
    plot_h, plot_w = height - top - bottom, WIDTH - left - 8
    ceiling = nice_ceiling(max((item.value for item in items), default=0))
    if unit:
        parts.append(f'<text x="0" y="{top - 8}" font-size="11" fill="{MUTED}">{escape(unit)}</text>')
    for tick in range(5):
        value = ceiling * tick // 4
        y = top + plot_h - plot_h * tick / 4
        parts.append(
            f'<line x1="{left}" x2="{WIDTH - 8}" y1="{y:.1f}" y2="{y:.1f}" stroke="{GRID}"/>'
            f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end" font-size="11" fill="{MUTED}">'
            f"{escape(axis_text(value))}</text>"
        )
    slot = plot_w / len(items)
    width = max(slot * 0.7, 2)
    for i, item in enumerate(items):
        value = max(item.value, 0)
        h = plot_h * value / ceiling
        x = left + i * slot + (slot - width) / 2
        shown = escape(item.text or str(item.value))
        parts.append(
            f"<g><title>{escape(item.label)}：{shown}</title>"
            f'<rect x="{x:.1f}" y="{top + plot_h - h:.1f}" width="{width:.1f}" height="{max(h, 0.5):.1f}" '
            f'fill="{BAR}"/>'
            f'<text x="{x + width / 2:.1f}" y="{height - 8}" text-anchor="middle" font-size="11" '
            f'fill="{MUTED}">{escape(item.label)}</text></g>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))
