import functools

from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVector, SearchVectorField
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.db import connections, models
from django.db.models.functions import Now
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from blog import images, richtext


class Category(models.Model):
    name = models.CharField(_("name"), max_length=80)
    slug = models.SlugField(_("slug"), max_length=80, unique=True)
    description = models.CharField(_("description"), max_length=300, blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("category")
        verbose_name_plural = _("categories")

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("blog:category", kwargs={"slug": self.slug})


def public_q() -> models.Q:
    """The public-visibility rule (see ArticleQuerySet.published)."""
    return models.Q(status=Article.Status.PUBLISHED, published_at__lte=Now())


@functools.cache
def _page_version_sql() -> tuple[str, list, int]:
    """Compile the page-version query once per process; it runs on every cached
    article view, where the ORM's compile time would cost more than the query."""
    marker = "\x00slug"
    articles = Article.objects.order_by()
    query = (
        Article.objects.published()
        .filter(slug=marker)
        .annotate(
            last_edit=models.Subquery(
                articles.order_by("-updated_at").values("updated_at")[:1]
            ),
            last_publication=models.Subquery(
                articles.filter(public_q())
                .order_by("-published_at")
                .values("published_at")[:1]
            ),
            article_count=models.Subquery(
                articles.values(n=models.Func("pk", function="COUNT"))
            ),
        )
        .values_list(
            "pk", "updated_at", "last_edit", "last_publication", "article_count"
        )[:1]
    ).query
    sql, params = query.sql_with_params()
    return sql, list(params), params.index(marker)


class ArticleQuerySet(models.QuerySet):
    def published(self) -> "ArticleQuerySet":
        """Return what the public may see: published, and its publish time has come.

        Comparing with the database clock makes scheduled articles appear by
        themselves, with no job to flip their status.
        """
        return self.filter(public_q())

    def page_version(self, slug: str) -> tuple[int, str] | None:
        """Return (pk, version) of the public article `slug`, or None.

        One query, made of index lookups. The version changes when any article is
        edited, (un)published, deleted or reaches its publish time, because a page
        also lists related articles: a cached page keyed by it is never stale.
        """
        sql, params, slug_index = _page_version_sql()
        params = [*params]
        params[slug_index] = slug
        with connections[self.db].cursor() as cursor:
            cursor.execute(sql, params)
            row = cursor.fetchone()
        if row is None:
            return None
        pk, *parts = row
        return pk, "|".join(str(part).replace(" ", "T") for part in parts)

    def for_listing(self) -> "ArticleQuerySet":
        return self.defer("body", "body_html", "body_text", "toc").prefetch_related(
            "categories"
        )


class Article(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        # Scheduled is "published with a future publish time", see state().
        PUBLISHED = "published", _("Published")

    title = models.CharField(_("title"), max_length=200)
    slug = models.SlugField(_("slug"), max_length=200, unique=True)
    summary = models.CharField(
        _("summary"),
        max_length=300,
        blank=True,
        help_text=_("One or two sentences for lists and search engines."),
    )
    body = models.TextField(_("body"), blank=True)
    categories = models.ManyToManyField(
        Category, related_name="articles", blank=True, verbose_name=_("categories")
    )
    treatment = models.ForeignKey(
        "booking.Treatment",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="articles",
        verbose_name=_("related treatment"),
        help_text=_("Preselected when the reader follows “Book” from the article."),
    )
    author_name = models.CharField(_("author"), max_length=120)
    reviewer_name = models.CharField(
        _("medically reviewed by"),
        max_length=120,
        blank=True,
        help_text=_("Clinician name and credentials, e.g. “Dana Reyes, MD”."),
    )
    last_reviewed_on = models.DateField(_("last reviewed on"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.DRAFT
    )
    published_at = models.DateTimeField(
        _("publish time"),
        null=True,
        blank=True,
        help_text=_("A future time schedules the article; empty means now."),
    )
    hero_image = models.ImageField(
        _("hero image"),
        upload_to="articles/originals/",
        blank=True,
        width_field="hero_width",
        height_field="hero_height",
        validators=[images.validate_hero_image],
    )
    hero_width = models.PositiveIntegerField(null=True, blank=True, editable=False)
    hero_height = models.PositiveIntegerField(null=True, blank=True, editable=False)
    hero_alt = models.CharField(
        _("hero image alt text"),
        max_length=200,
        blank=True,
        help_text=_("Describe the image for readers who cannot see it."),
    )
    hero_renditions = models.JSONField(default=dict, blank=True, editable=False)
    references = models.TextField(
        _("references"),
        blank=True,
        help_text=_("One per line: “Title | https://link” (the link is optional)."),
    )
    seo_title = models.CharField(_("SEO title"), max_length=70, blank=True)
    seo_description = models.CharField(_("SEO description"), max_length=160, blank=True)
    wordpress_id = models.PositiveIntegerField(
        _("WordPress post ID"), null=True, blank=True, unique=True, editable=False
    )

    # Derived from body on save, so pages never parse HTML per request.
    body_html = models.TextField(editable=False, blank=True)
    body_text = models.TextField(editable=False, blank=True)
    toc = models.JSONField(default=list, blank=True, editable=False)
    excerpt = models.CharField(max_length=300, blank=True, editable=False)
    reading_minutes = models.PositiveSmallIntegerField(default=1, editable=False)
    search_vector = models.GeneratedField(
        expression=SearchVector("title", weight="A", config="english")
        + SearchVector("summary", weight="B", config="english")
        + SearchVector("body_text", weight="C", config="english"),
        output_field=SearchVectorField(),
        db_persist=True,
    )

    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ArticleQuerySet.as_manager()

    class Meta:
        ordering = ["-published_at", "-id"]
        verbose_name = _("article")
        verbose_name_plural = _("articles")
        indexes = [
            models.Index(fields=["status", "-published_at"], name="article_public_idx"),
            # Keeps "the newest edit" an index lookup for the page-cache version.
            models.Index(fields=["-updated_at"], name="article_updated_idx"),
            GinIndex(fields=["search_vector"], name="article_search_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(status="published")
                | models.Q(published_at__isnull=False),
                name="article_published_has_time",
                violation_error_message=_("A published article needs a publish time."),
            ),
            models.CheckConstraint(
                condition=models.Q(hero_image="") | ~models.Q(hero_alt=""),
                name="article_hero_has_alt",
                violation_error_message=_("Describe the hero image in its alt text."),
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def save(self, *args, **kwargs):
        if self.status == self.Status.PUBLISHED and self.published_at is None:
            self.published_at = timezone.now()
        rendered = richtext.render(self.body)
        self.body = rendered.clean_html
        self.body_html = rendered.html
        self.body_text = rendered.text
        self.toc = rendered.toc
        self.reading_minutes = rendered.reading_minutes
        self.excerpt = self.summary or rendered.excerpt
        if self.hero_image and self.hero_image.name != self.hero_renditions.get("src"):
            if not self.hero_image._committed:
                # Store the original first, so renditions record its final name.
                self.hero_image.save(
                    self.hero_image.name, self.hero_image.file, save=False
                )
            images.delete_renditions(self.hero_renditions)
            self.hero_renditions = images.make_renditions(self.hero_image)
        elif not self.hero_image and self.hero_renditions:
            images.delete_renditions(self.hero_renditions)
            self.hero_renditions = {}
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return reverse("blog:detail", kwargs={"slug": self.slug})

    def clean(self):
        # Before constraints are validated: "published, no time" means now.
        if self.status == self.Status.PUBLISHED and self.published_at is None:
            self.published_at = timezone.now()
        if self.hero_image and not self.hero_alt.strip():
            raise ValidationError(
                {
                    "hero_alt": _(
                        "Describe the hero image for readers who cannot see it."
                    )
                },
                code="alt_required",
            )

    def is_public(self) -> bool:
        return (
            self.status == self.Status.PUBLISHED
            and self.published_at is not None
            and self.published_at <= timezone.now()
        )

    def state(self) -> str:
        if self.status == self.Status.DRAFT:
            return _("Draft")
        return _("Published") if self.is_public() else _("Scheduled")

    def is_review_stale(self) -> bool:
        """Flag articles no clinician has reviewed in the last 12 months."""
        if self.last_reviewed_on is None:
            return True
        return (timezone.localdate() - self.last_reviewed_on).days > 365

    def reference_list(self) -> list[dict[str, str]]:
        refs = []
        for line in self.references.splitlines():
            label, _sep, url = line.partition("|")
            url = url.strip()
            if label.strip():
                safe_url = url if richtext.is_safe_url(url) else ""
                refs.append({"label": label.strip(), "url": safe_url})
        return refs

    def hero_srcset(self, ext: str = "webp") -> str:
        return ", ".join(
            f"{default_storage.url(name)} {width}w"
            for width, name in self.hero_renditions.get(ext, [])
        )

    def hero_jpeg_srcset(self) -> str:
        return self.hero_srcset("jpeg")

    def hero_fallback_url(self) -> str:
        jpegs = self.hero_renditions.get("jpeg") or []
        return default_storage.url(jpegs[-1][1]) if jpegs else ""

    def hero_size(self) -> tuple[int, int]:
        """Return the largest rendition's size, for width/height attributes."""
        jpegs = self.hero_renditions.get("jpeg") or []
        if not jpegs:
            return (0, 0)
        width = jpegs[-1][0]
        ratio = self.hero_renditions["height"] / self.hero_renditions["width"]
        return (width, round(width * ratio))

    def hero_width_px(self) -> int:
        return self.hero_size()[0]

    def hero_height_px(self) -> int:
        return self.hero_size()[1]

    def seo_title_or_title(self) -> str:
        return self.seo_title or self.title

    def seo_description_or_excerpt(self) -> str:
        return self.seo_description or self.excerpt


class BodyImage(models.Model):
    """An image uploaded for use inside article bodies (the editor's image button)."""

    image = models.ImageField(
        _("image"),
        upload_to="articles/body/",
        width_field="width",
        height_field="height",
        validators=[images.validate_body_image],
    )
    width = models.PositiveIntegerField(null=True, editable=False)
    height = models.PositiveIntegerField(null=True, editable=False)
    alt_text = models.CharField(_("alt text"), max_length=200)
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-uploaded_at"]
        verbose_name = _("body image")
        verbose_name_plural = _("body images")

    def __str__(self) -> str:
        return self.alt_text
