import errno
import os
from importlib import import_module
from io import BytesIO

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.urls import reverse
from PIL import ExifTags, Image, ImageCms, PngImagePlugin

from blog import images
from blog.models import Article, BodyImage
from tests.blog.factories import ArticleFactory, image_file
from tests.test_deploy import run_in_production
from tests.test_quality import html_errors

pytestmark = pytest.mark.django_db

MIGRATION_0012 = import_module("blog.migrations.0012_uploads_stored_without_metadata")


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
    # What is stored of the upload is no wider than the largest rendition.
    with default_storage.open(article.hero_image.name) as handle:
        assert Image.open(handle).size == (1200, 675)
    assert (article.hero_renditions["width"], article.hero_renditions["height"]) == (
        1200,
        675,
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


def test_replacing_the_hero_replaces_its_renditions():
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
    assert [w for w, _name in image.renditions["webp"]] == [480, 800, 1200]
    assert [w for w, _name in image.renditions["jpeg"]] == [480, 800, 1200]
    assert (image.renditions["width"], image.renditions["height"]) == (1200, 750)
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


# What is stored of an upload (SECURITY-REVIEW #12 and #13): never the file
# itself, but a copy without its metadata, upright, decoded at a bounded cost.

PLACE = b"12 Elm Street"
COLOUR_PROFILE = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()


def upload_with_metadata(fmt: str, size=(1600, 1000), orientation=None) -> ContentFile:
    """An image as a camera or phone writes it: make, GPS position, a comment,
    XMP or text chunks naming where it was taken, and a colour profile."""
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    exif[0x8825] = {1: "N", 2: (40.0, 26.0, 46.0)}  # GPSInfo
    if orientation:
        exif[0x0112] = orientation
    xmp = b'<x:xmpmeta xmlns:x="adobe:ns:meta/">' + PLACE + b"</x:xmpmeta>"
    extra = {
        "JPEG": {"comment": PLACE, "xmp": xmp},
        "WEBP": {"xmp": xmp},
        "PNG": {"pnginfo": PngImagePlugin.PngInfo()},
    }[fmt]
    if fmt == "PNG":
        extra["pnginfo"].add_text("Location", PLACE.decode())
    image = Image.new("RGB", size, "red")
    image.paste("blue", (size[0] // 2, 0, size[0], size[1]))  # right half blue
    buffer = BytesIO()
    image.save(buffer, fmt, exif=exif, icc_profile=COLOUR_PROFILE, **extra)
    return ContentFile(buffer.getvalue(), name=f"photo.{fmt.lower()}")


def assert_without_metadata(name: str) -> None:
    with default_storage.open(name) as handle:
        data = handle.read()
    assert b"PhoneMaker" not in data and PLACE not in data
    with Image.open(BytesIO(data)) as image:
        assert not image.getexif()
        assert not {"exif", "xmp", "comment", "Location"} & set(image.info)
        # Kept: it says nothing about anyone, and colours shift without it.
        assert image.info["icc_profile"] == COLOUR_PROFILE


def stored_name(through: str, upload: ContentFile) -> str:
    if through == "hero":
        return ArticleFactory(hero_image=upload, hero_alt="Alt").hero_image.name
    return body_image(image=upload).image.name


@pytest.mark.parametrize("through", ["hero", "body"])
@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "WEBP"])
def test_no_upload_is_stored_with_its_metadata(through, fmt):
    name = stored_name(through, upload_with_metadata(fmt))
    assert name.endswith(f".{fmt.lower()}")
    assert_without_metadata(name)
    with default_storage.open(name) as handle, Image.open(handle) as stored:
        assert (stored.format, stored.size) == (fmt, (1200, 750))


@pytest.mark.parametrize("through", ["hero", "body"])
def test_a_photo_taken_upright_is_stored_upright(through):
    # Stored sideways with "turn 90° clockwise to show" (orientation 6), as
    # phones write it: the left half, red, is the top once turned.
    upload = upload_with_metadata("JPEG", size=(3000, 2000), orientation=6)
    name = stored_name(through, upload)
    with default_storage.open(name) as handle, Image.open(handle) as stored:
        assert stored.size == (1200, 1800)
        assert ExifTags.Base.Orientation not in stored.getexif()
        red, _g, blue = stored.convert("RGB").getpixel((600, 100))
        assert red > 200 and blue < 60
        red, _g, blue = stored.convert("RGB").getpixel((600, 1700))
        assert red < 60 and blue > 200


def test_renditions_keep_the_colour_profile_alone():
    image = body_image(image=upload_with_metadata("JPEG"))
    for name in images.rendition_names(image.renditions):
        assert_without_metadata(name)


def test_a_colour_profile_not_for_rgb_is_dropped_with_the_conversion():
    # Greyscale pixels are stored as RGB, which a grey profile does not describe.
    grey_profile = COLOUR_PROFILE[:16] + b"GRAY" + COLOUR_PROFILE[20:]
    buffer = BytesIO()
    Image.new("L", (1000, 600), 128).save(buffer, "JPEG", icc_profile=grey_profile)
    stored = images.stored_copy(ContentFile(buffer.getvalue(), name="grey.jpg"))
    with Image.open(stored) as image:
        assert image.mode == "RGB"
        assert "icc_profile" not in image.info


def test_the_body_images_size_is_the_stored_copys():
    image = body_image(image=upload_with_metadata("PNG", size=(3000, 1500)))
    assert (image.width, image.height) == (1200, 600)


def test_more_than_16_megapixels_are_refused_with_what_to_do(admin_client):
    # 17.2 MP: accepted before, under the old 40 MP limit.
    upload = image_file(4200, 4100, fmt="PNG", name="scan.png")
    response = admin_client.post(
        reverse("admin:blog_bodyimage_add"), {"image": upload, "alt_text": "Scan"}
    )
    assert response.status_code == 200
    assert (
        "The image is 4200×4100 pixels; we take up to 16 megapixels (for example "
        "4000×4000). Save it smaller and upload it again."
    ) in response.content.decode()
    assert not BodyImage.objects.exists()
    images.validate_body_image(image_file(4000, 4000, fmt="PNG"))


def peak_memory_mb(tmp_path, code: str, fmt: str) -> int:
    """Megabytes the peak memory grows by while `code` runs on a stored 16 MP
    image (the largest accepted) named `field_file`. In a process of its own,
    with Linux's peak reset first: it would otherwise start from pytest's."""
    path = tmp_path / f"large.{fmt.lower()}"
    large = Image.linear_gradient("L").resize((4000, 4000)).convert("RGB")
    large.save(path, fmt)
    del large
    script = (
        "import re\n"
        "from django.core.files import File\n"
        "from django.core.files.storage import default_storage\n"
        "from blog import images\n"
        "from blog.models import BodyImage\n"
        "def kb(field):\n"
        "    status = open('/proc/self/status').read()\n"
        "    return int(re.search(field + r':\\s+(\\d+) kB', status)[1])\n"
        f"with open({str(path)!r}, 'rb') as handle:\n"
        "    name = default_storage.save('large', File(handle))\n"
        "field_file = BodyImage(image=name).image\n"
        "open('/proc/self/clear_refs', 'w').write('5')  # peak := current\n"
        "before = kb('VmRSS')\n"
        f"{code}\n"
        "print((kb('VmHWM') - before) // 1024)\n"
    )
    result = run_in_production(script, DJANGO_MEDIA_ROOT=str(tmp_path / "media"))
    assert result.returncode == 0, result.stderr
    return int(result.stdout.split()[-1])


# A 16 MP image is 48 MB as RGB pixels; making renditions took 183 MB (decoded,
# turned and converted at full size). A JPEG is now decoded at half size or
# less; other formats are decoded once at full size, then only reduced.
@pytest.mark.parametrize(("fmt", "limit_mb"), [("JPEG", 50), ("PNG", 120)])
def test_making_renditions_of_the_largest_image_stays_within_memory(
    tmp_path, fmt, limit_mb
):
    code = "images.make_renditions(field_file)"
    assert peak_memory_mb(tmp_path, code, fmt) < limit_mb


@pytest.mark.parametrize(("fmt", "limit_mb"), [("JPEG", 50), ("PNG", 120)])
def test_storing_the_largest_upload_stays_within_memory(tmp_path, fmt, limit_mb):
    code = "field_file.open('rb')\nimages.stored_copy(field_file)"
    assert peak_memory_mb(tmp_path, code, fmt) < limit_mb


def stored_before_the_migration() -> tuple[BodyImage, Article]:
    """A body image and a hero stored as uploads were before migration 0012:
    the file itself, metadata and full size."""
    image = body_image()
    article = ArticleFactory(hero_image=image_file(), hero_alt="Alt")
    for name in (image.image.name, article.hero_image.name):
        default_storage.delete(name)
        default_storage.save(name, upload_with_metadata("JPEG"))
    BodyImage.objects.filter(pk=image.pk).update(width=1600, height=1000)
    return image, article


def test_the_migration_replaces_stored_uploads_with_copies_without_metadata():
    image, article = stored_before_the_migration()
    names = (image.image.name, article.hero_image.name)
    modes = [os.stat(default_storage.path(name)).st_mode for name in names]
    renditions = image.renditions
    MIGRATION_0012.replace_uploads_with_stored_copies(apps, None)
    for name in names:
        assert_without_metadata(name)
    # Readable by the web server as before; nothing left beside them.
    assert [os.stat(default_storage.path(name)).st_mode for name in names] == modes
    assert not any(".reencoding" in name for name in media_files())
    image.refresh_from_db()
    assert (image.width, image.height) == (1200, 750)
    # Run again, as after a failure partway: the copies stay as they are.
    MIGRATION_0012.replace_uploads_with_stored_copies(apps, None)
    image.refresh_from_db()
    assert (image.width, image.height) == (1200, 750)
    assert_without_metadata(image.image.name)
    assert image.renditions == renditions  # made without metadata already
    # Articles naming the image still show its renditions.
    assert "clinic-photo-1200.jpeg" in article_showing(image).body_html


def media_files(directory="") -> dict[str, bytes]:
    """Every file under MEDIA_ROOT: its name and content."""
    subdirectories, files = default_storage.listdir(directory)
    found = {}
    for file in files:
        with default_storage.open(os.path.join(directory, file)) as handle:
            found[os.path.join(directory, file)] = handle.read()
    for subdirectory in subdirectories:
        found |= media_files(os.path.join(directory, subdirectory))
    return found


@pytest.mark.parametrize("failing", ["open", "fsync", "replace"])
def test_a_failure_while_the_migration_writes_keeps_the_originals(monkeypatch, failing):
    # Disk full as a copy is created, written or given the original's name.
    stored_before_the_migration()
    before = media_files()

    def disk_full(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, failing, disk_full)
    with pytest.raises(OSError, match="No space left"):
        MIGRATION_0012.replace_uploads_with_stored_copies(apps, None)
    monkeypatch.undo()
    assert media_files() == before  # nothing lost, nothing left behind
