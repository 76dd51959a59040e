from io import BytesIO

import pytest
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from PIL import Image

from blog import images
from tests.blog.factories import ArticleFactory, image_file

pytestmark = pytest.mark.django_db


def test_renditions_are_generated_at_fixed_widths_in_webp_and_jpeg():
    article = ArticleFactory(with_hero=True)
    renditions = article.hero_renditions
    assert [w for w, _name in renditions["webp"]] == [480, 800, 1200]
    assert [w for w, _name in renditions["jpeg"]] == [480, 800, 1200]
    for fmt, key in (("WEBP", "webp"), ("JPEG", "jpeg")):
        for width, name in renditions[key]:
            with default_storage.open(name) as handle, Image.open(handle) as image:
                assert image.format == fmt
                assert image.width == width
                assert image.height == round(900 * width / 1600)
    # The original is kept.
    assert default_storage.exists(article.hero_image.name)
    assert (article.hero_renditions["width"], article.hero_renditions["height"]) == (
        1600,
        900,
    )
    assert "480w" in article.hero_srcset() and ".webp" in article.hero_srcset()
    assert article.hero_size() == (1200, 675)


def test_renditions_are_not_regenerated_on_every_save():
    article = ArticleFactory(with_hero=True)
    before = article.hero_renditions
    article.title = "New title"
    article.save()
    assert article.hero_renditions == before


def test_small_originals_are_never_upscaled():
    article = ArticleFactory(hero_image=image_file(900, 500), hero_alt="Alt")
    assert [w for w, _name in article.hero_renditions["jpeg"]] == [480, 800, 900]


@pytest.mark.parametrize(
    ("upload", "code"),
    [
        (image_file(400, 300), "too_small"),
        (image_file(1600, 900, fmt="GIF", name="x.gif"), "invalid_type"),
        (ContentFile(b"not an image at all", name="x.jpg"), "invalid_image"),
    ],
)
def test_hero_validation_rejects_bad_uploads(upload, code):
    with pytest.raises(ValidationError) as excinfo:
        images.validate_hero_image(upload)
    assert excinfo.value.code == code


def test_hero_validation_rejects_large_files(monkeypatch):
    monkeypatch.setattr(images, "MAX_BYTES", 100)
    with pytest.raises(ValidationError) as excinfo:
        images.validate_hero_image(image_file())
    assert excinfo.value.code == "too_large"


def test_hero_validation_rejects_decompression_bombs(monkeypatch):
    monkeypatch.setattr(images, "MAX_PIXELS", 1000)
    with pytest.raises(ValidationError) as excinfo:
        images.validate_hero_image(image_file())
    assert excinfo.value.code == "too_big"


def test_png_and_webp_are_accepted():
    for fmt in ("PNG", "WEBP"):
        buffer = BytesIO()
        Image.new("RGB", (1000, 600), "white").save(buffer, fmt)
        images.validate_hero_image(ContentFile(buffer.getvalue(), name="x"))


def test_replacing_the_hero_replaces_its_renditions_and_keeps_originals():
    article = ArticleFactory(with_hero=True)
    old_original = article.hero_image.name
    old = [name for _w, name in article.hero_renditions["webp"]]
    article.hero_image = image_file(1000, 800, name="new.jpg", color="navy")
    article.save()
    assert all(not default_storage.exists(name) for name in old)
    assert default_storage.exists(old_original)
    assert article.hero_size() == (1000, 800)
    article.hero_image = ""
    article.hero_alt = ""
    article.save()
    assert article.hero_renditions == {}
