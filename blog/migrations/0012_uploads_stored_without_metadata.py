"""Uploads stored before SECURITY-REVIEW #12 are the files as uploaded: full
size, with their metadata (camera make, GPS position, comments), reachable under
MEDIA_URL. Each is replaced, under the same name, by the copy blog.images now
stores of every upload (upright, re-encoded without metadata but an RGB colour
profile, no wider than the largest rendition), so the articles naming it keep
working. Renditions were
made without metadata already and stay as they are.

Each file is replaced in one step: its copy is written beside it under a
temporary name, then renamed over it (os.replace), so a failure at any point
(disk full, permissions, a killed process) leaves the upload or its copy under
the name, never neither. Not atomic: a body image's new size is committed with
its file, so a failure partway leaves the rows matching the files. Running it
again after such a failure re-encodes the copies already made, which is
harmless: they have no metadata left and are no wider than 1200 px already.

Reversing leaves the copies: the metadata is gone on purpose (README: back up
MEDIA_ROOT before migrating).
"""

import math
import os
import stat
import tempfile
from io import BytesIO

from django.db import migrations
from PIL import ExifTags, Image, ImageOps

# What blog.images stored of an upload when this migration was written, copied
# here so that a later change there cannot change what this migration does.
LARGEST_WIDTH = 1200
STORED_COPY_OPTIONS = {
    "JPEG": {"quality": 90},
    "PNG": {"optimize": True},
    "WEBP": {"quality": 90},
}
TURNED = {5, 6, 7, 8}  # EXIF orientations that swap width and height


def _stored_copy(file) -> tuple[bytes, tuple[int, int]]:
    """The copy stored of the image in `file`, and its width and height."""
    with Image.open(file) as image:
        image_format = image.format
        colour_profile = image.info.get("icc_profile") or b""
        turned = image.getexif().get(ExifTags.Base.Orientation) in TURNED
        width, height = image.size[::-1] if turned else image.size  # as shown
        if width > LARGEST_WIDTH:
            if image.mode in ("1", "P"):  # resized only pixel by pixel
                image = image.convert("RGBA")
            # The +1 keeps the width exact through thumbnail()'s rounding.
            shown = (LARGEST_WIDTH, math.ceil(height * LARGEST_WIDTH / width) + 1)
            size = shown[::-1] if turned else shown
            image.draft("RGB", size)  # JPEG: decode at 1/2, 1/4 or 1/8 scale
            image.thumbnail(size, Image.Resampling.LANCZOS)
        upright = ImageOps.exif_transpose(image).convert("RGB")
    upright.info = {}  # the encoders would take the comment, XMP… from it
    buffer = BytesIO()
    upright.save(
        buffer,
        image_format,
        # Only an RGB profile (colour space at bytes 16-20) fits RGB pixels.
        icc_profile=colour_profile if colour_profile[16:20] == b"RGB " else None,
        **STORED_COPY_OPTIONS.get(image_format, {}),
    )
    return buffer.getvalue(), upright.size


def _replace_with_stored_copy(field_file) -> tuple[int, int] | None:
    """Replace the stored file by its copy; return the copy's size, or None if
    there is no file or it cannot be read."""
    storage, name = field_file.storage, field_file.name
    if not storage.exists(name):
        return None
    try:
        with storage.open(name) as handle:
            copy, size = _stored_copy(handle)
    except OSError:  # unreadable: left as it was rather than block the deploy
        return None
    path = storage.path(name)
    handle, temporary = tempfile.mkstemp(
        dir=os.path.dirname(path), prefix=".reencoding-"
    )
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(copy)
            out.flush()
            os.fsync(out.fileno())  # on disk before it takes the name
        # mkstemp makes it private; the web server must read it as before.
        os.chmod(temporary, stat.S_IMODE(os.stat(path).st_mode))
        os.replace(temporary, path)
    except BaseException:
        os.unlink(temporary)
        raise
    return size


def replace_uploads_with_stored_copies(apps, schema_editor):
    Article = apps.get_model("blog", "Article")
    BodyImage = apps.get_model("blog", "BodyImage")
    for article in Article.objects.exclude(hero_image="").only("hero_image"):
        _replace_with_stored_copy(article.hero_image)
    for body_image in BodyImage.objects.exclude(image=""):
        if size := _replace_with_stored_copy(body_image.image):
            width, height = size
            BodyImage.objects.filter(pk=body_image.pk).update(
                width=width, height=height
            )


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("blog", "0011_content_version_triggers"),
    ]

    operations = [
        migrations.RunPython(
            replace_uploads_with_stored_copies, migrations.RunPython.noop
        ),
    ]
