import operator
from functools import reduce

from django import forms
from django.contrib import admin, messages
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import Q
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from blog import images
from blog.models import Article, ArticleReview, BodyImage, Category, Redirect, Reviewer
from blog.redirects import is_on_site_path
from blog.reviews import ReviewRefused, article_mark_reviewed
from medspa.record_admin import ReadOnlyRecordAdmin


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
        return [
            ("due", _("In the review queue")),
            ("never", _("Never reviewed")),
            ("changed", _("Changed since review")),
            ("old", _("Reviewed over 12 months ago")),
        ]

    def queryset(self, request, queryset):
        if self.value() == "due":
            return queryset.review_due()
        if self.value() in ("never", "changed", "old"):
            return queryset.in_review_state(self.value())
        return queryset


class MarkReviewedForm(forms.Form):
    # The demo's placeholder never "reviews" the clinic's articles.
    reviewer = forms.ModelChoiceField(
        label=_("Reviewed by"), queryset=Reviewer.objects.filter(is_placeholder=False)
    )
    reviewed_on = forms.DateField(
        label=_("Reviewed on"),
        initial=timezone.localdate,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    confirm = forms.BooleanField(
        label=_(
            "I confirm that this clinician reviewed the text of each selected "
            "article exactly as it is now."
        )
    )

    def clean_reviewed_on(self):
        day = self.cleaned_data["reviewed_on"]
        if day > timezone.localdate():
            raise forms.ValidationError(_("A review cannot be dated in the future."))
        return day


@admin.register(Reviewer)
class ReviewerAdmin(admin.ModelAdmin):
    list_display = ["name", "credential", "licence_state", "is_placeholder"]
    search_fields = ["name"]
    readonly_fields = ["is_placeholder"]


@admin.register(ArticleReview)
class ArticleReviewAdmin(ReadOnlyRecordAdmin, admin.ModelAdmin):
    """The record of every review: read only, never edited or deleted."""

    list_display = ["article", "reviewer", "reviewed_on", "recorded_by", "created_at"]
    list_filter = ["reviewer"]
    list_select_related = ["article", "reviewer", "recorded_by"]
    date_hierarchy = "created_at"


@admin.register(Redirect)
class RedirectAdmin(admin.ModelAdmin):
    class RedirectForm(forms.ModelForm):
        class Meta:
            model = Redirect
            fields = ("old_path", "new_path")

        def clean_old_path(self):
            old_path = self.cleaned_data["old_path"].strip()
            if not old_path.startswith("/"):
                raise forms.ValidationError(
                    _(
                        "Enter the old address as a path starting with /, without "
                        "the domain: e.g. /2024/03/botox-facts/ or /?p=123."
                    ),
                    code="not_a_path",
                )
            return old_path

        def clean_new_path(self):
            new_path = self.cleaned_data["new_path"].strip()
            if not is_on_site_path(new_path):
                raise forms.ValidationError(
                    _(
                        "A redirect can only lead to a page of this site: enter "
                        "its path, starting with a single /, e.g. "
                        "/articles/botox-facts/ (no domain, no //)."
                    ),
                    code="off_site",
                )
            return new_path

        def clean(self):
            cleaned_data = super().clean()
            old_path = cleaned_data.get("old_path")
            new_path = cleaned_data.get("new_path")
            if old_path and old_path == new_path:
                raise forms.ValidationError(
                    _("An address cannot redirect to itself."), code="loop"
                )
            leads_on = Redirect.objects.filter(
                old_path__in=[new_path, (new_path or "").rstrip("/")]
            ).exclude(pk=self.instance.pk)
            if new_path and leads_on.exists():
                raise forms.ValidationError(
                    _(
                        "%(new)s is itself redirected: enter the page it leads to "
                        "instead, so no visitor goes round in circles."
                    )
                    % {"new": new_path},
                    code="chain",
                )
            return cleaned_data

    form = RedirectForm
    list_display = ["old_path", "new_path", "created_at"]
    search_fields = ["old_path", "new_path"]


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
    list_select_related = ["treatment", "review__reviewer"]
    filter_horizontal = ["categories"]
    readonly_fields = ["reading_minutes", "updated_at", "review_summary"]
    actions = ["mark_reviewed", "mark_clinics_own"]
    fieldsets = [
        (None, {"fields": ["title", "slug", "summary", "body"]}),
        (_("Topic"), {"fields": ["categories", "treatment"]}),
        (_("Hero image"), {"fields": ["hero_image", "hero_alt"]}),
        (
            _("Authorship and review"),
            {"fields": ["author_name", "review_summary"]},
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

    @admin.display(description=_("medical review"), ordering="review__reviewed_on")
    def review_status(self, article):
        state = article.review_state()
        if state == "current":
            return article.review.reviewed_on
        label = {
            "never": _("never reviewed"),
            "changed": _("changed since review"),
            "due": _("review older than 12 months"),
        }[state]
        return format_html("<strong>⚠ {}</strong>", label)

    @admin.display(description=_("medical review"))
    def review_summary(self, article):
        review = article.review
        if review is None:
            return _("Never reviewed: no byline is shown.")
        state = article.review_state()
        note = {
            "current": _("the byline shows it"),
            "changed": _("the text changed since, so no byline is shown"),
            "due": _("older than 12 months: due again"),
        }[state]
        return format_html("{} · {} · {}", review.reviewer, review.reviewed_on, note)

    @admin.action(description=_("Mark reviewed…"), permissions=["mark_reviewed"])
    def mark_reviewed(self, request, queryset):
        """Record a clinician's review of each selected article as it is now,
        after a confirmation page (the one way a byline appears)."""
        form = MarkReviewedForm(request.POST if "record" in request.POST else None)
        if form.is_valid():
            try:
                with transaction.atomic():  # all of them, or none
                    for article in queryset:
                        article_mark_reviewed(
                            article=article,
                            reviewer=form.cleaned_data["reviewer"],
                            reviewed_on=form.cleaned_data["reviewed_on"],
                            recorded_by=request.user,
                            expected_hash=request.POST.get(f"version-{article.pk}"),
                        )
            except ReviewRefused as refused:
                self.message_user(
                    request,
                    _("Nothing was recorded. %(reason)s") % {"reason": refused},
                    messages.ERROR,
                )
                return None
            self.message_user(
                request,
                ngettext(
                    "Recorded the review of %(count)d article.",
                    "Recorded the review of %(count)d articles.",
                    len(queryset),
                )
                % {"count": len(queryset)},
                messages.SUCCESS,
            )
            return None
        return TemplateResponse(
            request,
            "admin/blog/article/mark_reviewed.html",
            {
                **self.admin_site.each_context(request),
                "title": _("Record a medical review"),
                "opts": self.model._meta,
                "form": form,
                "articles": queryset,
                "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
            },
        )

    @admin.action(
        description=_("Mark as the clinic's own (no longer demo)"),
        permissions=["change"],
    )
    def mark_clinics_own(self, request, queryset):
        count = queryset.filter(is_demo=True).update(
            is_demo=False, updated_at=timezone.now()
        )
        self.message_user(
            request,
            ngettext(
                "%(count)d article is now the clinic's own: the demo loader never "
                "touches it.",
                "%(count)d articles are now the clinic's own: the demo loader "
                "never touches them.",
                count,
            )
            % {"count": count},
            messages.SUCCESS,
        )

    def has_mark_reviewed_permission(self, request):
        return request.user.has_perm("blog.mark_reviewed")


@admin.register(BodyImage)
class BodyImageAdmin(admin.ModelAdmin):
    list_display = ["alt_text", "address", "width", "height", "uploaded_at"]
    search_fields = ["alt_text"]
    readonly_fields = ["address"]
    fields = ["image", "alt_text", "address"]

    @admin.display(description=_("address to paste in the editor"))
    def address(self, image):
        # The original's: one stable address; article pages serve renditions.
        return image.image.url if image.image else "—"

    def get_readonly_fields(self, request, obj=None):
        # Articles name an image by its address, which a new file would change:
        # they would fall back to the old original. Upload a new image instead.
        if obj is not None:
            return [*self.readonly_fields, "image"]
        return self.readonly_fields

    def get_deleted_objects(self, objs, request):
        """Refuse to delete images that articles show (their pages would break)."""
        deleted, counts, perms_needed, protected = super().get_deleted_objects(
            objs, request
        )
        for image in objs:
            urls = [image.image.url] + [
                default_storage.url(name)
                for name in images.rendition_names(image.renditions)
            ]
            used_by = Article.objects.filter(
                reduce(operator.or_, (Q(body__contains=url) for url in urls))
            ).only("title")
            protected += [
                _("“%(article)s” shows “%(image)s”")
                % {"article": article, "image": image}
                for article in used_by
            ]
        return deleted, counts, perms_needed, protected

    def delete_queryset(self, request, queryset):
        for image in queryset:
            image.delete()  # and its renditions
