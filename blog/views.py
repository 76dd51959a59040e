from django.core.cache import caches
from django.core.paginator import InvalidPage, Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404
from django.template.loader import render_to_string
from django.template.response import TemplateResponse
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.views import View
from django.views.generic import DetailView, ListView

from blog import search
from blog.models import Article, Category
from medspa.page_cache import PAGE_SECONDS, SEARCH_CACHE_ALIAS

PAGE_SIZE = 12
# Where the query and the results go in the page kept around search results.
# clean_query() removes private-use characters from queries.
QUERY_SLOT = "\ue010query\ue010"
RESULTS_SLOT = "<!--results-->"
# Deeper pages are refused before any query: a sane bound (120,000 results)
# that keeps any offset well inside the database function's integer.
MAX_RESULTS_PAGE = 10_000


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


class SearchView(View):
    """Search results. A page for a visitor without a session is put together
    from the page around the results, rendered once per process and page-cache
    version (medspa.page_cache sets request.page_version), and the results,
    rendered on their own: a query no one asked before renders a dozen
    template nodes instead of the whole page (bench/PERFORMANCE.md, "13")."""

    template_name = "blog/search.html"
    results_template_name = "blog/includes/search_results.html"

    def get(self, request):
        query = search.clean_query(request.GET.get("q", ""))
        if not query:
            return TemplateResponse(request, self.template_name, {"query": ""})
        results = self.results_html(query, self.page_number())
        version = getattr(request, "page_version", None)
        if version is None:
            return TemplateResponse(
                request, self.template_name, {"query": query, "results": results}
            )
        page = self.page_around_results(request, version)
        # The page is our own render: an escaped query cannot hold RESULTS_SLOT,
        # and the results go in last, so nothing in them is replaced.
        return HttpResponse(
            page.replace(QUERY_SLOT, escape(query)).replace(RESULTS_SLOT, results)
        )

    def page_number(self) -> int:
        try:
            number = int(self.request.GET.get("page") or 1)
        except ValueError:
            number = 0
        if not 1 <= number <= MAX_RESULTS_PAGE:
            raise Http404("No such page of results.")
        return number

    def results_html(self, query: str, number: int) -> str:
        results = search.find(query, offset=(number - 1) * PAGE_SIZE, limit=PAGE_SIZE)
        # The query counted the matches; the paginator only does the arithmetic.
        paginator = Paginator(range(results.total), PAGE_SIZE)
        try:
            page = paginator.page(number)
        except InvalidPage:
            raise Http404("No such page of results.") from None
        return render_to_string(
            self.results_template_name,
            {
                "query": query,
                "cards": search.result_cards(results.hits),
                "paginator": paginator,
                "page_obj": page,
                "is_paginated": page.has_other_pages(),
            },
        )

    def page_around_results(self, request, version) -> str:
        cache = caches[SEARCH_CACHE_ALIAS]
        key = f"search-page:{request.scheme}://{request.get_host()}"
        stored = cache.get(key)
        if stored is not None and stored[0] == version:
            return stored[1]
        page = render_to_string(
            self.template_name,
            {
                "query": QUERY_SLOT,
                "results": mark_safe(RESULTS_SLOT),  # noqa: S308 - a constant
                # Shared by every visitor: never a message of this one's.
                "messages": (),
            },
            request=request,
        )
        cache.set(key, (version, page), PAGE_SECONDS)
        return page


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
        # The page shows body_html; the search text is never shown.
        # The editor's source is read: the byline checks its review against it.
        return (
            articles.select_related("treatment", "review__reviewer")
            .prefetch_related("categories")
            .defer("body_text")
        )

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            related_articles=Article.objects.related_to(self.object), **kwargs
        )
