import json

from django import template
from django.conf import settings
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

from blog import richtext
from blog.models import Article

register = template.Library()

# What django.utils.html.json_script escapes, so JSON cannot close the <script>.
_JSON_SCRIPT_ESCAPES = {ord(">"): "\\u003E", ord("<"): "\\u003C", ord("&"): "\\u0026"}


@register.inclusion_tag("blog/includes/latest_list.html")
def latest_articles(count: int = 3):
    return {"articles": Article.objects.published().for_listing()[:count]}


@register.filter
def nested_toc(toc: list[dict]) -> list[dict]:
    return richtext.nest_toc(toc or [])


def ld_json_script(data: dict) -> SafeString:
    """Return `data` as a JSON-LD <script> (medspa's clinic tag uses it too).

    No CSP nonce: a data block is never run, so the policy does not apply to it,
    and cached pages (blog.cache) would carry a stale one.
    """
    payload = json.dumps(data, ensure_ascii=False).translate(_JSON_SCRIPT_ESCAPES)
    return format_html(
        '<script type="application/ld+json">{}</script>',
        mark_safe(payload),  # noqa: S308 - escaped above exactly as json_script does
    )


def _origin(request) -> str:
    return f"{request.scheme}://{request.get_host()}"


@register.simple_tag(takes_context=True)
def article_jsonld(context, article: Article) -> SafeString:
    request = context["request"]
    site = _origin(request)
    url = site + article.get_absolute_url()
    author = {"@type": "Person", "name": article.author_name}
    main = {
        "@type": "Article",
        "headline": article.title,
        "description": article.seo_description_or_excerpt(),
        "author": author,
        "datePublished": article.published_at.isoformat()
        if article.published_at
        else None,
        "dateModified": article.updated_at.isoformat(),
        "publisher": {"@type": "MedicalBusiness", "name": settings.CLINIC["name"]},
        "mainEntityOfPage": url,
    }
    if article.hero_renditions:
        main["image"] = site + article.hero_fallback_url()
    data = {
        "@context": "https://schema.org",
        "@type": "MedicalWebPage",
        "url": url,
        "name": article.title,
        "about": [category.name for category in article.categories.all()],
        "datePublished": main["datePublished"],
        "dateModified": main["dateModified"],
        "author": author,
        "mainEntity": main,
    }
    # Only a recorded review of this very text is stated (Article.current_review).
    review = article.current_review()
    if review is not None:
        data["reviewedBy"] = {"@type": "Person", "name": str(review.reviewer)}
        data["lastReviewed"] = review.reviewed_on.isoformat()
    return ld_json_script(data)


@register.simple_tag
def review_queue_counts() -> dict[str, int]:
    """The staff home page's review queue: never reviewed, changed since the
    last review, reviewed more than a year ago (ArticleQuerySet.review_due)."""
    counts = Article.objects.review_counts()
    return counts | {"total": sum(counts.values())}
