from django.core.checks import Warning, register
from django.db import DatabaseError
from django.db.models import F, Q

from blog.models import Article


@register(deploy=True)
def demo_articles_check(app_configs, **kwargs) -> list[Warning]:
    """Warn before launch while the demo's articles, or anything its fictional
    reviewer "reviewed", are published: their bylines are placeholders."""
    try:
        # Scheduled ones too: they go live by themselves.
        published = (
            Article.objects.filter(status=Article.Status.PUBLISHED)
            .filter(
                Q(is_demo=True)
                | Q(
                    review__reviewer__is_placeholder=True,
                    review__content_hash=F("content_hash"),
                )
            )
            .count()
        )
    except DatabaseError:  # not migrated yet: nothing published either
        return []
    if not published:
        return []
    return [
        Warning(
            f"{published} published article(s) are demo content or carry the demo's "
            "placeholder medical review.",
            hint="Unpublish them, or rewrite them as your own (admin action “Mark "
            "as the clinic's own”) and record real reviews, before going live "
            "(README: Before going live).",
            id="blog.W001",
        )
    ]
