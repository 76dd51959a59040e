from django.urls import path

from blog import views

app_name = "blog"
urlpatterns = [
    path("articles/", views.ArticleIndexView.as_view(), name="index"),
]
