"""Recording a medical review: the one way an article gets a byline."""

import datetime

from django.db import transaction
from django.utils import timezone

from blog.models import Article, ArticleReview, Reviewer


class ReviewRefused(ValueError):
    """The review cannot be recorded as asked; the message says why."""


def article_mark_reviewed(
    *,
    article: Article,
    reviewer: Reviewer,
    reviewed_on: datetime.date,
    recorded_by,
    expected_hash: str | None = None,
) -> ArticleReview:
    """Record that `reviewer` reviewed the article's text as it is now.

    The review vouches for this version only (its content hash): any later
    change to the title, summary, body or references takes the byline down and
    puts the article back in the review queue. With `expected_hash` (the
    version the person recording it was shown), a text changed meanwhile is
    refused. Raises ReviewRefused for that, for a date in the future, or for a
    date before the text took its present form.
    """
    if reviewed_on > timezone.localdate():
        raise ReviewRefused("A review cannot be dated in the future.")
    with transaction.atomic():
        current = Article.objects.select_for_update().get(pk=article.pk)
        if expected_hash is not None and expected_hash != current.content_hash:
            raise ReviewRefused(
                f"“{current.title}” changed after it was shown for review; "
                "review it again."
            )
        changed_at = current.content_changed_at
        if changed_at and reviewed_on < timezone.localdate(changed_at):
            raise ReviewRefused(
                f"“{current.title}” took its present form on "
                f"{timezone.localdate(changed_at):%Y-%m-%d}: a review of it "
                "cannot be dated earlier."
            )
        review = ArticleReview.objects.create(
            article=current,
            reviewer=reviewer,
            reviewed_on=reviewed_on,
            content_hash=current.content_hash,
            recorded_by=recorded_by,
        )
        # updated_at moves too: cached article pages are keyed by it.
        Article.objects.filter(pk=current.pk).update(
            review=review, updated_at=timezone.now()
        )
    return review
