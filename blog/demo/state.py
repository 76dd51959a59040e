"""What the demo loader and the WordPress import need to know about demo
articles: what the loader writes, its placeholder reviewer, and which demo
articles an import retired."""

import re

from blog.demo import articles as demo
from blog.models import Article, Reviewer

# An imported post took the slug: the demo article moved to <slug> + this.
RETIRED_SUFFIX = "-demo-retired"


def retired(slug: str) -> bool:
    """True if the WordPress import retired this demo article (blog.wordpress),
    so nothing recreates it under its old slug."""
    return Article.objects.filter(
        is_demo=True, slug__regex=rf"^{re.escape(slug + RETIRED_SUFFIX)}(-\d+)?$"
    ).exists()


def placeholder_reviewer() -> Reviewer:
    reviewer, _created = Reviewer.objects.get_or_create(
        is_placeholder=True,
        defaults={
            "name": demo.REVIEWER_NAME,
            "credential": demo.REVIEWER_CREDENTIAL,
            "bio": demo.REVIEWER_BIO,
        },
    )
    return reviewer


def demo_values(article: Article) -> dict:
    """What the loader writes, as the article has it now."""
    return demo_values_of(
        {
            "title": article.title,
            "summary": article.summary,
            "body": article.body,
            "author_name": article.author_name,
            "status": article.status,
            "references": article.references,
            "treatment": article.treatment,
            "hero_alt": article.hero_alt,
        },
        sorted(article.categories.values_list("slug", flat=True)),
    )


def demo_values_of(values: dict, category_slugs: list[str]) -> dict:
    treatment = values["treatment"]
    return values | {
        "treatment": treatment.slug if treatment else "",
        "categories": category_slugs,
    }
