"""Sanitize editor HTML and derive what article pages show from it."""

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from html import escape
from html.parser import HTMLParser

import nh3
from django.utils.text import Truncator, slugify

ALLOWED_TAGS = {
    "p", "br", "h2", "h3", "h4", "ul", "ol", "li", "a", "strong", "em", "b", "i",
    "blockquote", "img", "figure", "figcaption", "hr", "table", "thead", "tbody",
    "tr", "th", "td",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "width", "height"},
    "th": {"colspan", "rowspan", "scope"},
    "td": {"colspan", "rowspan"},
}
URL_SCHEMES = {"http", "https", "mailto", "tel"}
VOID_TAGS = {"br", "hr", "img"}
INLINE_TAGS = {"a", "strong", "em", "b", "i"}
TOC_LEVELS = {"h2", "h3"}
# Ids the page layout already uses; a heading must never take one of them.
RESERVED_IDS = {
    "main", "toc", "toc-title", "references-title", "related-title", "book-title",
    "footer-visit", "footer-hours", "footer-privacy", "search-title",
}  # fmt: skip
WORDS_PER_MINUTE = 200
# The article column (.prose) is 46rem wide; the hero's <picture> says the same.
BODY_IMAGE_SIZES = "(min-width: 50rem) 46rem, 100vw"
BODY_COLUMN_PX = 46 * 16
# A path on this site: one slash, then not a second slash or a backslash, which
# browsers read as "//" and so as another site's address ("/\evil.example/p.gif").
# Tabs and newlines are refused too: URL parsers drop them, so "/\t/evil" is "//evil".
SITE_PATH = re.compile(r"/(?![/\\])[^\t\n\r]*")


def sanitize(html: str) -> str:
    """Keep only the allow-listed tags, attributes and URL schemes."""
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel="noopener noreferrer",
        strip_comments=True,
    )


def is_safe_url(url: str) -> bool:
    return bool(re.match(r"^https?://[^\s]+$", url))


def is_site_path(url: str) -> bool:
    """True for an address on this site alone (what CSP's img-src 'self' allows)."""
    return bool(SITE_PATH.fullmatch(url))


@dataclass
class Rendered:
    clean_html: str
    html: str
    text: str
    toc: list[dict] = field(default_factory=list)
    reading_minutes: int = 1
    excerpt: str = ""


class _Deriver(HTMLParser):
    """Re-serialize sanitized HTML, giving headings ids and collecting text."""

    def __init__(self, images: Mapping[str, dict]):
        super().__init__(convert_charrefs=True)
        self.images = images
        self.out: list[str] = []
        self.text: list[str] = []
        self.toc: list[dict] = []
        self.used_ids = set(RESERVED_IDS)
        self._heading: tuple[str, int, list[str]] | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "img":
            # CSP allows only our own images; remote ones would show broken.
            if not is_site_path(attrs.get("src") or ""):
                return
            if attrs["src"] in self.images:
                self.out.append(_picture(attrs, self.images[attrs["src"]]))
                return
            attrs["loading"] = "lazy"
            attrs["decoding"] = "async"
            attrs.setdefault("alt", "")
        rendered = "".join(
            f' {name}="{escape(value or "", quote=True)}"'
            for name, value in attrs.items()
        )
        if tag in TOC_LEVELS:
            # The id is filled in at the end tag, once the heading text is known.
            self._heading = (tag, len(self.out), [])
            self.out.append("")
            return
        self.out.append(f"<{tag}{rendered}>")

    def handle_endtag(self, tag):
        if tag in VOID_TAGS:
            return
        if tag not in INLINE_TAGS:
            self.text.append(" ")
        if tag in TOC_LEVELS and self._heading and self._heading[0] == tag:
            _tag, index, parts = self._heading
            title = " ".join("".join(parts).split())
            anchor = self._unique_id(slugify(title) or "section")
            self.out[index] = f'<{tag} id="{anchor}">'
            self.toc.append({"id": anchor, "text": title, "level": int(tag[1])})
            self._heading = None
        self.out.append(f"</{tag}>")

    def handle_data(self, data):
        self.out.append(escape(data, quote=False))
        self.text.append(data)
        if self._heading:
            self._heading[2].append(data)

    def _unique_id(self, base: str) -> str:
        candidate, n = base, 2
        while candidate in self.used_ids:
            candidate, n = f"{base}-{n}", n + 1
        self.used_ids.add(candidate)
        return candidate


def _attributes(attrs: dict) -> str:
    return "".join(
        f' {name}="{escape(str(value), quote=True)}"' for name, value in attrs.items()
    )


def _srcset(candidates: list) -> str:
    return ", ".join(f"{url} {width}w" for width, url in candidates)


def _picture(attrs: dict, image: dict) -> str:
    """A body image as its renditions: WebP with a JPEG fallback, like the hero.

    The original is never linked (full size, camera metadata). Width and height
    the editor wrote are kept (the author's display size); otherwise the
    largest rendition's, so the page does not jump as images load.
    """
    width, height = attrs.get("width") or "", attrs.get("height") or ""
    if width.isdigit() and height.isdigit() and int(width) and int(height):
        # Narrower than the column: that size, or the screen's width on phones.
        sizes = (
            f"(min-width: {width}px) {width}px, 100vw"
            if int(width) < BODY_COLUMN_PX
            else BODY_IMAGE_SIZES
        )
    else:
        width = image["jpeg"][-1][0]
        height = round(width * image["height"] / image["width"])
        sizes = BODY_IMAGE_SIZES
    # An <img> with no alt at all takes the body image's; alt="" stays decorative.
    alt = attrs["alt"] if attrs.get("alt") is not None else image.get("alt", "")
    source = _attributes(
        {"type": "image/webp", "srcset": _srcset(image["webp"]), "sizes": sizes}
    )
    img = _attributes(
        {
            "src": image["jpeg"][-1][1],
            "srcset": _srcset(image["jpeg"]),
            "sizes": sizes,
            "width": width,
            "height": height,
            "alt": alt,
            "loading": "lazy",
            "decoding": "async",
        }
    )
    webp = f"<source{source}>" if image.get("webp") else ""
    return f"<picture>{webp}<img{img}></picture>"


def image_sources(html: str) -> list[str]:
    """Return the src of every <img> in `html`, for render()'s `images`."""
    parser = _ImageSources()
    parser.feed(html or "")
    parser.close()
    return parser.sources


class _ImageSources(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.sources: list[str] = []

    def handle_starttag(self, tag, attrs):
        src = dict(attrs).get("src")
        if tag == "img" and src:
            self.sources.append(src)


def render(body: str, images: Mapping[str, dict] | None = None) -> Rendered:
    """Sanitize `body` and derive what its page shows.

    `images` maps <img> src values to renditions (blog.images.
    body_image_renditions): those images are served as their renditions.
    """
    clean = sanitize(body or "")
    deriver = _Deriver(images or {})
    deriver.feed(clean)
    deriver.close()
    # Search highlighting uses these private-use characters as markers.
    text = " ".join("".join(deriver.text).split()).translate(
        {0xE000: None, 0xE001: None}
    )
    words = len(text.split())
    return Rendered(
        clean_html=clean,
        html="".join(deriver.out),
        text=text,
        toc=deriver.toc,
        reading_minutes=max(1, math.ceil(words / WORDS_PER_MINUTE)),
        excerpt=Truncator(text).chars(280),
    )


def nest_toc(toc: list[dict]) -> list[dict]:
    """Return the flat table of contents with each h3 under the h2 before it.

    `Article.toc` keeps the flat list render() derives (one entry per heading,
    with its level), so rows saved before nesting need no migration: pages nest
    it here. Each top-level entry gets "children" (its h3s) and each h2 its
    "number", counting h2s only; an h3 before any h2 stays top-level.
    """
    nested: list[dict] = []
    h2s = 0
    for entry in toc:
        if entry.get("level") == 3 and nested and nested[-1].get("level") == 2:
            nested[-1]["children"].append(dict(entry))
            continue
        top = {**entry, "children": []}
        if entry.get("level") == 2:
            h2s += 1
            top["number"] = h2s
        nested.append(top)
    return nested
