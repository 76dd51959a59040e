"""Uploads stored before SECURITY-REVIEW #12 are the files as uploaded: full
size, with their metadata (camera make, GPS position, comments), reachable under
MEDIA_URL. Each is replaced, under the same name, by the copy blog.images now
stores of every upload (upright, re-encoded without metadata, no wider than the
largest rendition), so the articles naming it keep working. Renditions were
made without metadata already and stay as they are.

Reversing leaves the copies: the metadata is gone on purpose.
"""

from django.core.files.images import get_image_dimensions
from django.db import migrations

from blog import images


def _replace_with_stored_copy(field_file) -> bool:
    storage, name = field_file.storage, field_file.name
    if not storage.exists(name):
        return False
    try:
        with storage.open(name) as handle:
            copy = images.stored_copy(handle)
    except OSError:  # unreadable: left as it was rather than block the deploy
        return False
    storage.delete(name)
    # The name is free again, so the copy takes it: nothing that names it changes.
    storage.save(name, copy)
    return True


def replace_uploads_with_stored_copies(apps, schema_editor):
    Article = apps.get_model("blog", "Article")
    BodyImage = apps.get_model("blog", "BodyImage")
    for article in Article.objects.exclude(hero_image="").only("hero_image"):
        _replace_with_stored_copy(article.hero_image)
    for body_image in BodyImage.objects.exclude(image=""):
        if _replace_with_stored_copy(body_image.image):
            with body_image.image.storage.open(body_image.image.name) as handle:
                width, height = get_image_dimensions(handle)
            BodyImage.objects.filter(pk=body_image.pk).update(
                width=width, height=height
            )


class Migration(migrations.Migration):
    dependencies = [
        ("blog", "0011_content_version_triggers"),
    ]

    operations = [
        migrations.RunPython(
            replace_uploads_with_stored_copies, migrations.RunPython.noop
        ),
    ]
