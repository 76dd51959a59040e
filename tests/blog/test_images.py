from importlib import import_module
from io import BytesIO

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.urls import reverse
from PIL import Image

from blog import images
from blog.models import Article, BodyImage
from tests.blog.factories import ArticleFactory, image_file
from tests.test_quality import html_errors

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


# Images in article bodies: served as renditions, never as the original.


def photo_with_metadata(width=1600, height=1000, name="clinic-photo.jpg"):
    """A JPEG as a phone writes it: camera make and GPS position in its EXIF."""
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    exif[0x8825] = {1: "N", 2: (40.0, 26.0, 46.0)}  # GPSInfo: where it was taken
    buffer = BytesIO()
    Image.new("RGB", (width, height), "olive").save(buffer, "JPEG", exif=exif)
    return ContentFile(buffer.getvalue(), name=name)


def body_image(**kwargs) -> BodyImage:
    kwargs.setdefault("image", photo_with_metadata())
    kwargs.setdefault("alt_text", "The treatment room")
    return BodyImage.objects.create(**kwargs)


def article_showing(image: BodyImage, **kwargs) -> Article:
    body = f'<p>Before.</p><p><img src="{image.image.url}" alt="Our room"></p>'
    return ArticleFactory(body=body, **kwargs)


def rendition_paths(image: BodyImage) -> list[str]:
    return [default_storage.url(n) for n in images.rendition_names(image.renditions)]


def test_body_images_get_webp_and_jpeg_renditions_without_their_metadata():
    image = body_image()
    with default_storage.open(image.image.name) as handle, Image.open(handle) as im:
        assert im.getexif()  # the original keeps what the camera wrote
    assert [w for w, _name in image.renditions["webp"]] == [480, 800, 1200]
    assert [w for w, _name in image.renditions["jpeg"]] == [480, 800, 1200]
    assert (image.renditions["width"], image.renditions["height"]) == (1600, 1000)
    for fmt, key in (("WEBP", "webp"), ("JPEG", "jpeg")):
        for width, name in image.renditions[key]:
            with default_storage.open(name) as handle, Image.open(handle) as im:
                assert (im.format, im.width) == (fmt, width)
                assert not im.getexif() and "exif" not in im.info


def test_body_image_renditions_are_made_once_and_replaced_with_the_image(
    django_capture_on_commit_callbacks,
):
    image = body_image()
    before = image.renditions
    image.alt_text = "Another description"
    image.save()
    assert image.renditions == before
    old = rendition_paths(image)
    with django_capture_on_commit_callbacks(execute=True):
        image.image = image_file(900, 600, name="other.jpg", color="navy")
        image.save()
    assert [w for w, _name in image.renditions["jpeg"]] == [480, 800, 900]
    assert all(not default_storage.exists(n) for _w, n in before["jpeg"])
    assert all(
        default_storage.exists(n) for n in images.rendition_names(image.renditions)
    )
    assert old != rendition_paths(image)


def test_deleting_a_body_image_deletes_its_renditions_once_committed(
    django_capture_on_commit_callbacks,
):
    image = body_image()
    names = images.rendition_names(image.renditions)
    original = image.image.name
    with django_capture_on_commit_callbacks(execute=True):
        image.delete()
        assert all(default_storage.exists(n) for n in names)  # not yet committed
    assert not any(default_storage.exists(n) for n in names)
    assert default_storage.exists(original)


def test_article_pages_show_body_image_renditions_never_the_original(client):
    image = body_image()
    article = article_showing(image)
    # The editor's text keeps the one address it inserted.
    assert f'<img src="{image.image.url}" alt="Our room">' in article.body
    html = client.get(article.get_absolute_url()).content.decode()
    assert image.image.url not in html
    assert image.image.name not in html
    webp = "/media/articles/renditions/clinic-photo-800.webp 800w"
    assert webp in html
    assert (
        '<img src="/media/articles/renditions/clinic-photo-1200.jpeg" srcset="'
        "/media/articles/renditions/clinic-photo-480.jpeg 480w, "
        "/media/articles/renditions/clinic-photo-800.jpeg 800w, "
        '/media/articles/renditions/clinic-photo-1200.jpeg 1200w" '
        'sizes="(min-width: 50rem) 46rem, 100vw" width="1200" height="750" '
        'alt="Our room" loading="lazy" decoding="async">'
    ) in html
    assert html_errors(html) == []


def test_a_body_naming_a_rendition_is_served_all_of_them():
    image = body_image()
    _width, name = image.renditions["jpeg"][0]
    article = ArticleFactory(body=f'<p><img src="{default_storage.url(name)}"></p>')
    assert "clinic-photo-1200.jpeg 1200w" in article.body_html
    # An <img> without alt text takes the body image's.
    assert 'alt="The treatment room"' in article.body_html


def test_other_images_are_left_as_they_are():
    article = ArticleFactory(body='<p><img src="/media/elsewhere/x.jpg" alt="X"></p>')
    assert (
        '<img src="/media/elsewhere/x.jpg" alt="X" loading="lazy" decoding="async">'
        in article.body_html
    )


def test_saving_an_article_looks_its_body_images_up_in_one_query(
    django_assert_num_queries,
):
    images_ = [
        body_image(image=photo_with_metadata(name=f"p{n}.jpg")) for n in range(3)
    ]
    article = ArticleFactory(
        body="".join(f'<p><img src="{i.image.url}" alt=""></p>' for i in images_)
    )
    assert article.body_html.count("<picture>") == 3
    with django_assert_num_queries(1):
        found = images.body_image_renditions(
            [i.image.url for i in images_] + ["/static/x.png"], BodyImage.objects
        )
    assert set(found) == {i.image.url for i in images_}
    # A body without media images asks nothing.
    with django_assert_num_queries(0):
        assert images.body_image_renditions(["/static/x.png"], BodyImage.objects) == {}


def test_the_migration_makes_renditions_for_existing_body_images_and_pages():
    migration = import_module("blog.migrations.0008_bodyimage_renditions")
    image = body_image()
    article = article_showing(image)
    # As rows were before the migration: no renditions, pages show the original.
    images.delete_renditions(image.renditions)
    BodyImage.objects.filter(pk=image.pk).update(renditions={})
    Article.objects.filter(pk=article.pk).update(body_html="<p>stale</p>")
    migration.make_renditions(apps, None)
    image.refresh_from_db()
    article.refresh_from_db()
    assert image.renditions["jpeg"]
    assert "clinic-photo-1200.jpeg" in article.body_html
    assert image.image.url not in article.body_html
    migration.delete_renditions(apps, None)
    article.refresh_from_db()
    assert image.image.url in article.body_html
    assert not any(
        default_storage.exists(n) for n in images.rendition_names(image.renditions)
    )


def test_admin_gives_the_originals_address_to_paste_in_the_editor(admin_client):
    image = body_image()
    response = admin_client.get(reverse("admin:blog_bodyimage_changelist"))
    assert image.image.url in response.content.decode()
    # The file cannot be swapped under the address articles use.
    change = admin_client.get(reverse("admin:blog_bodyimage_change", args=[image.pk]))
    assert 'name="image"' not in change.content.decode()


def test_admin_refuses_to_delete_a_body_image_an_article_shows(
    admin_client, django_capture_on_commit_callbacks
):
    used, unused = body_image(), body_image(image=photo_with_metadata(name="u.jpg"))
    article_showing(used, title="Room tour")
    url = reverse("admin:blog_bodyimage_delete", args=[used.pk])
    response = admin_client.post(url, {"post": "yes"})
    assert "Room tour" in response.content.decode()
    assert BodyImage.objects.filter(pk=used.pk).exists()
    names = images.rendition_names(unused.renditions)
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            reverse("admin:blog_bodyimage_changelist"),
            {
                "action": "delete_selected",
                "_selected_action": [unused.pk],
                "post": "yes",
            },
        )
    assert response.status_code == 302
    assert not BodyImage.objects.filter(pk=unused.pk).exists()
    assert not any(default_storage.exists(n) for n in names)
