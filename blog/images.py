"""Hero and body image validation, the copy stored of each upload, and its
responsive renditions.

An upload itself is never stored: what is kept under its name (and so reachable
under MEDIA_URL) is a re-encoded copy, upright and without the file's metadata
(camera, GPS position, comments), no wider than the largest rendition. Its
colour profile alone is kept, in the copy and the renditions: it says nothing
about anyone, and without it a wide-gamut phone photo shows duller colours.
"""

import math
from collections.abc import Iterable
from io import BytesIO
from pathlib import PurePosixPath
from urllib.parse import unquote, urlsplit

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _
from PIL import ExifTags, Image, ImageOps, UnidentifiedImageError

ALLOWED_FORMATS = {"JPEG", "PNG", "WEBP"}
MAX_BYTES = 8 * 1024 * 1024
MIN_WIDTH, MIN_HEIGHT = 800, 400
# Decoding takes 3-4 bytes a pixel: 16 MP is 48-64 MB, once, per upload. A phone
# photo (12 MP) fits; a 50 MP camera file must be saved smaller first.
MAX_PIXELS = 16_000_000
RENDITION_WIDTHS = (480, 800, 1200)
RENDITION_DIR = "articles/renditions"
# How the stored copy of an upload is encoded, in the upload's own format.
STORED_COPY_OPTIONS = {
    "JPEG": {"quality": 90},
    "PNG": {"optimize": True},
    "WEBP": {"quality": 90},
}
# EXIF orientations that swap width and height (a phone held upright).
TURNED = {5, 6, 7, 8}


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
                    _(
                        "The image is %(width)s×%(height)s pixels; we take up to "
                        "%(megapixels)s megapixels (for example 4000×4000). Save "
                        "it smaller and upload it again."
                    ),
                    code="too_big",
                    params={
                        "width": width,
                        "height": height,
                        "megapixels": MAX_PIXELS // 1_000_000,
                    },
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


def stored_copy(file) -> ContentFile:
    """What is stored of an uploaded image: re-encoded in its own format from
    the decoded pixels alone, so none of the file's metadata comes along."""
    file.seek(0)
    image, image_format = _decode(file)
    encoded = _encode(image, image_format, **STORED_COPY_OPTIONS.get(image_format, {}))
    # Named: an ImageField reads its width and height from what it stored.
    return ContentFile(encoded, name=file.name)


def make_renditions(field_file) -> dict:
    """Write WebP and JPEG copies at fixed widths; return their storage names."""
    storage = field_file.storage
    stem = PurePosixPath(field_file.name).stem
    field_file.open("rb")
    try:
        image, _format = _decode(field_file)
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
            name = storage.save(
                f"{RENDITION_DIR}/{stem}-{width}.{ext}",
                ContentFile(_encode(resized, fmt, **options)),
            )
            result[ext].append([width, name])
    result["width"], result["height"] = image.width, image.height
    return result


def _decode(file) -> tuple[Image.Image, str]:
    """The image in `file`, upright as its EXIF says, in RGB, no wider than the
    largest rendition and with no metadata but its colour profile; and the
    file's format.

    Memory: a JPEG is decoded straight at a fraction of its size (draft), any
    other is reduced before anything else, so the full-size pixels exist once at
    most and are never copied, turned or converted at full size.
    """
    with Image.open(file) as image:
        image_format = image.format
        colour_profile = image.info.get("icc_profile") or b""
        turned = image.getexif().get(ExifTags.Base.Orientation) in TURNED
        width, height = image.size[::-1] if turned else image.size  # as shown
        if width > RENDITION_WIDTHS[-1]:
            if image.mode in ("1", "P"):  # resized only pixel by pixel
                image = image.convert("RGBA")
            # The +1 keeps the width exact through thumbnail()'s rounding.
            shown = (
                RENDITION_WIDTHS[-1],
                math.ceil(height * RENDITION_WIDTHS[-1] / width) + 1,
            )
            size = shown[::-1] if turned else shown
            image.draft("RGB", size)  # JPEG: decode at 1/2, 1/4 or 1/8 scale
            image.thumbnail(size, Image.Resampling.LANCZOS)
        upright = ImageOps.exif_transpose(image).convert("RGB")
    upright.info = {}  # the encoders would take the comment, XMP… from it
    # Only a profile for RGB (its colour space at bytes 16-20) still describes
    # the pixels once converted: a CMYK or grey one would be wrong for them.
    if colour_profile[16:20] == b"RGB ":
        upright.info["icc_profile"] = colour_profile
    return upright, image_format


def _encode(image: Image.Image, image_format: str, **options) -> bytes:
    """`image` in `image_format`, with its colour profile if it has one (JPEG
    and WebP take it only when asked)."""
    buffer = BytesIO()
    image.save(
        buffer, image_format, icc_profile=image.info.get("icc_profile"), **options
    )
    return buffer.getvalue()


def delete_renditions(renditions: dict) -> None:
    """Remove the renditions of a replaced image (its stored copy is kept)."""
    for ext in ("webp", "jpeg"):
        for _width, name in renditions.get(ext, []):
            default_storage.delete(name)


def rendition_names(renditions: dict) -> list[str]:
    return [name for ext in ("webp", "jpeg") for _w, name in renditions.get(ext, [])]


def body_image_renditions(sources: Iterable[str], body_images: QuerySet) -> dict:
    """Map each of `sources` (<img src> values) that is a body image's original or
    one of its renditions to what richtext.render needs to serve renditions.

    One query, none if no source is a media URL. `body_images` is the BodyImage
    manager or queryset (a historical model's in a migration).
    """
    names = {src: name for src in sources if (name := _media_name(src))}
    if not names:
        return {}
    wanted = Q()
    for name in set(names.values()):
        wanted |= Q(image=name)
        # jsonb containment: some [width, name] pair of the list holds the name.
        wanted |= Q(renditions__contains={"webp": [[name]]})
        wanted |= Q(renditions__contains={"jpeg": [[name]]})
    by_name = {}
    for body_image in body_images.filter(wanted).order_by("pk"):
        if not body_image.renditions.get("jpeg"):
            continue
        info = _urls(body_image.renditions) | {"alt": body_image.alt_text}
        for name in [body_image.image.name, *rendition_names(body_image.renditions)]:
            by_name[name] = info
    return {src: by_name[name] for src, name in names.items() if name in by_name}


def _media_name(src: str) -> str | None:
    """The storage name of a (site-relative) media URL, or None."""
    prefix = default_storage.url("")
    path = unquote(urlsplit(src).path)
    if not prefix.startswith("/") or not path.startswith(prefix):
        return None
    return path.removeprefix(prefix) or None


def _urls(renditions: dict) -> dict:
    return {
        "webp": [[w, default_storage.url(n)] for w, n in renditions.get("webp", [])],
        "jpeg": [[w, default_storage.url(n)] for w, n in renditions.get("jpeg", [])],
        "width": renditions["width"],
        "height": renditions["height"],
    }
