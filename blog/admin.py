from django import forms
from django.contrib import admin
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from blog.models import Article, BodyImage, Category


class RichTextarea(forms.Textarea):
    """A textarea that blog-editor.js turns into a toolbar editor (no HTML needed).

    Without JavaScript it stays a plain textarea; either way the model sanitizes
    what is saved.
    """

    template_name = "django/forms/widgets/textarea.html"

    class Media:
        js = ["js/blog-editor.js"]

    def __init__(self, attrs=None):
        super().__init__({"class": "js-rich-text", "rows": 24, **(attrs or {})})


class ArticleAdminForm(forms.ModelForm):
    class Meta:
        model = Article
        fields = (
            "title",
            "slug",
            "summary",
            "body",
            "categories",
            "treatment",
            "hero_image",
            "hero_alt",
            "author_name",
            "reviewer_name",
            "last_reviewed_on",
            "status",
            "published_at",
            "references",
            "seo_title",
            "seo_description",
        )
        widgets = {"body": RichTextarea}


class ReviewFilter(admin.SimpleListFilter):
    title = _("medical review")
    parameter_name = "review"

    def lookups(self, request, model_admin):
        return [("stale", _("Older than 12 months or never"))]

    def queryset(self, request, queryset):
        if self.value() == "stale":
            return queryset.review_due()
        return queryset


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ["name", "slug"]
    search_fields = ["name", "description"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(Article)
class ArticleAdmin(admin.ModelAdmin):
    form = ArticleAdminForm
    list_display = [
        "title",
        "publication_state",
        "category_names",
        "published_at",
        "review_status",
    ]
    list_filter = ["status", ReviewFilter, "categories", "treatment"]
    search_fields = ["title", "summary", "body_text", "author_name"]
    prepopulated_fields = {"slug": ["title"]}
    date_hierarchy = "published_at"
    list_select_related = ["treatment"]
    filter_horizontal = ["categories"]
    readonly_fields = ["reading_minutes", "updated_at"]
    fieldsets = [
        (None, {"fields": ["title", "slug", "summary", "body"]}),
        (_("Topic"), {"fields": ["categories", "treatment"]}),
        (_("Hero image"), {"fields": ["hero_image", "hero_alt"]}),
        (
            _("Authorship and review"),
            {"fields": ["author_name", "reviewer_name", "last_reviewed_on"]},
        ),
        (_("Publishing"), {"fields": ["status", "published_at"]}),
        (
            _("References and search engines"),
            {"fields": ["references", "seo_title", "seo_description"]},
        ),
        (_("Derived"), {"fields": ["reading_minutes", "updated_at"]}),
    ]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("categories")

    @admin.display(description=_("state"), ordering="status")
    def publication_state(self, article):
        return article.state()

    @admin.display(description=_("categories"))
    def category_names(self, article):
        return ", ".join(category.name for category in article.categories.all())

    @admin.display(description=_("last reviewed"), ordering="last_reviewed_on")
    def review_status(self, article):
        label = article.last_reviewed_on or _("never")
        if article.is_review_stale():
            return format_html("<strong>⚠ {} ({})</strong>", label, _("review due"))
        return label


@admin.register(BodyImage)
class BodyImageAdmin(admin.ModelAdmin):
    list_display = ["alt_text", "address", "width", "height", "uploaded_at"]
    search_fields = ["alt_text"]
    readonly_fields = ["address"]
    fields = ["image", "alt_text", "address"]

    @admin.display(description=_("address to paste in the editor"))
    def address(self, image):
        return image.image.url if image.image else "—"
