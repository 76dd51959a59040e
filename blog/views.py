from django.contrib.postgres.search import SearchHeadline, SearchQuery, SearchRank
from django.db.models import Count, F, Q
from django.shortcuts import get_object_or_404
from django.views.generic import DetailView, ListView

from blog.models import Article, Category
from blog.search import MARK_START, MARK_STOP, clean_query

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
        if not self.query:
            return Article.objects.none()
        query = SearchQuery(self.query, search_type="websearch", config="english")
        return (
            super()
            .get_queryset()
            .filter(search_vector=query)
            .annotate(
                rank=SearchRank(F("search_vector"), query),
                headline=SearchHeadline(
                    "body_text",
                    query,
                    config="english",
                    start_sel=MARK_START,
                    stop_sel=MARK_STOP,
                    max_words=35,
                    min_words=15,
                    max_fragments=2,
                    fragment_delimiter=" … ",
                ),
            )
            .order_by("-rank", "-published_at", "-id")
        )

    def get_context_data(self, **kwargs):
        return super().get_context_data(query=self.query, **kwargs)


class ArticleDetailView(DetailView):
    def get_queryset(self):
        # Editors preview drafts and scheduled articles at the public URL.
        if self.request.user.has_perm("blog.view_article"):
            articles = Article.objects.all()
        else:
            articles = Article.objects.published()
        return articles.select_related("treatment").prefetch_related("categories")

    def get_context_data(self, **kwargs):
        article = self.object
        category_ids = [category.pk for category in article.categories.all()]
        # One query: articles sharing a category first, then the newest others.
        related = (
            Article.objects.published()
            .exclude(pk=article.pk)
            .defer("body", "body_html", "body_text", "toc")
            .annotate(shared=Count("categories", filter=Q(categories__in=category_ids)))
            .order_by("-shared", "-published_at")[:3]
        )
        return super().get_context_data(related=related, **kwargs)
