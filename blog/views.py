from django.shortcuts import get_object_or_404
from django.views.generic import DetailView, ListView

from blog.models import Article, Category
from blog.search import clean_query

PAGE_SIZE = 12


class ArticleListView(ListView):
    paginate_by = PAGE_SIZE

    def get_queryset(self):
        return Article.objects.published().for_listing()


class CategoryView(ArticleListView):
    template_name = "blog/category_detail.html"

    def get_queryset(self):
        self.category = get_object_or_404(Category, slug=self.kwargs["slug"])
        return super().get_queryset().filter(categories=self.category)

    def get_context_data(self, **kwargs):
        return super().get_context_data(category=self.category, **kwargs)


class SearchView(ArticleListView):
    template_name = "blog/search.html"

    def get_queryset(self):
        self.query = clean_query(self.request.GET.get("q", ""))
        return super().get_queryset().search(self.query)

    def get_context_data(self, **kwargs):
        return super().get_context_data(query=self.query, **kwargs)


# Visitors without a session get the page from medspa.page_cache and never
# reach the view on a hit; get_queryset() below serves misses and staff previews.
class ArticleDetailView(DetailView):
    def get_queryset(self):
        # Editors preview drafts and scheduled articles at the public URL, once
        # past both sign-in steps, as the admin asks (medspa.staff).
        user = self.request.user
        if (
            user.has_perm("blog.view_article")
            and getattr(user, "is_verified", lambda: False)()
        ):
            articles = Article.objects.all()
        else:
            articles = Article.objects.published()
        # The page shows body_html; the search text and vector are never shown.
        # The editor's source is read: the byline checks its review against it.
        return (
            articles.select_related("treatment", "review__reviewer")
            .prefetch_related("categories")
            .defer("body_text", "search_vector")
        )

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            related_articles=Article.objects.related_to(self.object), **kwargs
        )
