from datetime import timedelta

from django.core.files.base import ContentFile
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

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
        today = timezone.localdate()
        created = 0
        for data in demo.ARTICLES:
            article = Article.objects.filter(slug=data["slug"]).first()
            if article is None:
                article = Article(slug=data["slug"])
                # Publish dates are set once, so re-runs keep the order stable.
                article.published_at = timezone.now() - timedelta(days=data["days_ago"])
                created += 1
            article.title = data["title"]
            article.summary = data["summary"]
            article.body = data["body"]
            article.author_name = demo.AUTHOR
            article.reviewer_name = demo.REVIEWER
            article.last_reviewed_on = article.last_reviewed_on or today
            article.status = Article.Status.PUBLISHED
            article.references = data["references"]
            article.treatment = self.find_treatment(data["treatment"])
            article.hero_alt = data["alt"]
            if not article.hero_image:
                article.hero_image = ContentFile(
                    hero_jpeg(data["color"], data["slug"]), name=f"{data['slug']}.jpg"
                )
            article.full_clean()
            article.save()
            article.categories.set([categories[slug] for slug in data["categories"]])
        self.stdout.write(
            f"Demo articles: {created} created, {len(demo.ARTICLES) - created} updated."
        )

    def find_treatment(self, slug: str) -> Treatment | None:
        return Treatment.objects.active().filter(slug=slug).first() if slug else None
