import shutil
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from blog.models import Article, Category
from tests.blog.factories import ArticleFactory, image_file

pytestmark = pytest.mark.django_db

FIXTURE = Path(__file__).parent / "data" / "wordpress-export.xml"


@pytest.fixture
def export(tmp_path):
    """The fixture export next to a local wp-content/uploads with its hero image."""
    path = tmp_path / "export.xml"
    shutil.copy(FIXTURE, path)
    uploads = tmp_path / "wp-content" / "uploads" / "2024" / "07"
    uploads.mkdir(parents=True)
    (uploads / "frown-hero.jpg").write_bytes(image_file().read())
    return path


def run(*args):
    call_command("import_wordpress", *[str(a) for a in args])


def test_import_creates_posts_with_their_fields(export):
    run(export)
    assert Article.objects.count() == 3  # the page and the trashed post are skipped
    frown = Article.objects.get(wordpress_id=11)
    assert frown.slug == "frown-lines-explained"
    assert frown.title == "Frown lines, explained"
    assert frown.status == Article.Status.PUBLISHED
    assert frown.published_at.isoformat() == "2024-07-01T14:00:00+00:00"
    assert frown.author_name == "Jane Park, NP"
    assert frown.summary == "How expression lines form."
    assert [c.slug for c in frown.categories.all()] == ["injectables"]
    assert frown in Article.objects.published()
    # Featured image found in the local uploads folder, with renditions.
    assert frown.hero_alt == "A relaxed forehead"
    assert frown.hero_renditions["webp"]
    # Imported articles wait for a clinician's review.
    assert frown.review is None and frown.review_state() == "never"


def test_import_cleans_and_sanitizes_the_body(export):
    run(export)
    body = Article.objects.get(wordpress_id=11).body_html
    assert '<h2 id="why-they-form">Why they form</h2>' in body
    for junk in ("wp:", "[gallery", "[caption", "[/caption]", "<script", "onmouseover",
                 "javascript:", "class="):  # fmt: skip
        assert junk not in body
    assert "Brow area" in body and "Ask a clinician." in body


def test_classic_posts_get_paragraphs_and_a_slug_from_the_title(export):
    run(export)
    draft = Article.objects.get(wordpress_id=12)
    assert draft.slug == "classic-editor-post"
    assert draft.status == Article.Status.DRAFT
    assert draft.body_html == (
        "<p>First paragraph line one<br>line two.</p><p>Second paragraph.</p>"
    )
    assert Category.objects.filter(slug="skin-care", name="Skin care").exists()


def test_future_posts_are_scheduled(export):
    run(export)
    future = Article.objects.get(wordpress_id=13)
    assert future.status == Article.Status.PUBLISHED
    assert future.state() == "Scheduled"
    assert future not in Article.objects.published()
    assert future.author_name == "someone-else"


def test_re_running_updates_instead_of_duplicating(export):
    run(export)
    frown = Article.objects.get(wordpress_id=11)
    hero = frown.hero_image.name
    export.write_text(
        export.read_text().replace("Frown lines, explained", "Frown lines, revisited")
    )
    run(export)
    assert Article.objects.count() == 3
    assert Category.objects.filter(slug="injectables").count() == 1
    frown.refresh_from_db()
    assert frown.title == "Frown lines, revisited"
    assert frown.hero_image.name == hero  # not copied a second time


def test_missing_featured_image_is_a_warning_not_an_error(tmp_path, capsys):
    path = tmp_path / "export.xml"
    shutil.copy(FIXTURE, path)
    run(path)
    assert Article.objects.count() == 3
    assert not Article.objects.get(wordpress_id=11).hero_image
    err = capsys.readouterr().err
    assert "frown-hero.jpg" in err
    assert "post 11: 1 inline image(s) load from another site" in err


BROKEN = [
    ("truncated", lambda text: text[: len(text) // 2], "not well-formed XML"),
    ("not wxr", lambda text: "<html><body>hi</body></html>", "not a WordPress export"),
    (
        "bad date",
        lambda text: text.replace("2024-06-01 09:00:00", "yesterday"),
        "item 2 (post ID 12): <wp:post_date> is 'yesterday'",
    ),
    (
        "no title",
        lambda text: text.replace("<![CDATA[Coming soon: sunscreen]]>", ""),
        "item 3 (post ID 13): the post has no <title>",
    ),
    (
        "bad status",
        lambda text: text.replace("<![CDATA[future]]>", "<![CDATA[weird]]>"),
        "unknown <wp:status> 'weird'",
    ),
    (
        "entities",
        lambda text: text.replace(
            '<?xml version="1.0" encoding="UTF-8" ?>',
            '<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY lol "lol">]>',
        ),
        "DOCTYPE or entities",
    ),
    (
        "external entity",
        lambda text: text.replace(
            '<?xml version="1.0" encoding="UTF-8" ?>',
            '<?xml version="1.0"?><!DOCTYPE rss SYSTEM "file:///etc/passwd">',
        ),
        "DOCTYPE or entities",
    ),
]


@pytest.mark.parametrize(
    ("name", "breaks", "message"), BROKEN, ids=[b[0] for b in BROKEN]
)
def test_broken_files_import_nothing_and_say_what_is_wrong(
    export, name, breaks, message
):
    export.write_text(breaks(export.read_text()))
    with pytest.raises(CommandError) as excinfo:
        run(export)
    assert message in str(excinfo.value)
    assert str(excinfo.value).startswith("Nothing imported:")
    assert Article.objects.count() == 0
    assert Category.objects.count() == 0


def test_a_failure_late_in_the_file_rolls_back_earlier_posts(export):
    # Valid XML, but the second post's slug belongs to an article written here.
    ArticleFactory(slug="classic-editor-post", title="Ours")
    with pytest.raises(CommandError, match="already belongs to the article 'Ours'"):
        run(export)
    assert Article.objects.count() == 1


def test_missing_file_is_a_clear_error(tmp_path):
    with pytest.raises(CommandError, match="no such file"):
        run(tmp_path / "nope.xml")
