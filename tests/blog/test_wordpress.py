import datetime
import shutil
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from blog.demo.state import demo_values
from blog.models import Article, BodyImage, Category, Redirect
from blog.reviews import article_mark_reviewed
from medspa.demo import fingerprint
from tests.blog.factories import ArticleFactory, ReviewerFactory, image_file

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


def test_re_running_keeps_what_the_clinic_changed_since(export, capsys):
    run(export)
    corrected = Article.objects.get(wordpress_id=11)
    corrected.body = "<p>Corrected by our physician.</p>"
    corrected.status = Article.Status.DRAFT  # withdrawn while being fixed
    corrected.save()
    export.write_text(
        export.read_text().replace("Frown lines, explained", "Frown lines, revisited")
    )
    capsys.readouterr()
    run(export)
    corrected.refresh_from_db()
    assert corrected.body == "<p>Corrected by our physician.</p>"
    assert corrected.status == Article.Status.DRAFT
    assert corrected.title == "Frown lines, explained"
    output = capsys.readouterr()
    # The untouched posts were updated as usual.
    assert "2 updated, 1 kept as changed here" in output.out
    assert "post 11: changed here since it was imported" in output.err


def test_missing_featured_image_is_a_warning_not_an_error(tmp_path, capsys):
    path = tmp_path / "export.xml"
    shutil.copy(FIXTURE, path)
    run(path)
    assert Article.objects.count() == 3
    assert not Article.objects.get(wordpress_id=11).hero_image
    err = capsys.readouterr().err
    assert "frown-hero.jpg" in err
    # An image from the old site's uploads that is not here is listed and left
    # out; one from elsewhere is not shown either, as before.
    assert "post 11: inline image x.jpg not found under" in err
    assert "post 11: 1 inline image(s) are not shown, as their address" in err
    frown = Article.objects.get(wordpress_id=11)
    assert "old-clinic.example" not in frown.body
    assert "old-clinic.example" not in frown.body_html


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


# Demo content never blocks an import.


def demo_article(**fields) -> Article:
    """A demo article as the demo loader leaves it (nobody changed it since)."""
    article = ArticleFactory(is_demo=True, **fields)
    article.demo_fingerprint = fingerprint(demo_values(article))
    article.save(update_fields=["demo_fingerprint"])
    return article


def test_a_demo_article_with_the_same_slug_is_retired(export, capsys):
    demo = demo_article(slug="frown-lines-explained", title="Demo frowns")
    run(export)
    frown = Article.objects.get(wordpress_id=11)
    assert frown.slug == "frown-lines-explained"
    assert frown.title == "Frown lines, explained"
    demo.refresh_from_db()
    assert demo.slug == "frown-lines-explained-demo-retired"
    assert demo.status == Article.Status.DRAFT
    assert demo.is_demo and demo.title == "Demo frowns"
    assert demo not in Article.objects.published()
    assert "Demo article 'frown-lines-explained' retired" in capsys.readouterr().out
    run(export)  # a re-run has nothing left to retire
    assert Article.objects.filter(slug__contains="demo-retired").count() == 1


def test_a_retired_slug_already_taken_gets_a_number(export):
    demo_article(slug="frown-lines-explained-demo-retired")
    demo = demo_article(slug="frown-lines-explained")
    run(export)
    demo.refresh_from_db()
    assert demo.slug == "frown-lines-explained-demo-retired-2"


def test_a_demo_article_the_clinic_edited_stops_the_import_like_its_own(export):
    edited = demo_article(slug="frown-lines-explained")
    edited.title = "Our frown lines article"
    edited.save()
    with pytest.raises(CommandError, match="already belongs to the article 'Our"):
        run(export)
    edited.refresh_from_db()
    assert edited.slug == "frown-lines-explained" and edited.status == "published"


def test_the_clinics_own_article_still_stops_the_import_and_retires_nothing(export):
    demo = demo_article(slug="frown-lines-explained")
    ArticleFactory(slug="classic-editor-post", title="Ours")
    with pytest.raises(CommandError, match="already belongs to the article 'Ours'"):
        run(export)
    demo.refresh_from_db()
    assert demo.slug == "frown-lines-explained"
    assert demo.status == Article.Status.PUBLISHED
    assert not Article.objects.filter(wordpress_id__isnull=False).exists()
    assert not Redirect.objects.exists()


# Imported posts arrive unreviewed.


def test_imported_posts_arrive_unreviewed_in_the_review_queue(export):
    run(export)
    imported = Article.objects.filter(wordpress_id__isnull=False)
    assert imported.count() == 3
    assert all(article.review is None for article in imported)
    assert set(Article.objects.review_due()) == set(imported)


def test_re_importing_a_changed_text_takes_the_review_down(export):
    run(export)
    frown = Article.objects.get(wordpress_id=11)
    article_mark_reviewed(
        article=frown,
        reviewer=ReviewerFactory(),
        reviewed_on=datetime.date.today(),
        recorded_by=None,
    )
    run(export)  # the same text: the review still holds
    frown.refresh_from_db()
    assert frown.review_state() == "current"
    export.write_text(
        export.read_text().replace("Ask a clinician.", "Ask your clinician.")
    )
    run(export)
    frown.refresh_from_db()
    assert frown.current_review() is None
    assert frown.review_state() == "changed"
    assert frown in Article.objects.review_due()


def test_publish_as_draft_makes_every_post_a_draft(export):
    run(export, "--publish-as", "draft")
    imported = Article.objects.filter(wordpress_id__isnull=False)
    assert {a.status for a in imported} == {Article.Status.DRAFT}
    assert not Article.objects.published().exists()
    # Their publish times are kept for when staff publish them.
    frown = imported.get(wordpress_id=11)
    assert frown.published_at.isoformat() == "2024-07-01T14:00:00+00:00"


def test_publish_as_keep_is_what_wordpress_had(export):
    run(export, "--publish-as", "keep")
    statuses = dict(
        Article.objects.filter(wordpress_id__isnull=False).values_list(
            "wordpress_id", "status"
        )
    )
    assert statuses == {
        11: Article.Status.PUBLISHED,
        12: Article.Status.DRAFT,
        13: Article.Status.PUBLISHED,
    }


def test_publish_as_refuses_other_values(export):
    with pytest.raises(CommandError, match="invalid choice"):
        run(export, "--publish-as", "publish")


# Old addresses keep working.


def test_import_makes_redirects_for_permalinks_post_ids_and_categories(export):
    run(export)
    assert dict(Redirect.objects.values_list("old_path", "new_path")) == {
        "/frown-lines-explained/": "/articles/frown-lines-explained/",
        "/?p=11": "/articles/frown-lines-explained/",
        "/category/injectables/": "/articles/category/injectables/",
        # The draft's <link> is its ?p= address: one redirect.
        "/?p=12": "/articles/classic-editor-post/",
        "/category/skin-care/": "/articles/category/skin-care/",
        "/2099/01/coming-soon-sunscreen/": "/articles/coming-soon-sunscreen/",
        "/?p=13": "/articles/coming-soon-sunscreen/",
    }


def test_redirects_follow_a_renamed_slug_on_re_import(export):
    run(export)
    export.write_text(
        export.read_text().replace(
            "<![CDATA[frown-lines-explained]]></wp:post_name>",
            "<![CDATA[frown-lines]]></wp:post_name>",
        )
    )
    run(export)
    assert Redirect.objects.get(old_path="/?p=11").new_path == "/articles/frown-lines/"
    assert Redirect.objects.count() == 7


def test_permalinks_keep_their_path_and_query_never_their_host(export):
    export.write_text(
        export.read_text().replace(
            "<link>https://old-clinic.example/frown-lines-explained/</link>",
            "<link>https://old-clinic.example/2024/07/frown-lines/?lang=en</link>",
        )
    )
    run(export)
    redirect = Redirect.objects.get(new_path="/articles/frown-lines-explained/",
                                    old_path__startswith="/2024")  # fmt: skip
    assert redirect.old_path == "/2024/07/frown-lines/?lang=en"


def test_no_redirect_when_the_old_address_is_the_new_one(export):
    export.write_text(
        export.read_text().replace(
            "<link>https://old-clinic.example/frown-lines-explained/</link>",
            "<link>https://old-clinic.example/articles/frown-lines-explained/</link>",
        )
    )
    run(export)
    assert not Redirect.objects.filter(
        old_path="/articles/frown-lines-explained/"
    ).exists()


# Images in post bodies.


def body_image_export(export, tmp_path):
    """The export with two body images from the old site's uploads folder."""
    export.write_text(
        export.read_text().replace(
            '<img src="https://old-clinic.example/wp-content/uploads/x.jpg" alt="Old">',
            '<img src="https://old-clinic.example/wp-content/uploads/2024/03/brow.jpg"'
            ' alt="A relaxed brow">'
            "<img class='size-medium' src='https://old-clinic.example/wp-content/"
            "uploads/2024/03/lines-300x200.jpg' width='300' height='200'>",
        )
    )
    uploads = tmp_path / "site-uploads"
    (uploads / "2024" / "03").mkdir(parents=True)
    (uploads / "2024" / "03" / "brow.jpg").write_bytes(
        image_file(640, 480, color="pink").read()
    )
    # Only the original of the resized copy is there.
    (uploads / "2024" / "03" / "lines.jpg").write_bytes(
        image_file(900, 600, color="gray").read()
    )
    return uploads


def test_body_images_are_copied_in_and_served_from_here(export, tmp_path, capsys):
    uploads = body_image_export(export, tmp_path)
    run(export, "--uploads", uploads)
    frown = Article.objects.get(wordpress_id=11)
    brow = BodyImage.objects.get(image="articles/body/wp-2024-03-brow.jpg")
    lines = BodyImage.objects.get(image="articles/body/wp-2024-03-lines-300x200.jpg")
    assert brow.alt_text == "A relaxed brow" and (brow.width, brow.height) == (640, 480)
    assert lines.alt_text == "Frown lines, explained"  # no alt: the post's title
    # The body (what the editor edits) names the copies; its size comes along,
    # so the page does not jump as it loads.
    assert (
        '<img width="640" height="480" src="/media/articles/body/wp-2024-03-brow.jpg"'
        ' alt="A relaxed brow">'
    ) in frown.body
    assert (
        '<img src="/media/articles/body/wp-2024-03-lines-300x200.jpg" width="300" '
        'height="200">'
    ) in frown.body
    # The page shows their renditions, never the originals.
    assert "/media/articles/body/" not in frown.body_html
    assert (
        '<img src="/media/articles/renditions/wp-2024-03-brow-640.jpeg" srcset="'
        "/media/articles/renditions/wp-2024-03-brow-480.jpeg 480w, "
        '/media/articles/renditions/wp-2024-03-brow-640.jpeg 640w" sizes="'
        '(min-width: 640px) 640px, 100vw" width="640" height="480" '
        'alt="A relaxed brow" loading="lazy" decoding="async">'
    ) in frown.body_html
    assert "wp-2024-03-lines-300x200-900.webp 900w" in frown.body_html
    assert [w for w, _name in lines.renditions["jpeg"]] == [480, 800, 900]
    assert "old-clinic.example" not in frown.body
    assert "Brow area" in frown.body_html  # a local image stays as it was
    err = capsys.readouterr().err
    assert "1 inline image(s) are not shown, as their address" in err
    assert Path(brow.image.path).is_file()


def test_re_importing_reuses_the_copied_body_images(export, tmp_path):
    uploads = body_image_export(export, tmp_path)
    run(export, "--uploads", uploads)
    before = Article.objects.get(wordpress_id=11).content_hash
    run(export, "--uploads", uploads)
    assert BodyImage.objects.count() == 2
    assert Article.objects.get(wordpress_id=11).content_hash == before


def test_missing_and_unusable_body_images_are_listed_and_left_out(
    export, tmp_path, capsys
):
    uploads = body_image_export(export, tmp_path)
    (uploads / "2024" / "03" / "brow.jpg").write_bytes(
        image_file(50, 50, color="pink").read()
    )
    (uploads / "2024" / "03" / "lines.jpg").unlink()
    run(export, "--uploads", uploads)
    err = capsys.readouterr().err
    assert "post 11: inline image brow.jpg left out of the body: The image must" in err
    assert "post 11: inline image lines-300x200.jpg not found under" in err
    frown = Article.objects.get(wordpress_id=11)
    assert "uploads" not in frown.body
    assert frown.body.count("<img") == 2  # the local one, and chart.png as before
    assert not BodyImage.objects.exists()


def test_a_failed_import_leaves_no_body_image_files(export, tmp_path, settings):
    uploads = body_image_export(export, tmp_path)
    # Post 12's slug is held by post 13 of an earlier import: post 11 and its
    # images are written before post 12 fails.
    ArticleFactory(slug="classic-editor-post", wordpress_id=13)
    with pytest.raises(CommandError, match="post ID 12 .*slug"):
        run(export, "--uploads", uploads)
    assert not BodyImage.objects.exists()
    for folder in ("body", "renditions"):
        written = Path(settings.MEDIA_ROOT) / "articles" / folder
        assert not written.exists() or not any(written.iterdir()), folder


# The whole move, as a clinic would make it.


def test_import_into_a_demo_site_then_demo_setup_twice_keeps_the_clinics_work(
    export,
):
    call_command("load_demo_treatments")
    call_command("load_demo_articles")
    demo_count = Article.objects.filter(is_demo=True).count()
    export.write_text(
        export.read_text().replace(
            "<![CDATA[frown-lines-explained]]></wp:post_name>",
            "<![CDATA[everyday-sun-protection]]></wp:post_name>",
        )
    )
    run(export)
    imported = Article.objects.get(wordpress_id=11)
    assert imported.slug == "everyday-sun-protection"
    imported.title = "Frown lines, our clinic's take"
    imported.references = "Our source | https://example.org/source"
    imported.save()
    imported.refresh_from_db()
    kept = {
        name: getattr(imported, name)
        for name in (
            "title", "slug", "summary", "body", "references", "status",
            "published_at", "author_name", "hero_image", "content_hash",
            "review_id", "is_demo",
        )
    }  # fmt: skip
    for _run in range(2):
        call_command("load_demo_treatments")
        call_command("load_demo_articles")
    imported.refresh_from_db()
    assert {name: getattr(imported, name) for name in kept} == kept
    assert imported.review is None and imported.review_state() == "never"
    retired = Article.objects.get(slug="everyday-sun-protection-demo-retired")
    assert retired.is_demo and retired.status == Article.Status.DRAFT
    assert Article.objects.filter(is_demo=True).count() == demo_count
    assert not (
        Article.objects.filter(slug__startswith="everyday-sun-protection-")
        .exclude(pk=retired.pk)
        .exists()
    )
