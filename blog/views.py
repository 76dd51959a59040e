from django.conf import settings
from django.contrib.postgres.search import SearchHeadline, SearchQuery, SearchRank
from django.core.cache import caches
from django.db.models import F, Value
from django.http import Http404, HttpResponse
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
    def get(self, request, *args, **kwargs):
        """Serve a visitor without a session the page rendered for the same data.

        One query checks the article is public and reads a version that changes
        with any article edit or publication, which keys the cached page, so an
        edit shows at once. Visitors with a session (staff previews, pending
        messages) get a fresh render.
        """
        if request.COOKIES.keys() & {settings.SESSION_COOKIE_NAME, "messages"}:
            return super().get(request, *args, **kwargs)
        found = Article.objects.page_version(kwargs["slug"])
        if found is None:
            raise Http404
        pk, version = found
        key = f"article:{request.scheme}:{request.get_host()}:{pk}:{version}"
        html = caches["fragments"].get(key)
        if html is None:
            response = super().get(request, *args, **kwargs)
            response.render()
            caches["fragments"].set(key, response.content, 300)
            return response
        return HttpResponse(html)

    def get_queryset(self):
        # Editors preview drafts and scheduled articles at the public URL.
        if self.request.user.has_perm("blog.view_article"):
            articles = Article.objects.all()
        else:
            articles = Article.objects.published()
        # The page shows body_html; the editor's source, the search text and the
        # search vector are the bulk of the row and never shown.
        return (
            articles.select_related("treatment")
            .prefetch_related("categories")
            .defer("body", "body_text", "search_vector")
        )

    def related_articles(self) -> list[Article]:
        """Up to 3: the newest sharing a category, then the newest others.

        One query whatever the data: each half walks the published-articles
        index newest first and stops after a few rows (counting shared
        categories for every published article grew with the number of them).
        """
        article = self.object
        others = (
            Article.objects.published()
            .exclude(pk=article.pk)
            .defer("body", "body_html", "body_text", "toc", "search_vector")
            .order_by("-published_at", "-id")
        )
        sharing = Article.categories.through.objects.filter(
            category__in=[category.pk for category in article.categories.all()]
        ).values("article_id")
        near = others.filter(pk__in=sharing).annotate(tier=Value(0))[:3]
        newest = others.annotate(tier=Value(1))[:6]
        # The union keeps each half's order and limit; no order of its own.
        candidates = list(near.union(newest, all=True).order_by())
        candidates.sort(key=lambda a: (a.published_at, a.pk), reverse=True)
        candidates.sort(key=lambda a: a.tier)
        related, seen = [], set()
        for candidate in candidates:
            if candidate.pk not in seen:
                seen.add(candidate.pk)
                related.append(candidate)
        return related[:3]
