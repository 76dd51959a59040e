from collections import Counter
from datetime import timedelta

from django.core.files.base import ContentFile
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from blog import richtext
from blog.demo import articles as demo
from blog.demo.images import hero_jpeg
from blog.models import Article, Category
from booking.models import Treatment


class Command(BaseCommand):
    help = "Load the demo articles and categories (idempotent: safe to re-run)."

    @transaction.atomic
    def handle(self, *args, **options):
        categories = {}
        for data in demo.CATEGORIES:
            categories[data["slug"]], _created = Category.objects.update_or_create(
                slug=data["slug"],
                defaults={"name": data["name"], "description": data["description"]},
            )
        counts = Counter()
        for data in demo.ARTICLES:
            counts[self.load_article(data, categories)] += 1
        self.stdout.write(
            "Demo articles: {created} created, {updated} updated, "
            "{unchanged} unchanged.".format_map(counts)
        )

    def load_article(self, data: dict, categories: dict) -> str:
        """Create or update one demo article; leave it alone if nothing changed."""
        article = Article.objects.filter(slug=data["slug"]).first()
        outcome = "updated"
        if article is None:
            article = Article(slug=data["slug"], last_reviewed_on=timezone.localdate())
            # Publish dates are set once, so re-runs keep the order stable.
            article.published_at = timezone.now() - timedelta(days=data["days_ago"])
            outcome = "created"
        values = {
            "title": data["title"],
            "summary": data["summary"],
            # Compared as stored: the model keeps the sanitized body.
            "body": richtext.sanitize(data["body"]),
            "author_name": demo.AUTHOR,
            "reviewer_name": demo.REVIEWER,
            "status": Article.Status.PUBLISHED,
            "references": data["references"],
            "treatment": self.find_treatment(data["treatment"]),
            "hero_alt": data["alt"],
        }
        wanted_categories = {categories[slug] for slug in data["categories"]}
        if (
            outcome == "updated"
            and article.hero_image
            and all(getattr(article, name) == value for name, value in values.items())
            and set(article.categories.all()) == wanted_categories
        ):
            return "unchanged"
        for name, value in values.items():
            setattr(article, name, value)
        if not article.hero_image:
            article.hero_image = ContentFile(
                hero_jpeg(data["color"], data["slug"]), name=f"{data['slug']}.jpg"
            )
        article.full_clean()
        article.save()
        article.categories.set(wanted_categories)
        return outcome

    def find_treatment(self, slug: str) -> Treatment | None:
        return Treatment.objects.active().filter(slug=slug).first() if slug else None
