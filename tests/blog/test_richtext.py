"""The table of contents: stored flat (as render() derives it), shown nested."""

import html5lib
import pytest

from blog.models import Article
from blog.richtext import image_sources, nest_toc, render
from tests.blog.factories import ArticleFactory
from tests.test_quality import html_errors


def entry(anchor: str, level: int) -> dict:
    return {"id": anchor, "text": anchor.upper(), "level": level}


def toc_items(html: str) -> list[tuple]:
    """The page's table of contents as (text, value, [sub-item texts]) per item."""
    tree = html5lib.parse(html, namespaceHTMLElements=False)
    (nav,) = [n for n in tree.iter("nav") if "toc" in n.get("class", "")]
    (top,) = nav.findall("ol")
    items = []
    for li in top.findall("li"):
        assert li.find("a") is not None
        nested = li.findall("ol")
        assert len(nested) <= 1
        children = (
            [sub.find("a").text for sub in nested[0].findall("li")] if nested else []
        )
        items.append((li.find("a").text, li.get("value"), children))
    return items


def test_render_still_stores_a_flat_list_with_levels():
    """The stored shape is unchanged, so rows saved before nesting still render."""
    rendered = render("<h2>A</h2><h3>B</h3><h2>C</h2>")
    assert rendered.toc == [
        {"id": "a", "text": "A", "level": 2},
        {"id": "b", "text": "B", "level": 3},
        {"id": "c", "text": "C", "level": 2},
    ]


def test_each_h3_goes_under_the_h2_before_it_and_only_h2s_are_numbered():
    flat = [
        entry("a", 2),
        entry("a1", 3),
        entry("a2", 3),
        entry("b", 2),
        entry("c", 2),
        entry("c1", 3),
    ]
    nested = nest_toc(flat)
    assert [(e["id"], e.get("number")) for e in nested] == [
        ("a", 1),
        ("b", 2),
        ("c", 3),
    ]
    assert [[c["id"] for c in e["children"]] for e in nested] == [
        ["a1", "a2"],
        [],
        ["c1"],
    ]
    assert flat[0] == entry("a", 2), "the stored list is left as it was"


def test_an_h3_before_any_h2_stays_top_level_and_takes_no_number():
    nested = nest_toc([entry("intro", 3), entry("more", 3), entry("a", 2)])
    assert [(e["id"], e.get("number"), e["children"]) for e in nested] == [
        ("intro", None, []),
        ("more", None, []),
        ("a", 1, []),
    ]
    assert nest_toc([]) == []


@pytest.mark.django_db
def test_the_article_page_nests_sub_headings_in_the_h2s_list_item(client):
    article = ArticleFactory(
        body="<h2>Before</h2><p>x</p><h3>Numbing</h3><h3>Photos</h3>"
        "<h2>During</h2><h2>After</h2><h3>Swelling</h3>"
    )
    html = client.get(article.get_absolute_url()).content.decode()
    # Not 1, 2, 3, 4, 5, 6 with the h3s among them: the h2s are 1, 2, 3.
    assert toc_items(html) == [
        ("Before", None, ["Numbing", "Photos"]),
        ("During", None, []),
        ("After", None, ["Swelling"]),
    ]
    assert 'class="toc-3"' in html


@pytest.mark.django_db
def test_a_leading_h3_is_a_top_level_item_and_the_first_h2_is_still_number_one(
    client,
):
    article = ArticleFactory(
        body="<h3>In short</h3><h2>What it is</h2><h3>How</h3><h2>Risks</h2>"
    )
    html = client.get(article.get_absolute_url()).content.decode()
    assert toc_items(html) == [
        ("In short", None, []),
        ("What it is", "1", ["How"]),
        ("Risks", "2", []),
    ]


@pytest.mark.django_db
def test_a_row_stored_before_nesting_renders_nested(client):
    """Existing rows keep their flat toc until re-saved; the page nests it."""
    article = ArticleFactory(body="<h2>A</h2><h3>B</h3><h2>C</h2>")
    stored = [
        {"id": "a", "text": "Stored A", "level": 2},
        {"id": "b", "text": "Stored B", "level": 3},
        {"id": "c", "text": "Stored C", "level": 2},
    ]
    Article.objects.filter(pk=article.pk).update(toc=stored)
    html = client.get(article.get_absolute_url()).content.decode()
    assert toc_items(html) == [
        ("Stored A", None, ["Stored B"]),
        ("Stored C", None, []),
    ]


# Body images: render() serves the renditions it is given, and stays pure.

RENDITIONS = {
    "webp": [[480, "/media/r/a-480.webp"], [800, "/media/r/a-800.webp"]],
    "jpeg": [[480, "/media/r/a-480.jpeg"], [800, "/media/r/a-800.jpeg"]],
    "width": 1000,
    "height": 500,
    "alt": "Stored description",
}


def test_render_serves_a_known_image_as_a_picture_of_its_renditions():
    html = render(
        '<p><img src="/media/body/a.jpg" alt="A &quot;room&quot;"></p>',
        images={"/media/body/a.jpg": RENDITIONS},
    ).html
    assert html == (
        '<p><picture><source type="image/webp" srcset="/media/r/a-480.webp 480w, '
        '/media/r/a-800.webp 800w" sizes="(min-width: 50rem) 46rem, 100vw">'
        '<img src="/media/r/a-800.jpeg" srcset="/media/r/a-480.jpeg 480w, '
        '/media/r/a-800.jpeg 800w" sizes="(min-width: 50rem) 46rem, 100vw" '
        'width="800" height="400" alt="A &quot;room&quot;" loading="lazy" '
        'decoding="async"></picture></p>'
    )
    assert "/media/body/a.jpg" not in html
    assert html_errors(f"<!doctype html><title>t</title>{html}") == []


def test_render_keeps_the_authors_display_size_and_alt_choices():
    images = {"/media/body/a.jpg": RENDITIONS}
    sized = render(
        '<img src="/media/body/a.jpg" width="300" height="150" alt="">', images=images
    ).html
    assert 'sizes="(min-width: 300px) 300px, 100vw" width="300" height="150"' in sized
    assert 'alt=""' in sized  # decorative stays decorative
    unlabelled = render('<img src="/media/body/a.jpg">', images=images).html
    assert 'alt="Stored description"' in unlabelled


def test_render_without_images_leaves_img_tags_as_they_were():
    body = '<p><img src="/media/body/a.jpg" alt="A"></p>'
    assert render(body).html == (
        '<p><img src="/media/body/a.jpg" alt="A" loading="lazy" decoding="async"></p>'
    )
    assert (
        render(body, images={"/media/other.jpg": RENDITIONS}).html == render(body).html
    )
    # The stored editor text is the sanitized body, whatever images render got.
    assert render(body, images={"/media/body/a.jpg": RENDITIONS}).clean_html == body


def test_image_sources_lists_every_img_src():
    html = '<p><img src="/a.jpg"><img alt="none"><IMG SRC="/b&amp;c.jpg"/></p>'
    assert image_sources(html) == ["/a.jpg", "/b&c.jpg"]


# Only this site's images (SECURITY-REVIEW #15): CSP's img-src 'self' would
# block the others, and the page must not ask for them at all.


NOT_THIS_SITE = [
    "//evil.example/p.gif",
    "/\\evil.example/p.gif",
    "\\\\evil.example/p.gif",
    "/&#9;/evil.example/p.gif",  # URL parsers drop the tab: "//evil…"
    "&#9;/evil.example/p.gif",
    "https://evil.example/p.gif",
    "p.gif",
    "",
]


@pytest.mark.parametrize("src", NOT_THIS_SITE)
def test_render_drops_images_from_anywhere_but_this_site(src):
    html = render(f'<p>Before<img src="{src}" alt="Tracker">after</p>').html
    assert html == "<p>Beforeafter</p>"


def test_render_keeps_this_sites_images():
    html = render('<img src="/media/articles/body/a.jpg" alt="A">').html
    assert html.startswith('<img src="/media/articles/body/a.jpg"')


def test_the_wordpress_import_counts_every_image_it_says_is_not_shown():
    from blog.wordpress import Post, Result, _BodyImages

    body = "".join(f'<img src="{src}">' for src in NOT_THIS_SITE)
    body += '<img src="/local/d.png"><img src="/local/e.png ">'
    post = Post(1, "T", "t", body, "", "publish", None, "A")
    result = Result()
    localized = _BodyImages(uploads=None, result=result).localize(post)
    assert result.warnings == [
        f"post 1: {len(NOT_THIS_SITE)} inline image(s) are not shown, as their "
        "address is not a path on this site; upload them under Body images and "
        "insert them again"
    ]
    assert render(localized).html.count("<img") == 2
