import datetime
import hashlib

from django.conf import settings
from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVectorField
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.db import models, transaction
from django.db.models.functions import Now
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from blog import images, richtext

# An article's medical review is due this long after the last one (or if never).
REVIEW_INTERVAL = datetime.timedelta(days=365)
# One message for the database constraint and the admin form, which shows it
# next to the field (a constraint's own error is not tied to any field).
HERO_ALT_REQUIRED = _("Describe the hero image in its alt text.")


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


class ArticleStatus(models.TextChoices):
    """Article.Status; defined here so Article.Meta's constraints can name it."""

    DRAFT = "draft", _("Draft")
    # Scheduled is "published with a future publish time", see Article.state().
    PUBLISHED = "published", _("Published")


def public_q() -> models.Q:
    """The public-visibility rule (see ArticleQuerySet.published). Search
    applies it in SQL too: blog_search_page(), migration blog 0013."""
    return models.Q(status=ArticleStatus.PUBLISHED, published_at__lte=Now())


def _review_cutoff() -> datetime.date:
    """Reviews on or after this day are current (see REVIEW_INTERVAL)."""
    return timezone.localdate() - REVIEW_INTERVAL


class ArticleQuerySet(models.QuerySet):
    def published(self) -> "ArticleQuerySet":
        """Return what the public may see: published, and its publish time has come.

        Comparing with the database clock makes scheduled articles appear by
        themselves, with no job to flip their status.
        """
        return self.filter(public_q())

    def for_cards(self) -> "ArticleQuerySet":
        """What an article's card shows, without the text it never shows."""
        return self.defer("body", "body_html", "body_text", "toc")

    def for_listing(self) -> "ArticleQuerySet":
        return self.for_cards().prefetch_related("categories")

    def related_to(self, article: "Article", limit: int = 3) -> list["Article"]:
        """Return up to `limit` public articles for `article`'s page: the newest
        sharing one of its categories first, then the newest others.

        One query whatever the data: each half of the union walks the
        published-articles index newest first and stops after a few rows. The
        second half reads twice `limit` rows, enough to fill the list whatever
        the first half found. Uses `article`'s prefetched categories if any.
        """
        others = (
            self.published()
            .exclude(pk=article.pk)
            .defer("body", "body_html", "body_text", "toc")
            .order_by("-published_at", "-id")
        )
        sharing = self.model.categories.through.objects.filter(
            category__in=[category.pk for category in article.categories.all()]
        ).values("article_id")
        near = others.filter(pk__in=sharing).annotate(tier=models.Value(0))[:limit]
        newest = others.annotate(tier=models.Value(1))[: 2 * limit]
        # The union keeps each half's order and limit; no order of its own.
        candidates = list(near.union(newest, all=True).order_by())
        candidates.sort(key=lambda a: (a.published_at, a.pk), reverse=True)
        candidates.sort(key=lambda a: a.tier)
        related, seen = [], set()
        for candidate in candidates:
            if candidate.pk not in seen:
                seen.add(candidate.pk)
                related.append(candidate)
        return related[:limit]

    def review_due(self) -> "ArticleQuerySet":
        """Articles the review queue lists: never reviewed, changed since their
        last review, or reviewed longer than REVIEW_INTERVAL ago."""
        return self.filter(
            models.Q(review__isnull=True)
            | ~models.Q(review__content_hash=models.F("content_hash"))
            | models.Q(review__reviewed_on__lt=_review_cutoff())
        )

    def in_review_state(self, state: str) -> "ArticleQuerySet":
        """Articles never reviewed, "changed" since their review, or whose
        current review is "old" (over REVIEW_INTERVAL): the queue's parts."""
        current = models.Q(review__content_hash=models.F("content_hash"))
        return self.filter(
            {
                "never": models.Q(review__isnull=True),
                "changed": models.Q(review__isnull=False) & ~current,
                "old": current & models.Q(review__reviewed_on__lt=_review_cutoff()),
            }[state]
        )

    def review_counts(self) -> dict[str, int]:
        """The review queue's counts for the staff home page."""
        return {
            state: self.in_review_state(state).count()
            for state in ("never", "changed", "old")
        }


class Reviewer(models.Model):
    """A clinician who medically reviews articles. A byline names one only
    after a recorded review (ArticleReview), never as free text."""

    name = models.CharField(_("name"), max_length=120)
    credential = models.CharField(
        _("credential"), max_length=40, help_text=_("E.g. MD, DO, NP, PA-C.")
    )
    licence_state = models.CharField(_("licence state"), max_length=40, blank=True)
    bio = models.TextField(_("short bio"), max_length=1000, blank=True)
    # The demo's fictional reviewer: `manage.py check --deploy` warns while
    # anything it "reviewed" is published (blog.W001).
    is_placeholder = models.BooleanField(
        _("demo placeholder"), default=False, editable=False
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("medical reviewer")
        verbose_name_plural = _("medical reviewers")

    def __str__(self) -> str:
        return f"{self.name}, {self.credential}"


def content_hash(*, title: str, summary: str, body: str, references: str) -> str:
    """The fingerprint of what a medical review vouches for."""
    text = "\x1f".join((title, summary, body, references))
    return hashlib.sha256(text.encode()).hexdigest()


class Article(models.Model):
    Status = ArticleStatus

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
    # The latest recorded review; the byline shows it only while the text is
    # still the one reviewed (content_hash), see current_review().
    review = models.ForeignKey(
        "blog.ArticleReview",
        verbose_name=_("last medical review"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )
    content_hash = models.CharField(max_length=64, editable=False, blank=True)
    # When the reviewed text last changed: no review may be dated before it.
    content_changed_at = models.DateTimeField(null=True, blank=True, editable=False)
    # What the WordPress import wrote (medspa.demo.fingerprint): a re-import
    # updates only articles nobody has changed here since.
    imported_fingerprint = models.CharField(max_length=64, editable=False, blank=True)
    # Made by `manage.py load_demo_articles`; demo_fingerprint is what the
    # loader wrote, so it updates only what nobody has changed since.
    is_demo = models.BooleanField(_("demo content"), default=False, editable=False)
    demo_fingerprint = models.CharField(max_length=64, editable=False, blank=True)
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
        validators=[images.validate_hero_image],
    )
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

    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ArticleQuerySet.as_manager()

    class Meta:
        ordering = ["-published_at", "-id"]
        verbose_name = _("article")
        verbose_name_plural = _("articles")
        permissions = [("mark_reviewed", _("Can record a medical review"))]
        indexes = [
            models.Index(fields=["status", "-published_at"], name="article_public_idx"),
            # Keeps "the newest edit" an index lookup for the page-cache version.
            models.Index(fields=["-updated_at"], name="article_updated_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(status=ArticleStatus.PUBLISHED)
                | models.Q(published_at__isnull=False),
                name="article_published_has_time",
                violation_error_message=_("A published article needs a publish time."),
            ),
            models.CheckConstraint(
                condition=models.Q(hero_image="") | ~models.Q(hero_alt=""),
                name="article_hero_has_alt",
                violation_error_message=HERO_ALT_REQUIRED,
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def save(self, *args, **kwargs):
        self._default_publish_time()
        # Browsers post textareas with CRLF: the same text must hash the same.
        for name in ("title", "summary", "body", "references"):
            setattr(self, name, getattr(self, name).replace("\r\n", "\n"))
        # Body images are served as renditions: one query finds those used.
        rendered = richtext.render(
            self.body,
            images=images.body_image_renditions(
                richtext.image_sources(self.body), BodyImage.objects
            ),
        )
        self.body = rendered.clean_html
        self.body_html = rendered.html
        self.body_text = rendered.text
        self.toc = rendered.toc
        self.reading_minutes = rendered.reading_minutes
        self.excerpt = self.summary or rendered.excerpt
        new_hash = self.text_hash()
        if new_hash != self.content_hash:
            self.content_hash = new_hash
            self.content_changed_at = timezone.now()
        # Why files are touched before the row is saved: the row stores the new
        # renditions' names. The cost: if the row write then fails (a constraint,
        # a lost connection), the new files are orphans and the old row still
        # names the renditions deleted here. The admin and the WordPress import
        # run full_clean(), constraints included, before saving, so it is rare;
        # deleting replaced files in transaction.on_commit() would close it.
        if self.hero_image and self.hero_image.name != self.hero_renditions.get("src"):
            if not self.hero_image._committed:
                # Store the copy first, so renditions record its final name;
                # the upload itself is never stored (blog.images).
                self.hero_image.save(
                    self.hero_image.name,
                    images.stored_copy(self.hero_image.file),
                    save=False,
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
        # Before constraints are validated, so "published, no time" passes them.
        self._default_publish_time()
        # The article_hero_has_alt constraint, tied to the field so the admin
        # shows it there (and stricter: blank alt text is no description either).
        # full_clean() then skips the constraint, so the message appears once.
        if self.hero_image and not self.hero_alt.strip():
            raise ValidationError(
                {"hero_alt": ValidationError(HERO_ALT_REQUIRED, code="alt_required")}
            )

    def _default_publish_time(self) -> None:
        """Published without a publish time means published now."""
        if self.status == self.Status.PUBLISHED and self.published_at is None:
            self.published_at = timezone.now()

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

    def text_hash(self) -> str:
        """The hash of the text as it is on this instance now."""
        return content_hash(
            title=self.title,
            summary=self.summary,
            body=self.body,
            references=self.references,
        )

    def current_review(self) -> "ArticleReview | None":
        """The review the byline and JSON-LD may state: the last one, if the
        text has not changed since. Hashed afresh, not read from the stored
        hash, so a write that skipped save() still takes the byline down."""
        review = self.review
        if review is not None and review.content_hash == self.text_hash():
            return review
        return None

    def review_state(self) -> str:
        """ "never", "changed" (since its last review), "due" (older than
        REVIEW_INTERVAL) or "current"; review_due() lists all but the last."""
        if self.review is None:
            return "never"
        if self.current_review() is None:
            return "changed"
        if self.review.reviewed_on < _review_cutoff():
            return "due"
        return "current"

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

    def seo_title_or_title(self) -> str:
        return self.seo_title or self.title

    def seo_description_or_excerpt(self) -> str:
        return self.seo_description or self.excerpt


class ArticleSearch(models.Model):
    """What search reads (blog.search), one row per article, written only by
    the database: a trigger (migration 0013) writes it when an article is
    inserted or an update changes what search reads, and deletes it with the
    article (so Django does nothing on delete).

    Narrow on purpose: a query most articles match ranks every match, and
    these rows are a fraction of an article row's size, with the columns it
    reads first (bench/PERFORMANCE.md, "13").
    """

    article = models.OneToOneField(
        Article, primary_key=True, on_delete=models.DO_NOTHING, related_name="+"
    )
    status = models.CharField(max_length=10)
    published_at = models.DateTimeField(null=True)
    updated_at = models.DateTimeField()
    # Title words weigh most (A), then the summary's (B): results rank by it.
    rank_vector = SearchVectorField()
    # The title's, summary's and text's (C) words: what a query must match.
    search_vector = SearchVectorField()

    class Meta:
        indexes = [GinIndex(fields=["search_vector"], name="article_search_idx")]

    def __str__(self) -> str:
        return f"Search row of article {self.article_id}"


class ArticleReview(models.Model):
    """One medical review of one version of an article, recorded by a staff
    user with the "mark reviewed" permission. Append-only: the record of who
    vouched for which text, and when."""

    article = models.ForeignKey(
        Article,
        verbose_name=_("article"),
        on_delete=models.CASCADE,
        related_name="reviews",
    )
    reviewer = models.ForeignKey(
        Reviewer,
        verbose_name=_("reviewed by"),
        on_delete=models.PROTECT,
        related_name="reviews",
    )
    reviewed_on = models.DateField(_("reviewed on"))
    content_hash = models.CharField(_("version reviewed"), max_length=64)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("Empty: the demo loader."),
    )
    created_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("medical review")
        verbose_name_plural = _("medical reviews")

    def __str__(self) -> str:
        return f"{self.article} — {self.reviewer} ({self.reviewed_on:%Y-%m-%d})"


class Redirect(models.Model):
    """An old address that answers 301 with a page of this site: imported
    WordPress permalinks, ?p= links and category archives, or added by staff
    (see blog.redirects)."""

    old_path = models.CharField(
        _("old address"),
        max_length=300,
        unique=True,
        help_text=_("A path on this site, e.g. /2024/03/botox-facts/ or /?p=123."),
    )
    new_path = models.CharField(
        _("redirect to"),
        max_length=300,
        help_text=_("A path on this site, e.g. /articles/botox-facts/."),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["old_path"]
        verbose_name = _("redirect")
        verbose_name_plural = _("redirects")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(old_path__startswith="/")
                & models.Q(new_path__startswith="/")
                & ~models.Q(new_path__startswith="//"),
                name="redirect_stays_on_site",
                violation_error_message=_(
                    "Both addresses must be paths on this site, starting with /."
                ),
            )
        ]

    def __str__(self) -> str:
        return f"{self.old_path} → {self.new_path}"


class ContentVersion(models.Model):
    """One row whose value PostgreSQL triggers raise whenever something an
    article page shows besides articles changes: treatments (the Book button),
    categories, reviewers (bylines), the clinic's locations and hours (the
    footer); see migration 0011. blog.cache keys article pages by it, so such
    an edit shows at once, while bookings never touch it."""

    value = models.BigIntegerField(default=0)

    class Meta:
        verbose_name = _("content version")

    def __str__(self) -> str:
        return str(self.value)


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
    # What article pages show instead of the stored copy (one size only):
    # WebP and JPEG at fixed widths, see blog.images.
    renditions = models.JSONField(default=dict, blank=True, editable=False)
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-uploaded_at"]
        verbose_name = _("body image")
        verbose_name_plural = _("body images")

    def __str__(self) -> str:
        return self.alt_text

    def save(self, *args, **kwargs):
        if self.image and self.image.name != self.renditions.get("src"):
            if not self.image._committed:
                # Store the copy first, so renditions record its final name;
                # the upload itself is never stored (blog.images).
                self.image.save(
                    self.image.name, images.stored_copy(self.image.file), save=False
                )
            old = self.renditions
            self.renditions = images.make_renditions(self.image)
            # Only once the row names the new ones: a failed write keeps the old.
            transaction.on_commit(lambda: images.delete_renditions(old))
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        """Delete the row, then its renditions (the stored copy is kept)."""
        renditions = self.renditions
        result = super().delete(*args, **kwargs)
        transaction.on_commit(lambda: images.delete_renditions(renditions))
        return result
