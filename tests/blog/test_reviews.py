"""Medical review provenance: a byline only from a recorded review of the text
as it is, recorded by someone allowed to (blog.reviews, the admin action)."""

import datetime

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse
from django.utils import timezone

from blog.models import Article, ArticleReview, Reviewer
from blog.reviews import ReviewRefused, article_mark_reviewed
from tests.blog.factories import ArticleFactory, ReviewerFactory
from tests.booking.factories import UserFactory

pytestmark = pytest.mark.django_db
CHANGELIST = reverse("admin:blog_article_changelist")


def page(client, article) -> str:
    return client.get(article.get_absolute_url()).content.decode()


def test_no_byline_or_json_ld_claim_until_a_review_is_recorded(client):
    article = ArticleFactory()
    written = timezone.make_aware(datetime.datetime(2026, 11, 19, 9))
    Article.objects.filter(pk=article.pk).update(content_changed_at=written)
    html = page(client, article)
    assert "Medically reviewed" not in html and "reviewedBy" not in html
    assert "lastReviewed" not in html and "since its last medical review" not in html
    article_mark_reviewed(
        article=article,
        reviewer=ReviewerFactory(name="Ada Example", credential="MD"),
        reviewed_on=datetime.date(2026, 11, 20),
        recorded_by=None,
    )
    html = page(client, article)
    assert "Medically reviewed by <strong>Ada Example, MD</strong>" in html
    assert '<time datetime="2026-11-20">November 20, 2026</time>' in html
    assert '"reviewedBy": {"@type": "Person", "name": "Ada Example, MD"}' in html
    assert '"lastReviewed": "2026-11-20"' in html


@pytest.mark.parametrize("field", ["title", "summary", "body", "references"])
def test_an_edit_after_the_review_takes_the_claim_down_and_queues_it(client, field):
    article = ArticleFactory(reviewed_on=timezone.localdate())
    assert "Medically reviewed by" in page(client, article)
    setattr(
        article,
        field,
        "<p>New text.</p>" if field == "body" else getattr(article, field) + " more",
    )
    article.save()
    html = page(client, article)
    assert "Medically reviewed by" not in html and "reviewedBy" not in html
    assert "Updated since its last medical review." in html
    assert article.review_state() == "changed"
    assert list(type(article).objects.review_due()) == [article]


def test_other_fields_leave_the_review_standing(client):
    article = ArticleFactory(reviewed_on=timezone.localdate())
    article.seo_title = "Better for search engines"
    article.status = article.Status.PUBLISHED
    article.save()
    assert article.current_review() is not None


def test_a_review_cannot_be_dated_in_the_future():
    with pytest.raises(ValueError):
        article_mark_reviewed(
            article=ArticleFactory(),
            reviewer=ReviewerFactory(),
            reviewed_on=timezone.localdate() + datetime.timedelta(days=1),
            recorded_by=None,
        )


def mark_reviewed(client, article, reviewer, **extra):
    return client.post(
        CHANGELIST,
        {
            "action": "mark_reviewed",
            "_selected_action": [article.pk],
            "reviewer": reviewer.pk,
            "reviewed_on": timezone.localdate().isoformat(),
            "confirm": "on",
            "record": "Record the review",
        }
        | extra,
    )


@pytest.fixture
def medical_reviewer(client):
    user = UserFactory(username="doctor")
    user.groups.add(Group.objects.get(name="Medical reviewers"))
    client.force_login(user)
    return user


def test_a_medical_reviewer_records_a_review_after_confirming(client, medical_reviewer):
    article, reviewer = ArticleFactory(), ReviewerFactory()
    asked = client.post(
        CHANGELIST, {"action": "mark_reviewed", "_selected_action": [article.pk]}
    )
    assert asked.status_code == 200
    assert "Record it only for a review that really took place" in (
        asked.content.decode()
    )
    assert not ArticleReview.objects.exists()
    unconfirmed = mark_reviewed(client, article, reviewer, confirm="")
    assert unconfirmed.status_code == 200 and not ArticleReview.objects.exists()
    assert mark_reviewed(client, article, reviewer).status_code == 302
    review = ArticleReview.objects.get()
    assert (review.reviewer, review.recorded_by) == (reviewer, medical_reviewer)
    assert review.content_hash == article.content_hash  # the version reviewed
    article.refresh_from_db()
    assert article.current_review() == review


def test_content_editors_cannot_record_a_review(client, content_editors_group):
    editor = UserFactory(username="writer")
    editor.groups.add(content_editors_group)
    client.force_login(editor)
    article = ArticleFactory()
    mark_reviewed(client, article, ReviewerFactory())
    assert not ArticleReview.objects.exists()
    listing = client.get(CHANGELIST).content.decode()
    assert 'value="mark_reviewed"' not in listing


def test_the_record_of_reviews_cannot_be_edited_or_deleted(admin_client):
    article = ArticleFactory(reviewed_on=timezone.localdate())
    review = ArticleReview.objects.get()
    change = reverse("admin:blog_articlereview_change", args=[review.pk])
    delete = reverse("admin:blog_articlereview_delete", args=[review.pk])
    admin_client.post(change, {"reviewed_on": "2020-01-01"})
    assert admin_client.post(delete, {"post": "yes"}).status_code == 403
    review.refresh_from_db()
    assert review.reviewed_on == timezone.localdate() and article.review == review


def test_the_staff_home_shows_the_review_queue(admin_client):
    ArticleFactory()  # never reviewed
    changed = ArticleFactory(reviewed_on=timezone.localdate())
    changed.summary = "Changed."
    changed.save()
    ArticleFactory(reviewed_on=timezone.localdate() - datetime.timedelta(days=400))
    ArticleFactory(reviewed_on=timezone.localdate())  # current: not queued
    html = admin_client.get(reverse("admin:index")).content.decode()
    assert "Medical review queue: 3" in html
    for count, label in (
        (1, "never reviewed"),
        (1, "changed since their review"),
        (1, "reviewed over 12 months ago"),
    ):
        assert f"<strong>{count}</strong> {label}" in html


def test_renaming_a_reviewer_updates_cached_bylines(client):
    article = ArticleFactory(reviewed_on=timezone.localdate())
    assert "Ada Example, MD" in page(client, article)
    reviewer = article.review.reviewer
    reviewer.name = "Ada Example-Jones"
    reviewer.save()
    assert "Ada Example-Jones, MD" in page(client, article)


def test_a_write_that_skips_save_still_takes_the_byline_down(client):
    article = ArticleFactory(reviewed_on=timezone.localdate())
    Article.objects.filter(pk=article.pk).update(body="<p>Changed in SQL.</p>")
    article.refresh_from_db()
    assert article.current_review() is None


def test_saving_unchanged_text_from_the_admin_keeps_the_review(admin_client):
    article = ArticleFactory(
        reviewed_on=timezone.localdate(),
        references="First source | https://example.org/a\nSecond source",
    )
    change = reverse("admin:blog_article_change", args=[article.pk])
    form = admin_client.get(change).context["adminform"].form
    data = {
        name: value
        for name, value in form.initial.items()
        if value is not None and name != "categories"
    }
    # Browsers send textareas with CRLF line ends.
    data |= {
        "body": article.body.replace("\n", "\r\n"),
        "references": article.references.replace("\n", "\r\n"),
        "seo_title": "Only the SEO title changes",
        "published_at_0": article.published_at.date().isoformat(),
        "published_at_1": "09:00:00",
        "hero_image": "",
    }
    response = admin_client.post(change, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    article.refresh_from_db()
    assert article.seo_title == "Only the SEO title changes"
    assert article.current_review() is not None


def test_a_text_changed_after_the_page_was_shown_is_refused(client, medical_reviewer):
    article, reviewer = ArticleFactory(), ReviewerFactory()
    shown = article.content_hash
    article.body = "<p>Edited while the reviewer looked.</p>"
    article.save()
    response = mark_reviewed(
        client, article, reviewer, **{f"version-{article.pk}": shown}
    )
    assert response.status_code == 302
    assert not ArticleReview.objects.exists()
    assert (
        mark_reviewed(
            client, article, reviewer, **{f"version-{article.pk}": article.content_hash}
        ).status_code
        == 302
    )
    assert ArticleReview.objects.count() == 1


def test_a_review_cannot_predate_the_text(medical_reviewer):
    article = ArticleFactory()  # written now
    with pytest.raises(ReviewRefused, match="cannot be dated earlier"):
        article_mark_reviewed(
            article=article,
            reviewer=ReviewerFactory(),
            reviewed_on=timezone.localdate() - datetime.timedelta(days=1),
            recorded_by=medical_reviewer,
        )


def test_the_demo_placeholder_cannot_review_the_clinics_articles(
    client, medical_reviewer
):
    placeholder = ReviewerFactory(name="Example Reviewer")
    Reviewer.objects.filter(pk=placeholder.pk).update(is_placeholder=True)
    article = ArticleFactory()
    html = client.post(
        CHANGELIST, {"action": "mark_reviewed", "_selected_action": [article.pk]}
    ).content.decode()
    assert "Example Reviewer" not in html
    mark_reviewed(client, article, placeholder)
    assert not ArticleReview.objects.exists()
