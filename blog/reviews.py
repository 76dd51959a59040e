"""Recording a medical review: the one way an article gets a byline."""

import datetime

from django.db import transaction
from django.utils import timezone

from blog.models import Article, ArticleReview, Reviewer


def article_mark_reviewed(
    *,
    article: Article,
    reviewer: Reviewer,
    reviewed_on: datetime.date,
    recorded_by,
) -> ArticleReview:
    """Record that `reviewer` reviewed the article's text as it is now.

    The review vouches for this version only (its content hash): any later
    change to the title, summary, body or references takes the byline down and
    puts the article back in the review queue. Raises ValueError for a date in
    the future.
    """
    if reviewed_on > timezone.localdate():
        raise ValueError("A review cannot be dated in the future.")
    with transaction.atomic():
        current = Article.objects.select_for_update().get(pk=article.pk)
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
