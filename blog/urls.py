from django.urls import path

from blog import views
from blog.feeds import LatestArticlesFeed

app_name = "blog"
urlpatterns = [
    path("articles/", views.ArticleListView.as_view(), name="index"),
    path("articles/search/", views.SearchView.as_view(), name="search"),
    path("articles/feed/", LatestArticlesFeed(), name="feed"),
    path(
        "articles/category/<slug:slug>/", views.CategoryView.as_view(), name="category"
    ),
    path("articles/<slug:slug>/", views.ArticleDetailView.as_view(), name="detail"),
]
