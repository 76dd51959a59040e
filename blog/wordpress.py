"""Read a WordPress export (WXR) and import its posts as articles.

Everything is parsed and checked before the first write, and the writes run in
one transaction, so a bad file imports nothing. Posts are matched on their
WordPress post ID, so running the import again updates instead of duplicating.

Posts arrive unreviewed (the import never records a medical review), take the
address of any demo article with their slug (which is retired), and leave
redirects behind so the old site's addresses keep working (blog.redirects).
"""

import hashlib
import html
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath
from urllib.parse import unquote, urlsplit

from django.core.exceptions import ValidationError
from django.core.files import File
from django.core.files.storage import default_storage
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape, strip_tags
from django.utils.text import Truncator, slugify

from blog import images, richtext
from blog.demo.state import RETIRED_SUFFIX, demo_values
from blog.models import Article, BodyImage, Category, Redirect
from medspa.demo import fingerprint, may_update

WP_NAMESPACE = re.compile(r"^\{http://wordpress\.org/export/1\.\d+/\}")
CONTENT_NS = "{http://purl.org/rss/1.0/modules/content/}"
DC_NS = "{http://purl.org/dc/elements/1.1/}"
EXCERPT_NS = re.compile(r"^\{http://wordpress\.org/export/1\.\d+/excerpt/\}")
STATUSES = {
    "publish": Article.Status.PUBLISHED,
    "future": Article.Status.PUBLISHED,  # a future publish time schedules it
    "draft": Article.Status.DRAFT,
    "pending": Article.Status.DRAFT,
    "private": Article.Status.DRAFT,
}
SKIPPED_STATUSES = {"trash", "auto-draft", "inherit"}
BLOCK_COMMENT = re.compile(r"<!--\s*/?wp:.*?-->", re.DOTALL)
SHORTCODE = re.compile(r"\[/?[a-zA-Z][\w-]*(?:\s[^\[\]]*)?/?\]")
HAS_BLOCKS = re.compile(r"<(p|h[1-6]|ul|ol|div|blockquote|table|figure)\b", re.I)
MAX_FILE_BYTES = 50 * 1024 * 1024
PUBLISH_AS = ("keep", "draft")
IMG_TAG = re.compile(r"<img\b[^>]*>", re.I)
ATTR_VALUE = r"""\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+))"""
SRC_ATTR = re.compile(r"(?<![\w-])src" + ATTR_VALUE, re.I)
ALT_ATTR = re.compile(r"(?<![\w-])alt" + ATTR_VALUE, re.I)
UPLOADS_MARKER = "/wp-content/uploads/"
# WordPress's resized copies: photo-1024x683.jpg is a size of photo.jpg.
SIZED_COPY = re.compile(r"-\d+x\d+(?=\.\w+$)")


class WXRError(Exception):
    """The file cannot be imported; the message says what is wrong and where."""


@dataclass
class Post:
    wp_id: int
    title: str
    slug: str
    body: str
    summary: str
    status: str
    published_at: datetime | None
    author: str
    # (our slug, name, WordPress nicename) of each category.
    categories: list[tuple[str, str, str]] = field(default_factory=list)
    thumbnail_id: int | None = None
    # Path and query of the post's <link> on the old site, e.g. /2024/03/slug/.
    link_path: str = ""


@dataclass
class Attachment:
    relative_path: str
    url: str
    alt: str


@dataclass
class Result:
    created: int = 0
    updated: int = 0
    skipped: int = 0
    images: int = 0
    body_images: int = 0
    kept: int = 0  # changed here since imported: left as they are
    redirects: set[str] = field(default_factory=set)  # their old paths
    # (slug the imported post took, slug the demo article now has)
    retired: list[tuple[str, str]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


class _RefuseDoctype(ET.TreeBuilder):
    """Refuse any DOCTYPE: entity declarations (billion laughs, external
    entities) can only come in one, and a WordPress export never has one."""

    def doctype(self, name, pubid, system):
        raise WXRError(
            "the file declares a DOCTYPE or entities, which a WordPress export "
            "never does; refusing to read it"
        )


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _wp(element, name: str) -> str | None:
    for child in element:
        if WP_NAMESPACE.match(child.tag) and _local(child.tag) == name:
            return (child.text or "").strip()
    return None


def _text(element, tag: str) -> str:
    found = element.find(tag)
    return (found.text or "") if found is not None else ""


def _excerpt(item) -> str:
    for child in item:
        if EXCERPT_NS.match(child.tag) and _local(child.tag) == "encoded":
            return child.text or ""
    return ""


def _postmeta(item) -> dict[str, str]:
    meta = {}
    for child in item:
        if WP_NAMESPACE.match(child.tag) and _local(child.tag) == "postmeta":
            key, value = _wp(child, "meta_key"), _wp(child, "meta_value")
            if key:
                meta[key] = value or ""
    return meta


def clean_content(html: str) -> str:
    """Drop block comments and shortcodes, and add WordPress's implied paragraphs."""
    html = BLOCK_COMMENT.sub("", html)
    html = SHORTCODE.sub("", html)
    # Our pages own the h1; deeper levels than h4 are not in the allow-list.
    html = re.sub(r"<(/?)h1\b", r"<\1h2", html, flags=re.I)
    html = re.sub(r"<(/?)h[56]\b", r"<\1h4", html, flags=re.I)
    if not HAS_BLOCKS.search(html):
        paragraphs = [p.strip() for p in re.split(r"\n\s*\n", html) if p.strip()]
        html = "".join("<p>{}</p>".format(p.replace("\n", "<br>")) for p in paragraphs)
    return html


def _date(value: str | None, where: str, field_name: str) -> datetime | None:
    if not value or value.startswith("0000-00-00"):
        return None
    try:
        return datetime.strptime(value, "%Y-%m-%d %H:%M:%S")
    except ValueError:
        raise WXRError(
            f"{where}: <wp:{field_name}> is {value!r}, not a date like "
            "2024-05-01 09:30:00"
        ) from None


def _channel(path: Path):
    """Return the export's <channel>, refusing anything but a readable WXR file."""
    if not path.is_file():
        raise WXRError(f"{path}: no such file")
    if path.stat().st_size > MAX_FILE_BYTES:
        raise WXRError(f"{path}: larger than {MAX_FILE_BYTES // 1024 // 1024} MB")
    try:
        root = ET.parse(path, parser=ET.XMLParser(target=_RefuseDoctype())).getroot()
    except ET.ParseError as exc:
        raise WXRError(f"{path.name} is not well-formed XML ({exc})") from None
    channel = root.find("channel")
    if root.tag != "rss" or channel is None or _wp(channel, "wxr_version") is None:
        raise WXRError(
            f"{path.name} is not a WordPress export (WXR): expected <rss> with a "
            "<channel> containing <wp:wxr_version>"
        )
    return channel


def _authors(channel) -> dict[str, str]:
    """Return each author's display name by login."""
    authors = {}
    for child in channel:
        if WP_NAMESPACE.match(child.tag) and _local(child.tag) == "author":
            login = _wp(child, "author_login") or ""
            authors[login] = _wp(child, "author_display_name") or login
    return authors


def _published_at(item, where: str) -> datetime | None:
    """Return the post's publish time, from its UTC date if it has one."""
    gmt = _date(_wp(item, "post_date_gmt"), where, "post_date_gmt")
    local = _date(_wp(item, "post_date"), where, "post_date")  # checked either way
    if gmt is not None:
        return gmt.replace(tzinfo=UTC)
    return timezone.make_aware(local) if local is not None else None


def _post_from_item(
    item, wp_id: int, where: str, authors: dict[str, str], seen_slugs: dict[str, str]
) -> Post:
    """Check a post <item> and return it as a Post; `seen_slugs` records its slug."""
    status = _wp(item, "status")
    if status not in STATUSES:
        raise WXRError(f"{where}: unknown <wp:status> {status!r}")
    title = _text(item, "title").strip()
    if not title:
        raise WXRError(f"{where}: the post has no <title>")
    slug = slugify(_wp(item, "post_name") or "") or slugify(title)[:200]
    if not slug:
        raise WXRError(f"{where}: cannot make a slug from the title {title!r}")
    if slug in seen_slugs:
        raise WXRError(
            f"{where}: slug {slug!r} is also used by {seen_slugs[slug]} in this file"
        )
    seen_slugs[slug] = where
    published = _published_at(item, where)
    if STATUSES[status] == Article.Status.PUBLISHED and published is None:
        raise WXRError(f"{where}: a published post needs <wp:post_date>")
    thumbnail = _postmeta(item).get("_thumbnail_id", "")
    creator = _text(item, f"{DC_NS}creator").strip()
    return Post(
        wp_id=wp_id,
        title=title[:200],
        slug=slug,
        body=clean_content(_text(item, f"{CONTENT_NS}encoded")),
        summary=Truncator(
            " ".join(strip_tags(clean_content(_excerpt(item))).split())
        ).chars(300),
        status=STATUSES[status],
        published_at=published,
        author=(authors.get(creator) or creator or "Unknown")[:120],
        categories=[
            (
                slugify(c.get("nicename") or c.text or ""),
                (c.text or "").strip(),
                unquote(c.get("nicename") or ""),
            )
            for c in item.findall("category")
            if c.get("domain") == "category" and (c.text or "").strip()
        ],
        thumbnail_id=int(thumbnail) if thumbnail.isdigit() else None,
        link_path=_link_path(_text(item, "link").strip()),
    )


def _link_path(link: str) -> str:
    """Return the path and query of a permalink, never its host."""
    parts = urlsplit(link)
    path = unquote(parts.path) or "/"
    if parts.scheme not in ("", "http", "https") or not path.startswith("/"):
        return ""
    path = f"{path}?{parts.query}" if parts.query else path
    return "" if path == "/" else path


def _attachment_from_item(item) -> Attachment:
    meta = _postmeta(item)
    return Attachment(
        relative_path=meta.get("_wp_attached_file", ""),
        url=_wp(item, "attachment_url") or "",
        alt=meta.get("_wp_attachment_image_alt", "") or _text(item, "title").strip(),
    )


def parse(path: Path) -> tuple[list[Post], dict[int, Attachment], int]:
    """Return the posts, the attachments by ID, and how many items were skipped."""
    channel = _channel(path)
    authors = _authors(channel)
    posts, attachments, skipped, seen_slugs = [], {}, 0, {}
    for number, item in enumerate(channel.findall("item"), start=1):
        post_type = _wp(item, "post_type")
        raw_id = _wp(item, "post_id")
        where = f"item {number}" + (f" (post ID {raw_id})" if raw_id else "")
        if not raw_id or not raw_id.isdigit():
            raise WXRError(f"{where}: missing or invalid <wp:post_id>")
        if post_type == "attachment":
            attachments[int(raw_id)] = _attachment_from_item(item)
        elif post_type != "post" or _wp(item, "status") in SKIPPED_STATUSES:
            skipped += 1
        else:
            posts.append(_post_from_item(item, int(raw_id), where, authors, seen_slugs))
    return posts, attachments, skipped


def _locate(relative: str, uploads: Path) -> Path | None:
    """Return the file of an uploads-relative path (2024/03/x.jpg), if present."""
    relative_path = Path(relative)
    # The export names the file; never let it point outside the uploads folder.
    if not relative or relative_path.is_absolute() or ".." in relative_path.parts:
        return None
    for candidate in (
        uploads / relative_path,
        uploads / "uploads" / relative_path,
        uploads / "wp-content" / "uploads" / relative_path,
        uploads / relative_path.name,
    ):
        if candidate.is_file():
            return candidate
    return None


def _find_image(
    attachment: Attachment, uploads: Path, warnings: list[str], post: Post
) -> Path | None:
    """Return the featured image's local file if it exists and is acceptable."""
    relative = attachment.relative_path or attachment.url.split("/uploads/")[-1]
    candidate = _locate(relative, uploads)
    if candidate is not None:
        try:
            with candidate.open("rb") as handle:
                images.validate_hero_image(File(handle))
        except ValidationError as exc:
            warnings.append(
                f"post {post.wp_id}: featured image {candidate.name} skipped: "
                + " ".join(exc.messages)
            )
            return None
        return candidate
    warnings.append(
        f"post {post.wp_id}: featured image {relative or attachment.url!r} not "
        f"found under {uploads}; imported without it"
    )
    return None


def import_file(
    path: Path, uploads: Path | None = None, *, publish_as: str = "keep"
) -> Result:
    """Import the posts of a WXR file; raise WXRError and write nothing if it is bad.

    `publish_as` "keep" publishes what WordPress had published (so old links
    keep working at once); "draft" makes every imported post a draft.
    """
    if publish_as not in PUBLISH_AS:
        raise ValueError(f"publish_as must be one of {PUBLISH_AS}")
    posts, attachments, skipped = parse(path)
    uploads = uploads or path.parent
    result = Result(skipped=skipped)
    existing = {
        a.wordpress_id: a
        for a in Article.objects.filter(wordpress_id__in=[p.wp_id for p in posts])
    }
    demo_holders = _slug_holders(posts)
    body_images = _BodyImages(uploads, result)
    try:
        with transaction.atomic():
            for article in demo_holders:
                result.retired.append((article.slug, _retire(article)))
            categories = _upsert_categories(posts)
            for post in posts:
                article = existing.get(post.wp_id) or Article(wordpress_id=post.wp_id)
                is_new = article.pk is None
                if not is_new and not _as_imported(article):
                    # Corrected, unpublished or otherwise worked on here: the
                    # clinic's version wins over the old site's.
                    result.kept += 1
                    result.warnings.append(
                        f"post {post.wp_id}: changed here since it was imported; "
                        f"kept as it is ({article.get_absolute_url()})"
                    )
                    _save_redirects(article, post, result)
                    continue
                body = body_images.localize(post)
                _save_post(
                    article,
                    post,
                    body,
                    publish_as,
                    attachments.get(post.thumbnail_id),
                    uploads,
                    result,
                )
                article.categories.set(
                    [categories[slug] for slug, _name, _nice in post.categories if slug]
                )
                _save_redirects(article, post, result)
                article.imported_fingerprint = fingerprint(imported_values(article))
                article.save(update_fields=["imported_fingerprint"])
                result.created += is_new
                result.updated += not is_new
    except BaseException:
        # The rows are rolled back; the body images' files would be orphans.
        body_images.delete_new_files()
        raise
    return result


def imported_values(article: Article) -> dict:
    """What the import writes, as the article has it now."""
    return {
        "title": article.title,
        "slug": article.slug,
        "body": article.body,
        "summary": article.summary,
        "status": article.status,
        "published_at": article.published_at,
        "author_name": article.author_name,
        "categories": sorted(article.categories.values_list("slug", flat=True)),
    }


def _as_imported(article: Article) -> bool:
    """True if the article is still exactly as the last import left it (one
    imported before fingerprints were kept counts as changed: never
    overwritten)."""
    return article.imported_fingerprint == fingerprint(imported_values(article))


def _slug_holders(posts: list[Post]) -> list[Article]:
    """Return the demo articles holding the posts' slugs, to be retired.

    Raise WXRError if the clinic's own article (not demo, not from this import)
    has one of the slugs: that is the clinic's to resolve, never overwritten.
    """
    holders = list(
        Article.objects.filter(slug__in=[p.slug for p in posts])
        .exclude(wordpress_id__in=[p.wp_id for p in posts])
        .order_by("slug")
    )
    # A demo article someone has edited is the clinic's work now: it stops
    # the import like the clinic's own articles.
    clash = next((a for a in holders if not may_update(a, demo_values(a))), None)
    if clash is not None:
        raise WXRError(
            f"slug {clash.slug!r} already belongs to the article {clash.title!r}, "
            "which was not imported from this WordPress site"
        )
    return holders


def _retire(article: Article) -> str:
    """Unpublish a demo article and move it off its slug; return the new slug.

    It stays demo content, so the demo loader leaves it alone: the loader finds
    articles by slug and the imported post now has this one.
    """
    base = article.slug[: 200 - len(RETIRED_SUFFIX) - 4] + RETIRED_SUFFIX
    slug, number = base, 2
    while Article.objects.filter(slug=slug).exists():
        slug, number = f"{base}-{number}", number + 1
    # updated_at too: cached pages are keyed by the newest edit.
    Article.objects.filter(pk=article.pk).update(
        slug=slug, status=Article.Status.DRAFT, updated_at=timezone.now()
    )
    return slug


def _upsert_categories(posts: list[Post]) -> dict[str, Category]:
    """Return the posts' categories by slug, creating the missing ones."""
    categories = {}
    for post in posts:
        for slug, name, _nicename in post.categories:
            if slug and slug not in categories:
                categories[slug], _created = Category.objects.get_or_create(
                    slug=slug, defaults={"name": name[:80]}
                )
    return categories


class _BodyImages:
    """Copy the images a post body takes from wp-content/uploads in as BodyImages.

    An image that is missing or unacceptable is listed in the warnings and left
    out of the body: a page of this site never loads images from the old one.
    """

    def __init__(self, uploads: Path, result: Result):
        self.uploads = uploads
        self.result = result
        self.copied: dict[str, BodyImage | None] = {}
        # Written before the import commits: removed again if it rolls back.
        self.new_images: list[BodyImage] = []

    def localize(self, post: Post) -> str:
        """Return the post's body with its uploads images served from here."""
        hidden = 0

        def replace(match: re.Match) -> str:
            nonlocal hidden
            tag = match.group(0)
            src_match = SRC_ATTR.search(tag)
            src = html.unescape(_attr_value(src_match))
            if UPLOADS_MARKER not in src:
                # What pages drop (blog.richtext.render), counted by its rule.
                hidden += not richtext.is_site_path(src)
                return tag
            path = urlsplit(src.strip()).path
            relative = unquote(path.split(UPLOADS_MARKER, 1)[1])
            alt = html.unescape(_attr_value(ALT_ATTR.search(tag))).strip()
            image = self.image_for(relative, alt or post.title, post)
            if image is None:
                return ""
            new = tag[: src_match.start()] + f'src="{escape(image.image.url)}"'
            new += tag[src_match.end() :]
            if image.width and not re.search(r"\bwidth\s*=", tag, re.I):
                new = new.replace(
                    "<img", f'<img width="{image.width}" height="{image.height}"', 1
                )
            return new

        body = IMG_TAG.sub(replace, post.body)
        if hidden:
            self.result.warnings.append(
                f"post {post.wp_id}: {hidden} inline image(s) are not shown, as "
                "their address is not a path on this site; upload them under "
                "Body images and insert them again"
            )
        return body

    def image_for(self, relative: str, alt: str, post: Post) -> BodyImage | None:
        if relative not in self.copied:
            self.copied[relative] = self._copy(relative, alt, post)
        elif self.copied[relative] is None:
            self._warn_missing(relative, post)
        return self.copied[relative]

    def _copy(self, relative: str, alt: str, post: Post) -> BodyImage | None:
        source = _locate(relative, self.uploads) or _locate(
            SIZED_COPY.sub("", relative), self.uploads
        )
        if source is None:
            self._warn_missing(relative, post)
            return None
        name = _body_image_name(relative)
        stored = BodyImage._meta.get_field("image").generate_filename(None, name)
        existing = BodyImage.objects.filter(image=stored).first()
        if existing is not None:  # copied by an earlier run
            return existing
        with source.open("rb") as handle:
            try:
                images.validate_body_image(File(handle))
            except ValidationError as exc:
                self.result.warnings.append(
                    f"post {post.wp_id}: inline image {PurePosixPath(relative).name} "
                    "left out of the body: " + " ".join(exc.messages)
                )
                return None
            image = BodyImage(image=File(handle, name=name), alt_text=alt[:200])
            image.save()
        self.new_images.append(image)
        self.result.body_images += 1
        return image

    def _warn_missing(self, relative: str, post: Post) -> None:
        self.result.warnings.append(
            f"post {post.wp_id}: inline image {PurePosixPath(relative).name} not "
            f"found under {self.uploads}; left out of the body"
        )

    def delete_new_files(self) -> None:
        for image in self.new_images:
            default_storage.delete(image.image.name)
            images.delete_renditions(image.renditions)


def _attr_value(match: re.Match | None) -> str:
    if match is None:
        return ""
    return next((value for value in match.groups() if value is not None), "")


def _body_image_name(relative: str) -> str:
    """A stable file name for an uploads path, so re-runs find their copy."""
    path = PurePosixPath(relative)
    stem = "wp-" + "-".join(path.parent.parts + (path.stem,))
    # FileField's default max_length is 100, "articles/body/" included.
    if len(stem) + len(path.suffix) > 80:
        digest = hashlib.sha256(relative.encode()).hexdigest()[:8]
        stem = f"{stem[: 80 - len(path.suffix) - 9]}-{digest}"
    return stem + path.suffix.lower()


def _save_post(
    article: Article,
    post: Post,
    body: str,
    publish_as: str,
    attachment: Attachment | None,
    uploads: Path,
    result: Result,
) -> None:
    """Copy `post` onto `article` and save it, with its featured image if usable.

    The import never records a review: a changed text takes down any byline.
    """
    article.title = post.title
    article.slug = post.slug
    article.body = body
    article.summary = post.summary
    article.status = Article.Status.DRAFT if publish_as == "draft" else post.status
    article.published_at = post.published_at
    article.author_name = post.author
    image_path = None
    if attachment is not None and not article.hero_image:
        image_path = _find_image(attachment, uploads, result.warnings, post)
    if image_path is None:
        _validate_and_save(article, post)
        return
    with image_path.open("rb") as handle:
        article.hero_image = File(handle, name=image_path.name)
        article.hero_alt = (attachment.alt or post.title)[:200]
        _validate_and_save(article, post)
    result.images += 1


def _save_redirects(article: Article, post: Post, result: Result) -> None:
    """Point the post's old addresses (permalink, ?p=, category archives) here."""
    targets = {}
    if post.link_path:
        targets[post.link_path] = article.get_absolute_url()
    targets[f"/?p={post.wp_id}"] = article.get_absolute_url()
    for slug, _name, nicename in post.categories:
        if slug:
            targets[f"/category/{nicename or slug}/"] = reverse(
                "blog:category", kwargs={"slug": slug}
            )
    max_length = Redirect._meta.get_field("old_path").max_length
    for old_path, new_path in targets.items():
        if old_path == new_path:
            continue
        if len(old_path) > max_length:
            result.warnings.append(
                f"post {post.wp_id}: old address {old_path[:60]}… is longer than "
                f"{max_length} characters; no redirect made"
            )
            continue
        Redirect.objects.update_or_create(
            old_path=old_path, defaults={"new_path": new_path}
        )
        result.redirects.add(old_path)


def _validate_and_save(article: Article, post: Post) -> None:
    try:
        article.full_clean(exclude=["categories"])
    except ValidationError as exc:
        problems = "; ".join(
            f"{name}: {' '.join(messages)}"
            for name, messages in exc.message_dict.items()
        )
        # Raising inside the atomic block rolls back everything imported so far.
        raise WXRError(f"post ID {post.wp_id} ({post.slug}): {problems}") from None
    article.save()
