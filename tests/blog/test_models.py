from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError
from django.utils import timezone

from blog.models import (
    HERO_ALT_REQUIRED,
    REVIEW_INTERVAL,
    Article,
)
from tests.blog.factories import ArticleFactory, CategoryFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "dirty",
    [
        "<p>Hi<script>alert(1)</script></p>",
        '<p onclick="alert(1)">Hi</p>',
        '<img src="/media/x.png" onerror="alert(1)" alt="x">',
        '<a href="javascript:alert(1)">Hi</a>',
        '<a href="JaVaScRiPt:alert(1)">Hi</a>',
        '<iframe src="https://evil.example"></iframe><p>Hi</p>',
        '<p style="background:url(javascript:alert(1))">Hi</p>',
        "<svg><script>alert(1)</script></svg>",
    ],
)
def test_sanitization_strips_script_handlers_and_javascript_urls(dirty):
    article = ArticleFactory(body=dirty)
    article.refresh_from_db()
    for stored in (article.body, article.body_html):
        lowered = stored.lower()
        assert "<script" not in lowered
        assert "onclick" not in lowered and "onerror" not in lowered
        assert "javascript:" not in lowered
        assert "<iframe" not in lowered and "style=" not in lowered


def test_allowed_formatting_is_kept():
    article = ArticleFactory(
        body='<h2>Head</h2><p><strong>b</strong> <em>i</em> <a href="https://fda.gov">'
        "l</a></p><ul><li>one</li></ul><ol><li>two</li></ol>"
        '<img src="/media/articles/body/x.png" alt="An x">'
    )
    html = article.body_html
    for fragment in (
        "<strong>b</strong>",
        "<em>i</em>",
        "<ul><li>one</li></ul>",
        "<ol><li>two</li></ol>",
        'href="https://fda.gov"',
    ):
        assert fragment in html
    assert 'rel="noopener noreferrer"' in html
    assert 'alt="An x"' in html and 'loading="lazy"' in html


def test_remote_inline_images_are_dropped_from_the_page():
    article = ArticleFactory(body='<p>x</p><img src="https://tracker.example/p.gif">')
    assert "tracker" not in article.body_html


def test_headings_get_unique_ids_and_a_toc():
    article = ArticleFactory(
        body="<h2>Side effects</h2><p>a</p><h3>Rare</h3><h2>Side effects</h2>"
        "<h2>Main</h2>"
    )
    assert article.toc == [
        {"id": "side-effects", "text": "Side effects", "level": 2},
        {"id": "rare", "text": "Rare", "level": 3},
        {"id": "side-effects-2", "text": "Side effects", "level": 2},
        # A heading must never take an id the page layout uses.
        {"id": "main-2", "text": "Main", "level": 2},
    ]
    assert '<h2 id="side-effects">' in article.body_html


def test_reading_time_excerpt_and_plain_text_are_derived():
    words = " ".join(["word"] * 450)
    article = ArticleFactory(summary="", body=f"<p>{words}</p>")
    assert article.reading_minutes == 3
    assert article.excerpt.startswith("word word")
    assert len(article.excerpt) <= 280
    assert "<" not in article.body_text


def test_published_filter_hides_drafts_and_future_articles(visibility_set):
    public = set(Article.objects.published())
    assert public == {visibility_set["published"]}


def test_scheduled_article_appears_by_itself_when_its_time_comes(visibility_set):
    scheduled = visibility_set["scheduled"]
    assert scheduled not in Article.objects.published()
    assert scheduled.state() == "Scheduled"
    # Time passes (the database clock decides, so move the publish time instead).
    Article.objects.filter(pk=scheduled.pk).update(
        published_at=timezone.now() - timedelta(seconds=1)
    )
    assert scheduled in Article.objects.published()


def test_publishing_without_a_time_uses_now():
    article = ArticleFactory(published_at=None)
    assert article.published_at is not None
    assert article in Article.objects.published()


def test_database_refuses_published_without_time():
    article = ArticleFactory()
    with pytest.raises(IntegrityError):
        Article.objects.filter(pk=article.pk).update(published_at=None)


def test_hero_image_requires_alt_text():
    article = ArticleFactory.build(with_hero=True, hero_alt="")
    with pytest.raises(ValidationError) as excinfo:
        article.full_clean(exclude=["categories"])
    assert "hero_alt" in excinfo.value.message_dict


def test_full_clean_treats_published_without_a_time_as_now():
    article = ArticleFactory.build(published_at=None)
    article.full_clean(exclude=["categories"])
    assert article.published_at is not None
    assert article.published_at <= timezone.now()


def test_draft_keeps_no_publish_time():
    article = ArticleFactory(draft=True)
    article.full_clean(exclude=["categories"])
    assert article.published_at is None


def test_hero_alt_text_error_appears_once_on_its_field():
    article = ArticleFactory.build(with_hero=True, hero_alt="   ")
    with pytest.raises(ValidationError) as excinfo:
        article.full_clean(exclude=["categories"])
    assert excinfo.value.message_dict == {"hero_alt": [str(HERO_ALT_REQUIRED)]}


def test_review_due_returns_unreviewed_changed_and_old_reviews_only():
    today = timezone.localdate()
    never = ArticleFactory()
    old = ArticleFactory(reviewed_on=today - REVIEW_INTERVAL - timedelta(days=1))
    on_the_day = ArticleFactory(reviewed_on=today - REVIEW_INTERVAL)
    recent = ArticleFactory(reviewed_on=today)
    changed = ArticleFactory(reviewed_on=today)
    changed.body += "<p>A new paragraph.</p>"
    changed.save()
    due = set(Article.objects.review_due())
    assert due == {never, old, changed}
    states = {
        article: article.review_state()
        for article in (never, old, on_the_day, recent, changed)
    }
    assert states == {
        never: "never",
        old: "due",
        on_the_day: "current",
        recent: "current",
        changed: "changed",
    }
    assert Article.objects.review_counts() == {"never": 1, "changed": 1, "old": 1}


def test_related_to_prefers_shared_categories_then_the_newest_others():
    mine, other = CategoryFactory(), CategoryFactory()
    article = ArticleFactory(categories=[mine])
    now = timezone.now()
    older_same = ArticleFactory(
        categories=[mine], published_at=now - timedelta(days=30)
    )
    newer_same = ArticleFactory(
        categories=[mine], published_at=now - timedelta(days=20)
    )
    newest_other = ArticleFactory(
        categories=[other], published_at=now - timedelta(hours=1)
    )
    ArticleFactory(categories=[other], published_at=now - timedelta(days=40))
    related = Article.objects.related_to(article)
    assert related == [newer_same, older_same, newest_other]


def test_related_to_leaves_out_the_article_and_what_is_not_public(visibility_set):
    published = visibility_set["published"]
    extra = ArticleFactory()
    related = Article.objects.related_to(published, limit=5)
    assert related == [extra]
    assert Article.objects.related_to(extra) == [published]


def test_related_to_respects_the_limit_and_has_no_duplicates():
    category = CategoryFactory()
    article = ArticleFactory(categories=[category])
    for _ in range(6):
        ArticleFactory(categories=[category])
    related = Article.objects.related_to(article, limit=4)
    assert len(related) == len(set(related)) == 4


def test_related_to_is_one_query(django_assert_num_queries):
    category = CategoryFactory()
    for _ in range(5):
        ArticleFactory(categories=[category])
    article = Article.objects.prefetch_related("categories").first()
    with django_assert_num_queries(1):
        Article.objects.related_to(article)


def test_references_keep_only_web_links():
    article = ArticleFactory(
        references="FDA label | https://www.fda.gov/x\nBad | javascript:alert(1)\nBook"
    )
    assert article.reference_list() == [
        {"label": "FDA label", "url": "https://www.fda.gov/x"},
        {"label": "Bad", "url": ""},
        {"label": "Book", "url": ""},
    ]
