import datetime
from datetime import timedelta
from io import BytesIO

import factory
from django.core.files.base import ContentFile
from django.utils import timezone
from PIL import Image

from blog.models import Article, Category, Reviewer
from blog.reviews import article_mark_reviewed


def image_file(width=1600, height=900, fmt="JPEG", name="hero.jpg", color="teal"):
    buffer = BytesIO()
    Image.new("RGB", (width, height), color).save(buffer, fmt)
    return ContentFile(buffer.getvalue(), name=name)


class CategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Category
        django_get_or_create = ["slug"]

    name = factory.Sequence(lambda n: f"Category {n}")
    slug = factory.Sequence(lambda n: f"category-{n}")


class ArticleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Article
        skip_postgeneration_save = True

    title = factory.Sequence(lambda n: f"Article number {n}")
    slug = factory.Sequence(lambda n: f"article-{n}")
    summary = "What to know before a treatment."
    body = "<h2>One</h2><p>First part.</p><h2>Two</h2><p>Second.</p>"
    author_name = "Clinic team"
    status = Article.Status.PUBLISHED
    published_at = factory.LazyFunction(lambda: timezone.now() - timedelta(days=1))

    class Params:
        draft = factory.Trait(status=Article.Status.DRAFT, published_at=None)
        scheduled = factory.Trait(
            published_at=factory.LazyFunction(
                lambda: timezone.now() + timedelta(days=2)
            )
        )
        with_hero = factory.Trait(
            hero_image=factory.LazyFunction(image_file),
            hero_alt="A calm abstract picture",
        )

    @factory.post_generation
    def categories(self, create, extracted, **kwargs):
        if create and extracted:
            self.categories.set(extracted)

    @factory.post_generation
    def reviewed_on(self, create, extracted, **kwargs):
        """ArticleFactory(reviewed_on=date): a recorded review of this text."""
        if create and extracted:
            # Written before it was reviewed (a review never predates its text).
            Article.objects.filter(pk=self.pk).update(
                content_changed_at=timezone.make_aware(
                    datetime.datetime.combine(extracted, datetime.time.min)
                )
            )
            article_mark_reviewed(
                article=self,
                reviewer=ReviewerFactory(),
                reviewed_on=extracted,
                recorded_by=None,
            )
            self.refresh_from_db()


class ReviewerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Reviewer
        django_get_or_create = ["name"]

    name = "Ada Example"
    credential = "MD"
