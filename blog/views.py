from django.views.generic import TemplateView


class ArticleIndexView(TemplateView):
    template_name = "blog/article_list.html"
