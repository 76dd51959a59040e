"""Generate calm abstract hero images with Pillow, so the demo needs no downloads."""

import random
from io import BytesIO

from PIL import Image, ImageDraw, ImageFilter

WIDTH, HEIGHT = 1600, 900


def hero_jpeg(color: tuple[int, int, int], seed: str) -> bytes:
    rng = random.Random(seed)
    light = tuple(min(255, c + 140) for c in color)
    image = Image.new("RGB", (WIDTH, HEIGHT), light)
    draw = ImageDraw.Draw(image)
    for y in range(HEIGHT):
        t = y / HEIGHT
        row = tuple(round(light[i] * (1 - t) + color[i] * t) for i in range(3))
        draw.line([(0, y), (WIDTH, y)], fill=row)
    overlay = Image.new("RGBA", (WIDTH, HEIGHT), (0, 0, 0, 0))
    shapes = ImageDraw.Draw(overlay)
    for _ in range(7):
        radius = rng.randint(120, 420)
        x, y = rng.randint(0, WIDTH), rng.randint(0, HEIGHT)
        tint = tuple(min(255, c + rng.randint(20, 110)) for c in color)
        shapes.ellipse(
            [x - radius, y - radius, x + radius, y + radius],
            fill=(*tint, rng.randint(50, 120)),
        )
    overlay = overlay.filter(ImageFilter.GaussianBlur(40))
    image = Image.alpha_composite(image.convert("RGBA"), overlay).convert("RGB")
    buffer = BytesIO()
    image.save(buffer, "JPEG", quality=85)
    return buffer.getvalue()
