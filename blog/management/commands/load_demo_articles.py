from collections import Counter
from datetime import timedelta

from django.core.files.base import ContentFile
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from blog import richtext
from blog.demo import articles as demo
from blog.demo.images import hero_jpeg
from blog.demo.state import demo_values, demo_values_of, placeholder_reviewer, retired
from blog.models import Article, Category, Reviewer
from blog.reviews import article_mark_reviewed
from booking.models import Treatment
from medspa.demo import fingerprint, may_update


class Command(BaseCommand):
    help = (
        "Load the demo articles and categories. Creates what is missing and "
        "updates only demo articles nobody has changed since; the clinic's own, "
        "imported and edited articles keep every field."
    )

    @transaction.atomic
    def handle(self, *args, **options):
        categories = {}
        for data in demo.CATEGORIES:
            categories[data["slug"]], _created = Category.objects.get_or_create(
                slug=data["slug"],
                defaults={"name": data["name"], "description": data["description"]},
            )
        reviewer = placeholder_reviewer()
        counts = Counter()
        for data in demo.ARTICLES:
            counts[self.load_article(data, categories, reviewer)] += 1
        self.stdout.write(
            "Demo articles: {created} created, {updated} updated, {unchanged} "
            "unchanged, {kept} kept as the clinic has them.".format_map(counts)
        )

    def load_article(self, data: dict, categories: dict, reviewer: Reviewer) -> str:
        """Create or update one demo article; leave it alone if nothing changed
        or if anyone but this loader made or changed it."""
        article = Article.objects.filter(slug=data["slug"]).first()
        wanted = {
            "title": data["title"],
            "summary": data["summary"],
            # Compared as stored: the model keeps the sanitized body.
            "body": richtext.sanitize(data["body"]),
            "author_name": demo.AUTHOR,
            "status": Article.Status.PUBLISHED,
            "references": data["references"],
            "treatment": self.find_treatment(data["treatment"]),
            "hero_alt": data["alt"],
        }
        wanted_categories = sorted(data["categories"])
        outcome = "updated"
        if article is None and retired(data["slug"]):
            return "kept"  # gave its slug to an imported post: stays retired
        if article is None:
            article = Article(slug=data["slug"], is_demo=True)
            # Publish dates are set once, so re-runs keep the order stable.
            article.published_at = timezone.now() - timedelta(days=data["days_ago"])
            article.hero_image = ContentFile(
                hero_jpeg(data["color"], data["slug"]), name=f"{data['slug']}.jpg"
            )
            outcome = "created"
        else:
            current = demo_values(article)
            if not may_update(article, current):
                return "kept"
            if current == demo_values_of(wanted, wanted_categories):
                return "unchanged"
        for name, value in wanted.items():
            setattr(article, name, value)
        article.full_clean()
        article.save()
        article.categories.set(categories[slug] for slug in wanted_categories)
        article.demo_fingerprint = fingerprint(demo_values(article))
        article.save(update_fields=["demo_fingerprint"])
        # The demo's fictional reviewer "reviews" its own text, so the byline
        # can be seen; `check --deploy` warns while it is published.
        article_mark_reviewed(
            article=article,
            reviewer=reviewer,
            reviewed_on=timezone.localdate(),
            recorded_by=None,
        )
        return outcome

    def find_treatment(self, slug: str) -> Treatment | None:
        return Treatment.objects.active().filter(slug=slug).first() if slug else None
