"""The sitemaps behind /sitemap.xml, one per kind of public page. The map covers
both apps, so it lives in the project package, which may import both."""

from django.contrib.sitemaps import Sitemap
from django.urls import reverse

from blog.models import Article, Category
from booking.models import Treatment


class ArticleSitemap(Sitemap):
    changefreq = "monthly"
    priority = 0.7

    def items(self):
        return Article.objects.published().only("slug", "updated_at").order_by("pk")

    def lastmod(self, item):
        return item.updated_at


class CategorySitemap(Sitemap):
    changefreq = "weekly"
    priority = 0.5

    def items(self):
        # Only categories with something public: an empty page is no use to anyone.
        return (
            Category.objects.filter(articles__in=Article.objects.published())
            .distinct()
            .order_by("pk")
        )


class TreatmentSitemap(Sitemap):
    changefreq = "monthly"
    priority = 0.8

    def items(self):
        return Treatment.objects.active().order_by("pk")


class StaticPageSitemap(Sitemap):
    changefreq = "weekly"
    priority = 0.6

    def items(self):
        return ["home", "blog:index", "booking:treatment-list", "booking:request"]

    def location(self, item):
        return reverse(item)


sitemaps = {
    "pages": StaticPageSitemap,
    "treatments": TreatmentSitemap,
    "articles": ArticleSitemap,
    "categories": CategorySitemap,
}
