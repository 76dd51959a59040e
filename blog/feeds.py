from django.conf import settings
from django.contrib.syndication.views import Feed
from django.urls import reverse_lazy
from django.utils.translation import gettext_lazy as _

from blog.models import Article

FEED_SIZE = 20


class LatestArticlesFeed(Feed):
    link = reverse_lazy("blog:index")
    description = _("New educational articles about medical aesthetic treatments.")

    def title(self):
        return _("Articles from %(clinic)s") % {"clinic": settings.CLINIC["name"]}

    def items(self):
        return Article.objects.published().for_listing()[:FEED_SIZE]

    def item_title(self, item):
        return item.title

    def item_description(self, item):
        return item.excerpt

    def item_pubdate(self, item):
        return item.published_at

    def item_updateddate(self, item):
        return item.updated_at

    def item_author_name(self, item):
        return item.author_name

    def item_categories(self, item):
        return [category.name for category in item.categories.all()]
