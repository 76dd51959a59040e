"""Read a WordPress export (WXR) and import its posts as articles.

Everything is parsed and checked before the first write, and the writes run in
one transaction, so a bad file imports nothing. Posts are matched on their
WordPress post ID, so running the import again updates instead of duplicating.
"""

import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.files import File
from django.db import transaction
from django.utils import timezone
from django.utils.html import strip_tags
from django.utils.text import Truncator, slugify

from blog import images
from blog.models import Article, Category

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
REMOTE_IMAGE = re.compile(r"<img\b[^>]*\bsrc=[\"']?(?:https?:)?//", re.I)


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
    categories: list[tuple[str, str]] = field(default_factory=list)
    thumbnail_id: int | None = None


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
            (slugify(c.get("nicename") or c.text or ""), (c.text or "").strip())
            for c in item.findall("category")
            if c.get("domain") == "category" and (c.text or "").strip()
        ],
        thumbnail_id=int(thumbnail) if thumbnail.isdigit() else None,
    )


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


def _find_image(
    attachment: Attachment, uploads: Path, warnings: list[str], post: Post
) -> Path | None:
    """Return the featured image's local file if it exists and is acceptable."""
    relative = attachment.relative_path or attachment.url.split("/uploads/")[-1]
    relative_path = Path(relative)
    # The export names the file; never let it point outside the uploads folder.
    if relative and not relative_path.is_absolute() and ".." not in relative_path.parts:
        for candidate in (
            uploads / relative_path,
            uploads / "uploads" / relative_path,
            uploads / "wp-content" / "uploads" / relative_path,
            uploads / relative_path.name,
        ):
            if candidate.is_file():
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


def import_file(path: Path, uploads: Path | None = None) -> Result:
    """Import the posts of a WXR file; raise WXRError and write nothing if it is bad."""
    posts, attachments, skipped = parse(path)
    uploads = uploads or path.parent
    result = Result(skipped=skipped)
    existing = {
        a.wordpress_id: a
        for a in Article.objects.filter(wordpress_id__in=[p.wp_id for p in posts])
    }
    _refuse_slug_clash(posts)
    with transaction.atomic():
        categories = _upsert_categories(posts)
        for post in posts:
            article = existing.get(post.wp_id) or Article(wordpress_id=post.wp_id)
            is_new = article.pk is None
            _save_post(
                article, post, attachments.get(post.thumbnail_id), uploads, result
            )
            article.categories.set(
                [categories[slug] for slug, _name in post.categories if slug]
            )
            result.created += is_new
            result.updated += not is_new
    return result


def _refuse_slug_clash(posts: list[Post]) -> None:
    """Refuse posts whose slug an article from elsewhere already has."""
    clash = (
        Article.objects.filter(slug__in=[p.slug for p in posts])
        .exclude(wordpress_id__in=[p.wp_id for p in posts])
        .first()
    )
    if clash is not None:
        raise WXRError(
            f"slug {clash.slug!r} already belongs to the article {clash.title!r}, "
            "which was not imported from this WordPress site"
        )


def _upsert_categories(posts: list[Post]) -> dict[str, Category]:
    """Return the posts' categories by slug, creating the missing ones."""
    categories = {}
    for post in posts:
        for slug, name in post.categories:
            if slug and slug not in categories:
                categories[slug], _created = Category.objects.get_or_create(
                    slug=slug, defaults={"name": name[:80]}
                )
    return categories


def _save_post(
    article: Article,
    post: Post,
    attachment: Attachment | None,
    uploads: Path,
    result: Result,
) -> None:
    """Copy `post` onto `article` and save it, with its featured image if usable."""
    remote = len(REMOTE_IMAGE.findall(post.body))
    if remote:
        result.warnings.append(
            f"post {post.wp_id}: {remote} inline image(s) load from another "
            "site and are not shown; upload them under Body images and "
            "insert them again"
        )
    article.title = post.title
    article.slug = post.slug
    article.body = post.body
    article.summary = post.summary
    article.status = post.status
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
