"""Hero image validation and responsive renditions (originals are kept)."""

from io import BytesIO
from pathlib import PurePosixPath

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils.translation import gettext_lazy as _
from PIL import Image, ImageOps, UnidentifiedImageError

ALLOWED_FORMATS = {"JPEG", "PNG", "WEBP"}
MAX_BYTES = 8 * 1024 * 1024
MIN_WIDTH, MIN_HEIGHT = 800, 400
MAX_PIXELS = 40_000_000
RENDITION_WIDTHS = (480, 800, 1200)
RENDITION_DIR = "articles/renditions"


def validate_hero_image(file) -> None:
    _validate(file, MIN_WIDTH, MIN_HEIGHT)


def validate_body_image(file) -> None:
    _validate(file, 200, 100)


def _validate(file, min_width: int, min_height: int) -> None:
    if file.size > MAX_BYTES:
        raise ValidationError(
            _("The image is larger than %(mb)s MB."),
            code="too_large",
            params={"mb": MAX_BYTES // (1024 * 1024)},
        )
    try:
        file.seek(0)
        with Image.open(file) as image:
            image_format = image.format
            width, height = image.size
            # Refuse decompression bombs before anything decodes the pixels.
            if width * height > MAX_PIXELS:
                raise ValidationError(
                    _("The image has too many pixels."), code="too_big"
                )
            image.verify()
    except (UnidentifiedImageError, OSError, SyntaxError) as exc:
        raise ValidationError(
            _("Upload a JPEG, PNG or WebP image."), code="invalid_image"
        ) from exc
    finally:
        file.seek(0)
    if image_format not in ALLOWED_FORMATS:
        raise ValidationError(
            _("Upload a JPEG, PNG or WebP image."), code="invalid_type"
        )
    if width < min_width or height < min_height:
        raise ValidationError(
            _("The image must be at least %(w)s×%(h)s pixels."),
            code="too_small",
            params={"w": min_width, "h": min_height},
        )


def make_renditions(field_file) -> dict:
    """Write WebP and JPEG copies at fixed widths; return their storage names."""
    storage = field_file.storage
    stem = PurePosixPath(field_file.name).stem
    field_file.open("rb")
    try:
        with Image.open(field_file) as original:
            image = ImageOps.exif_transpose(original).convert("RGB")
    finally:
        field_file.seek(0)
    widths = [w for w in RENDITION_WIDTHS if w < image.width] + [
        min(image.width, RENDITION_WIDTHS[-1])
    ]
    result = {"src": field_file.name, "webp": [], "jpeg": []}
    for width in sorted(set(widths)):
        height = round(image.height * width / image.width)
        resized = image.resize((width, height), Image.Resampling.LANCZOS)
        for fmt, ext, options in (
            ("WEBP", "webp", {"quality": 80, "method": 4}),
            ("JPEG", "jpeg", {"quality": 82, "optimize": True, "progressive": True}),
        ):
            buffer = BytesIO()
            resized.save(buffer, fmt, **options)
            name = storage.save(
                f"{RENDITION_DIR}/{stem}-{width}.{ext}", ContentFile(buffer.getvalue())
            )
            result[ext].append([width, name])
    result["width"], result["height"] = image.width, image.height
    return result


def delete_renditions(renditions: dict) -> None:
    """Remove the renditions of a replaced hero image (its original is kept)."""
    for ext in ("webp", "jpeg"):
        for _width, name in renditions.get(ext, []):
            default_storage.delete(name)
