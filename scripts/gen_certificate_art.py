"""Draws static/img/certificate-frame-*.svg and static/img/emblem.svg; the output is committed, run again only to change the art.

Shapes are merged into one path per style because WeasyPrint draws an SVG element by element on every page.
"""
import math
from pathlib import Path

OUT = Path(__file__).resolve().parent.parent / "static" / "img"
W, H = 297, 210

DESIGNS = {
    "classic_red": {"main": "#a3161b", "accent": "#c9a23a", "tint": "#fbf1dc", "soft": "#f6dcd6"},
    "gold": {"main": "#a67c1f", "accent": "#8c1d18", "tint": "#f6ebc8", "soft": "#efe0b4"},
    "blue": {"main": "#1d3f7a", "accent": "#b8952e", "tint": "#e3ecf8", "soft": "#d5e2f3"},
}

OUTER = 7.0  # outer rule
BAND0, BAND1 = 8.9, 14.3  # ornament band
INNER = 15.0  # inner rule
HAIR = 16.1  # hairline


def f(x):
    return f"{x:.3f}".rstrip("0").rstrip(".")


# --- shapes merged into one path per style: WeasyPrint draws an SVG element by element, on every page ----


def transform_point(x, y, dx=0.0, dy=0.0, angle=0.0, scale=1.0):
    a = math.radians(angle)
    x, y = x * scale, y * scale
    return dx + x * math.cos(a) - y * math.sin(a), dy + x * math.sin(a) + y * math.cos(a)


def shape_path(commands, dx=0.0, dy=0.0, angle=0.0, scale=1.0):
    """`commands`: [("M", x, y), ("C", x1, y1, x2, y2, x, y), ("Q", ...), ("L", x, y), ("Z",), ("O", cx, cy, r)]."""
    out = []
    for command in commands:
        op, values = command[0], command[1:]
        if op == "Z":
            out.append("Z")
        elif op == "O":  # a full circle as two arcs
            cx, cy = transform_point(values[0], values[1], dx, dy, angle, scale)
            r = values[2] * scale
            out.append(f"M{f(cx - r)} {f(cy)}A{f(r)} {f(r)} 0 1 0 {f(cx + r)} {f(cy)}A{f(r)} {f(r)} 0 1 0 {f(cx - r)} {f(cy)}Z")
        else:
            points = [transform_point(values[i], values[i + 1], dx, dy, angle, scale) for i in range(0, len(values), 2)]
            out.append(op + " ".join(f"{f(x)} {f(y)}" for x, y in points))
    return "".join(out)


def merged(style, placements, commands):
    """One <path> with `commands` drawn at every (dx, dy, angle, scale) of `placements`."""
    d = "".join(shape_path(commands, *placement) for placement in placements)
    return f'<path {style} d="{d}"/>'


def rect(inset, stroke, width, fill="none"):
    return (f'<rect x="{f(inset)}" y="{f(inset)}" width="{f(W - 2 * inset)}" height="{f(H - 2 * inset)}" '
            f'fill="{fill}" stroke="{stroke}" stroke-width="{f(width)}"/>')


def band_positions(length_start, length_end, step):
    """Centres of motifs spaced evenly between two ends (symmetric)."""
    span = length_end - length_start
    count = max(1, round(span / step))
    real = span / count
    return [length_start + real * (i + 0.5) for i in range(count)]


def band_motifs(name, c):
    """The band's repeated motif as two tiling patterns (along the long and the short sides).

    A pattern's tile is drawn once per page and repeated by the PDF viewer; the same motif drawn
    as paths would cost WeasyPrint a parse of every segment on every page of a batch.
    """
    main, accent = c["main"], c["accent"]
    if name == "classic_red":
        # Gold lozenges with a red heart, linked by dots: a chain of "hoa thị".
        layers = [
            (f'fill="{accent}" stroke="{main}" stroke-width="0.25"', [("M", -2.6, 0), ("L", 0, -2), ("L", 2.6, 0), ("L", 0, 2), ("Z",)]),
            (f'fill="{main}"', [("O", 0, 0, 0.6), ("O", 3.1, 0, 0.35), ("O", -3.1, 0, 0.35)]),
        ]
        step = 6.2
    elif name == "gold":
        # Cloud scrolls ("vân mây"): two curls facing each other.
        layers = [
            (f'fill="none" stroke="{main}" stroke-width="0.45" stroke-linecap="round"',
             [("M", -3, 0.9), ("C", -3, -1.6, 0, -1.6, 0, 0), ("C", 0, 1, -1.4, 1.1, -1.5, 0.2),
              ("M", 3, -0.9), ("C", 3, 1.6, 0, 1.6, 0, 0), ("C", 0, -1, 1.4, -1.1, 1.5, -0.2)]),
            (f'fill="{accent}"', [("O", 0, 0, 0.35)]),
        ]
        step = 6.4
    else:
        # Interlaced rings, each with a gold dot.
        layers = [
            (f'fill="none" stroke="{main}" stroke-width="0.4"', [("O", 0, 0, 2)]),
            (f'fill="none" stroke="{main}" stroke-width="0.3"',
             [("M", -2.9, -1.4), ("Q", -2, 0, -2.9, 1.4), ("M", 2.9, -1.4), ("Q", 2, 0, 2.9, 1.4)]),
            (f'fill="{accent}"', [("O", 0, 0, 0.55)]),
        ]
        step = 5.8
    band = BAND1 - BAND0
    start = BAND1 + 0.9  # the corner squares cover the band's ends
    long_side, short_side = W - 2 * start, H - 2 * start
    step_h = long_side / round(long_side / step)
    step_v = short_side / round(short_side / step)
    tile_h = "".join(merged(style, [(step_h / 2, band / 2, 0, 1)], commands) for style, commands in layers)
    tile_v = "".join(merged(style, [(band / 2, step_v / 2, 90, 1)], commands) for style, commands in layers)
    defs = (
        f'<pattern id="band-h" patternUnits="userSpaceOnUse" width="{f(step_h)}" height="{f(band)}">{tile_h}</pattern>'
        f'<pattern id="band-v" patternUnits="userSpaceOnUse" width="{f(band)}" height="{f(step_v)}">{tile_v}</pattern>'
    )
    # WeasyPrint starts a pattern's tiles at the filled shape's top-left corner: one rectangle per side.
    body = [
        f'<rect x="{f(start)}" y="{f(BAND0)}" width="{f(long_side)}" height="{f(band)}" fill="url(#band-h)"/>',
        f'<rect x="{f(start)}" y="{f(H - BAND1)}" width="{f(long_side)}" height="{f(band)}" fill="url(#band-h)"/>',
        f'<rect x="{f(BAND0)}" y="{f(start)}" width="{f(band)}" height="{f(short_side)}" fill="url(#band-v)"/>',
        f'<rect x="{f(W - BAND1)}" y="{f(start)}" width="{f(band)}" height="{f(short_side)}" fill="url(#band-v)"/>',
    ]
    return defs, body


def mirrored(commands, flip_x, flip_y):
    """Absolute commands reflected across the sheet's vertical and/or horizontal middle."""
    out = []
    for command in commands:
        op, values = command[0], list(command[1:])
        if op == "Z":
            out.append(command)
            continue
        count = 2 if op != "O" else 2  # "O" is (cx, cy, r): only the centre moves
        for i in range(0, len(values) if op != "O" else count, 2):
            if flip_x:
                values[i] = W - values[i]
            if flip_y:
                values[i + 1] = H - values[i + 1]
        out.append((op, *values))
    return out


def placed(commands, dx=0.0, dy=0.0, angle=0.0, scale=1.0):
    """Local commands moved into place, as absolute commands (circles keep their own radius)."""
    out = []
    for command in commands:
        op, values = command[0], command[1:]
        if op == "Z":
            out.append(command)
        elif op == "O":
            x, y = transform_point(values[0], values[1], dx, dy, angle, scale)
            out.append(("O", x, y, values[2] * scale))
        else:
            points = []
            for i in range(0, len(values), 2):
                points += transform_point(values[i], values[i + 1], dx, dy, angle, scale)
            out.append((op, *points))
    return out


def corners(c):
    """The four corner ornaments (a flower on a square over the band, scrolls and a lotus inside), one path per colour."""
    main, accent = c["main"], c["accent"]
    s0, s1 = BAND0 - 0.9, BAND1 + 0.9  # square over the band's corner
    cx = cy = (s0 + s1) / 2
    size = s1 - s0
    square = [("M", s0, s0), ("L", s1, s0), ("L", s1, s1), ("L", s0, s1), ("Z",)]
    inset = [("M", s0 + 0.7, s0 + 0.7), ("L", s1 - 0.7, s0 + 0.7), ("L", s1 - 0.7, s1 - 0.7), ("L", s0 + 0.7, s1 - 0.7), ("Z",)]
    petal = [("M", 0, 0), ("C", 1.4, -0.6, 1.4, -3.2, 0, -3.7), ("C", -1.4, -3.2, -1.4, -0.6, 0, 0), ("Z",)]
    thin = [("M", 0, 0), ("C", 0.6, -0.5, 0.6, -2.4, 0, -2.8), ("C", -0.6, -2.4, -0.6, -0.5, 0, 0), ("Z",)]
    flower = []
    for angle in (0, 90, 180, 270):
        flower += placed(petal, cx, cy, angle)
    for angle in (45, 135, 225, 315):
        flower += placed(thin, cx, cy, angle)
    heart = [("O", cx, cy, 0.9)]
    i = INNER
    scroll = [("M", i + 1.6, i + 1.6), ("C", i + 9, i + 1.2, i + 15, i + 5.5, i + 21, i + 2.6),
              ("C", i + 24, i + 1.2, i + 26, i + 3, i + 24.6, i + 4.4), ("C", i + 23.4, i + 5.4, i + 21.8, i + 4.4, i + 22.6, i + 3.4)]
    # The same scroll down the side: x and y swapped.
    scroll += [(op, *[v for pair in zip(values[1::2], values[0::2]) for v in pair]) for op, *values in scroll]
    lotus_petal = [("M", 0, 0), ("C", 1.5, -1.4, 1.5, -4.4, 0, -6), ("C", -1.5, -4.4, -1.5, -1.4, 0, 0), ("Z",)]
    lotus = []
    for angle, scale in ((135, 1.3), (97, 0.95), (173, 0.95)):
        lotus += placed(lotus_petal, i + 0.9, i + 0.9, angle, scale)
    dot = [("O", i + 5.5, i + 5.5, 0.5)]
    layers = [
        (f'fill="{main}"', square + lotus),
        (f'fill="none" stroke="{accent}" stroke-width="0.3"', inset),
        (f'fill="{accent}"', flower + dot),
        (f'fill="{main}" stroke="{accent}" stroke-width="0.3"', heart),
        (f'fill="none" stroke="{main}" stroke-width="0.45" stroke-linecap="round"', scroll),
    ]
    out = []
    for style, commands in layers:
        every = []
        for flip_x, flip_y in ((False, False), (True, False), (False, True), (True, True)):
            every += mirrored(commands, flip_x, flip_y)
        out.append(f'<path {style} d="{shape_path(every)}"/>')
    return out


def drum(c):
    """A faint sun of the Đông Sơn drum behind the text: a star with rays in concentric rings."""
    cx, cy = W / 2, H / 2 + 4
    rays = 14
    parts = []
    outer_r, inner_r = 16, 6
    points = []
    for i in range(rays * 2):
        r = outer_r if i % 2 == 0 else inner_r
        a = math.pi * i / rays - math.pi / 2
        points.append(f"{f(cx + r * math.cos(a))},{f(cy + r * math.sin(a))}")
    parts.append(f'<polygon points="{" ".join(points)}" fill="{c["main"]}"/>')
    for width, radii in ((0.5, (19, 30, 44)), (0.3, (22, 31.5, 45.5)), (0.6, (58,))):
        parts.append(merged(f'fill="none" stroke="{c["main"]}" stroke-width="{width}"', [(cx, cy, 0, 1)],
                            [("O", 0, 0, radius) for radius in radii]))
    # Rings of small motifs, as on the drum's face.
    def ring(radius, count):
        return [
            (cx + radius * math.cos(2 * math.pi * i / count), cy + radius * math.sin(2 * math.pi * i / count),
             math.degrees(2 * math.pi * i / count) + 90, 1)
            for i in range(count)
        ]

    # Dots and rays as dashed circles: one element each instead of a hundred.
    dots, rays = 2 * math.pi * 26 / 36, 2 * math.pi * 51 / 60
    parts.append(f'<circle cx="{f(cx)}" cy="{f(cy)}" r="26" fill="none" stroke="{c["main"]}" stroke-width="1.7" '
                 f'stroke-linecap="round" stroke-dasharray="0.01 {f(dots - 0.01)}"/>')
    parts.append(f'<circle cx="{f(cx)}" cy="{f(cy)}" r="51" fill="none" stroke="{c["main"]}" stroke-width="6" '
                 f'stroke-dasharray="0.35 {f(rays - 0.35)}"/>')
    parts.append(merged(f'fill="{c["main"]}"', ring(37.7, 24), [
        ("M", -3, 0.8), ("Q", -1, -1.6, 0, -0.2), ("Q", 1.5, -2.2, 3.4, -0.4), ("Q", 1, 0.2, 0, 0.9), ("Q", -1.6, 0.6, -3, 0.8), ("Z",)
    ]))
    # The rings as one path each per stroke width.
    return f'<g opacity="0.06">{"".join(parts)}</g>'


def frame(name, c):
    band_defs, band_body = band_motifs(name, c)
    main, accent = c["main"], c["accent"]
    band = (f'<path fill="{c["tint"]}" fill-rule="evenodd" d="M{f(BAND0)} {f(BAND0)}H{f(W - BAND0)}V{f(H - BAND0)}H{f(BAND0)}Z '
            f'M{f(BAND1)} {f(BAND1)}H{f(W - BAND1)}V{f(H - BAND1)}H{f(BAND1)}Z"/>')
    body = [
        drum(c),
        band,
        rect(OUTER, main, 1.3),
        rect(BAND0, accent, 0.35),
        rect(BAND1, accent, 0.35),
        rect(INNER, main, 0.55),
        rect(HAIR, accent, 0.22),
        *band_body,
        *corners(c),
    ]
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" width="{W}mm" height="{H}mm" viewBox="0 0 {W} {H}">\n'
        f'<!-- Certificate frame "{name}" (A4 landscape, units in mm), drawn for dvkheo. -->\n'
        f'<defs>{band_defs}</defs>\n' + "\n".join(body) + "\n</svg>\n"
    )


def emblem():
    """A star in a red disc, a gold ring, and a wreath of laurel leaves tied with a ribbon (not the national arms)."""
    cx, cy = 50, 46
    parts = []
    # Laurel branches: pairs of leaves along two arcs, from the ribbon at the bottom up either side.
    r = 39
    leaves = []
    for side in (-1, 1):
        for i in range(12):
            t = i / 11
            degrees = 105 + 135 * t if side < 0 else 75 - 135 * t
            a = math.radians(degrees)
            x, y = cx + r * math.cos(a), cy + r * math.sin(a)
            # Direction of travel up the branch, and the rotation that turns a leaf drawn towards -y onto it.
            dx, dy = (-math.sin(a), math.cos(a)) if side < 0 else (math.sin(a), -math.cos(a))
            heading = math.degrees(math.atan2(dx, -dy))
            size = 1.0 - 0.4 * t
            for spread in (-38, 38):
                leaves.append((x, y, heading + spread, size))
        a0, a1 = math.radians(105), math.radians(240 if side < 0 else -60)
        start = (cx + r * math.cos(a0), cy + r * math.sin(a0)) if side < 0 else (cx + r * math.cos(math.radians(75)), cy + r * math.sin(math.radians(75)))
        end = (cx + r * math.cos(a1), cy + r * math.sin(a1))
        sweep = 1 if side < 0 else 0
        parts.append(
            f'<path d="M{f(start[0])} {f(start[1])} A{r} {r} 0 0 {sweep} {f(end[0])} {f(end[1])}" fill="none" stroke="#8a6a12" stroke-width="0.9"/>'
        )
    parts.append(merged('fill="#c9a23a" stroke="#8a6a12" stroke-width="0.35"', leaves,
                        [("M", 0, 0), ("C", 2.2, -1.8, 2.2, -6, 0, -8.2), ("C", -2.2, -6, -2.2, -1.8, 0, 0), ("Z",)]))
    # Disc, ring and star.
    parts.append(f'<circle cx="{cx}" cy="{cy}" r="31" fill="#c9a23a"/>')
    parts.append(f'<circle cx="{cx}" cy="{cy}" r="28.6" fill="#c4161c" stroke="#8a6a12" stroke-width="0.5"/>')
    parts.append(f'<circle cx="{cx}" cy="{cy}" r="25.6" fill="none" stroke="#f2c230" stroke-width="0.6"/>')
    star = []
    for i in range(10):
        r = 20 if i % 2 == 0 else 8.1
        a = math.pi * i / 5 - math.pi / 2
        star.append(f"{f(cx + r * math.cos(a))},{f(cy + 1 + r * math.sin(a))}")
    parts.append(f'<polygon points="{" ".join(star)}" fill="#ffd633" stroke="#e0a800" stroke-width="0.4"/>')
    # Ribbon tying the branches.
    parts.append(
        f'<path d="M{cx - 20} 86 Q{cx} 93 {cx + 20} 86 L{cx + 24} 94 Q{cx} 100 {cx - 24} 94 Z" fill="#c4161c" stroke="#8a6a12" stroke-width="0.4"/>'
    )
    parts.append(f'<path d="M{cx - 24} 94 L{cx - 30} 97 L{cx - 26} 90 Z M{cx + 24} 94 L{cx + 30} 97 L{cx + 26} 90 Z" fill="#9f1116"/>')
    return (
        '<svg xmlns="http://www.w3.org/2000/svg" width="100" height="100" viewBox="0 0 100 100">\n'
        "<!-- Stylised emblem of the movement: a star in a circle within a laurel wreath (not the national coat of arms). -->\n"
        + "\n".join(parts) + "\n</svg>\n"
    )


if __name__ == "__main__":
    OUT.mkdir(parents=True, exist_ok=True)
    for name, colours in DESIGNS.items():
        (OUT / f"certificate-frame-{name}.svg").write_text(frame(name, colours))
    (OUT / "emblem.svg").write_text(emblem())
    print("ok")
