import datetime
import xml.etree.ElementTree as ET
from datetime import timedelta

import pytest
from django.core.cache import caches
from django.db.models import F
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from blog.cache import site_version
from blog.models import Article
from booking import clinic
from booking.models import CalendarVersion, Location
from medspa.context_processors import clinic_details
from tests.blog.factories import ArticleFactory, CategoryFactory
from tests.booking.factories import TreatmentFactory, UserFactory

pytestmark = pytest.mark.django_db

SITEMAP_NS = "{http://www.sitemaps.org/schemas/sitemap/0.9}"


def public_surfaces(category):
    return [
        reverse("home"),
        reverse("blog:index"),
        reverse("blog:category", kwargs={"slug": category.slug}),
        reverse("blog:search") + "?q=wrinkle",
        reverse("blog:feed"),
        reverse("sitemap"),
    ]


def test_only_published_articles_appear_on_every_public_surface(
    client, visibility_set, category
):
    published = visibility_set["published"]
    for url in public_surfaces(category):
        body = client.get(url).content.decode()
        assert published.get_absolute_url() in body, url
        for hidden in ("draft", "scheduled"):
            assert visibility_set[hidden].get_absolute_url() not in body, (url, hidden)
            assert visibility_set[hidden].title not in body, (url, hidden)


def test_draft_and_scheduled_detail_pages_are_404_for_the_public(
    client, visibility_set
):
    assert client.get(visibility_set["published"].get_absolute_url()).status_code == 200
    assert client.get(visibility_set["draft"].get_absolute_url()).status_code == 404
    assert client.get(visibility_set["scheduled"].get_absolute_url()).status_code == 404


def test_scheduled_article_goes_public_when_its_time_comes(client, visibility_set):
    scheduled = visibility_set["scheduled"]
    Article.objects.filter(pk=scheduled.pk).update(
        published_at=timezone.now() - timedelta(seconds=1)
    )
    assert client.get(scheduled.get_absolute_url()).status_code == 200
    assert scheduled.title in client.get(reverse("blog:index")).content.decode()
    assert (
        scheduled.get_absolute_url() in client.get(reverse("sitemap")).content.decode()
    )


def test_staff_without_article_permission_cannot_preview(
    client, django_user_model, visibility_set
):
    client.force_login(django_user_model.objects.create_user("desk", is_staff=True))
    assert client.get(visibility_set["draft"].get_absolute_url()).status_code == 404


def test_a_password_alone_does_not_preview_drafts(visibility_set):
    editor = UserFactory(username="editor", groups=["Content editors"])
    TOTPDevice.objects.create(user=editor, name="Phone", confirmed=True)
    client = Client()
    client.post(
        reverse("admin:login"),
        {"username": "editor", "password": "correct horse battery staple"},
    )
    assert client.get(visibility_set["draft"].get_absolute_url()).status_code == 404


def test_staff_can_preview_drafts(admin_client, visibility_set):
    response = admin_client.get(visibility_set["draft"].get_absolute_url())
    assert response.status_code == 200
    body = response.content.decode()
    assert "Staff preview" in body
    assert '<meta name="robots" content="noindex">' in body
    assert "MedicalWebPage" not in body


def test_list_shows_cards_newest_first_and_paginates_by_twelve(client):
    for days in range(14):
        ArticleFactory(
            title=f"Day {days} article",
            published_at=timezone.now() - timedelta(days=days + 1),
        )
    first = client.get(reverse("blog:index"))
    titles = [a.title for a in first.context["article_list"]]
    assert len(titles) == 12
    assert titles[0] == "Day 0 article"
    body = first.content.decode()
    assert "Read more" in body and "min read" in body
    second = client.get(reverse("blog:index") + "?page=2")
    assert len(second.context["article_list"]) == 2
    assert "?page=2" in second.content.decode()  # canonical keeps the page


def test_detail_page_shows_article_parts(client, category, treatment):
    article = ArticleFactory(
        with_hero=True,
        treatment=treatment,
        categories=[category],
        body="<h2>A</h2><p>x</p><h2>B</h2><p>y</p><h3>C</h3><p>z</p>",
        references="FDA label | https://www.fda.gov/label",
        reviewed_on=datetime.date(2026, 11, 2),
    )
    related = ArticleFactory(categories=[category])
    response = client.get(article.get_absolute_url())
    body = response.content.decode()
    assert "<h1>" + article.title + "</h1>" in body
    assert "Medically reviewed by <strong>Ada Example, MD</strong>" in body
    assert 'type="image/webp"' in body and 'width="1200" height="675"' in body
    assert 'alt="A calm abstract picture"' in body
    assert 'fetchpriority="high"' in body  # the hero is above the fold
    assert 'class="toc' in body and 'href="#a"' in body
    assert "Educational, not medical advice" in body
    assert 'href="https://www.fda.gov/label"' in body
    assert related.get_absolute_url() in body
    book = reverse("booking:request") + f"?treatment=botox&amp;article={article.slug}"
    assert book in body
    assert '"@type": "MedicalWebPage"' in body and '"reviewedBy"' in body
    assert '<meta property="og:type" content="article">' in body
    assert (
        f'<link rel="canonical" href="http://testserver{article.get_absolute_url()}">'
        in body
    )


def test_toc_only_with_three_headings(client):
    article = ArticleFactory(body="<h2>A</h2><p>x</p><h2>B</h2>")
    assert 'class="toc' not in client.get(article.get_absolute_url()).content.decode()


def test_book_link_without_treatment_carries_only_the_article(client):
    article = ArticleFactory(treatment=None)
    body = client.get(article.get_absolute_url()).content.decode()
    assert f'href="{reverse("booking:request")}?article={article.slug}"' in body


def test_related_articles_prefer_the_same_category(client):
    mine, other = CategoryFactory(), CategoryFactory()
    article = ArticleFactory(categories=[mine])
    same = ArticleFactory(
        categories=[mine], published_at=timezone.now() - timedelta(days=30)
    )
    newer_other = [ArticleFactory(categories=[other]) for _ in range(3)]
    response = client.get(article.get_absolute_url())
    related = list(response.context["related_articles"])
    assert related[0] == same
    assert len(related) == 3 and article not in related
    assert set(related[1:]) <= set(newer_other)


def test_json_ld_cannot_break_out_of_its_script(client):
    article = ArticleFactory(title="</script><script>alert(1)</script>")
    body = client.get(article.get_absolute_url()).content.decode()
    assert "</script><script>alert(1)" not in body
    assert "\\u003C/script\\u003E" in body


def test_every_page_has_seo_tags_and_clinic_json_ld(client, visibility_set, category):
    for url in public_surfaces(category)[:4]:
        body = client.get(url).content.decode()
        assert "<title>" in body and '<meta name="description"' in body
        assert '<link rel="canonical"' in body and 'property="og:title"' in body
        assert 'name="twitter:card"' in body
        assert '"@type": "MedicalBusiness"' in body and '"telephone"' in body
        # A data block never runs, so it needs no CSP nonce (and cached pages
        # would carry a stale one).
        assert '<script type="application/ld+json">' in body


def test_unknown_category_is_404(client):
    assert (
        client.get(reverse("blog:category", kwargs={"slug": "nope"})).status_code == 404
    )


@pytest.mark.parametrize(
    "query", ["", "   ", "the", "!!!", "'; DROP TABLE blog_article; --", "\x00x",
              "a" * 5000, '"unclosed', "-", "or or or"]
)  # fmt: skip
def test_search_handles_empty_and_junk_queries_kindly(client, query):
    ArticleFactory(title="Dysport explained")
    response = client.get(reverse("blog:search"), {"q": query})
    assert response.status_code == 200
    assert Article.objects.count() == 1


def test_feed_is_valid_rss_with_published_items_only(client, visibility_set):
    response = client.get(reverse("blog:feed"))
    assert response["Content-Type"].startswith("application/rss+xml")
    channel = ET.fromstring(response.content).find("channel")
    items = channel.findall("item")
    assert [i.findtext("title") for i in items] == ["Published wrinkle"]
    assert (
        items[0]
        .findtext("link")
        .endswith(visibility_set["published"].get_absolute_url())
    )
    assert items[0].findtext("pubDate")


def test_sitemap_is_valid_and_lists_articles_categories_treatments_pages(
    client, visibility_set, category
):
    active = TreatmentFactory(slug="botox")
    inactive = TreatmentFactory(slug="retired", is_active=False)
    empty_category = CategoryFactory(slug="empty")
    response = client.get(reverse("sitemap"))
    assert response["Content-Type"].startswith("application/xml")
    root = ET.fromstring(response.content)
    locs = {u.findtext(f"{SITEMAP_NS}loc").removeprefix("http://testserver")
            for u in root.findall(f"{SITEMAP_NS}url")}  # fmt: skip
    assert {
        "/", reverse("blog:index"), reverse("booking:treatment-list"),
        visibility_set["published"].get_absolute_url(), category.get_absolute_url(),
        active.get_absolute_url(),
    } <= locs  # fmt: skip
    assert inactive.get_absolute_url() not in locs
    assert empty_category.get_absolute_url() not in locs
    assert visibility_set["draft"].get_absolute_url() not in locs


def test_robots_txt_points_at_the_sitemap(client):
    response = client.get("/robots.txt")
    assert response["Content-Type"].startswith("text/plain")
    assert "Sitemap: http://testserver/sitemap.xml" in response.content.decode()


def test_home_shows_the_latest_three(client):
    articles = [
        ArticleFactory(published_at=timezone.now() - timedelta(days=d))
        for d in range(1, 6)
    ]
    body = client.get(reverse("home")).content.decode()
    for article in articles[:3]:
        assert article.get_absolute_url() in body
    for article in articles[3:]:
        assert article.get_absolute_url() not in body


def make_articles(count, categories_per_article=3):
    categories = [CategoryFactory() for _ in range(categories_per_article)]
    treatment = TreatmentFactory()
    for _ in range(count):
        ArticleFactory(with_hero=True, categories=categories, treatment=treatment)


@pytest.mark.parametrize("size", [2, 15])
def test_list_query_count_is_fixed(client, django_assert_num_queries, size):
    make_articles(size)
    # The footer's location is read at most once a second per process
    # (medspa.context_processors); count the pages' own queries.
    clinic_details()
    with django_assert_num_queries(
        4
    ):  # site version (page cache), count, page, categories
        client.get(reverse("blog:index"))
    category = CategoryFactory()
    for article in Article.objects.all():
        article.categories.add(category)
    with django_assert_num_queries(5):  # + the category itself
        client.get(reverse("blog:category", kwargs={"slug": category.slug}))
    # The site version; the results; the cards not rendered yet.
    with django_assert_num_queries(3):
        client.get(reverse("blog:search"), {"q": "article"})
    with django_assert_num_queries(2):  # the cards are kept
        client.get(reverse("blog:search"), {"q": "number"})


@pytest.mark.parametrize("size", [2, 15])
def test_detail_query_count_is_fixed(client, django_assert_num_queries, size):
    make_articles(size, categories_per_article=size)
    article = Article.objects.first()
    caches["pages"].clear()
    clinic_details()  # the footer's location, read once a second per process
    # Cold: site version, article+treatment, categories, related.
    with django_assert_num_queries(4):
        response = client.get(article.get_absolute_url())
    assert response.status_code == 200
    # Warm: only the freshness check; the rendered page comes from the cache.
    with django_assert_num_queries(1):
        cached = client.get(article.get_absolute_url())
    assert cached.content == response.content


def test_published_edit_shows_at_once_despite_page_cache(client):
    article = ArticleFactory(title="Before the edit")
    assert "Before the edit" in client.get(article.get_absolute_url()).text
    article.title = "After the edit"
    article.save()
    assert "After the edit" in client.get(article.get_absolute_url()).text


def test_related_list_drops_an_unpublished_article_at_once_despite_page_cache(client):
    category = CategoryFactory()
    reader = ArticleFactory(categories=[category])
    other = ArticleFactory(title="Soon to be withdrawn", categories=[category])
    assert "Soon to be withdrawn" in client.get(reader.get_absolute_url()).text
    other.status = Article.Status.DRAFT
    other.save()
    assert "Soon to be withdrawn" not in client.get(reader.get_absolute_url()).text


def test_unpublished_article_is_gone_at_once_despite_page_cache(client):
    article = ArticleFactory()
    assert client.get(article.get_absolute_url()).status_code == 200
    article.status = Article.Status.DRAFT
    article.save()
    assert client.get(article.get_absolute_url()).status_code == 404


@pytest.mark.parametrize("size", [2, 15])
def test_feed_and_sitemap_query_counts_are_fixed(
    client, django_assert_num_queries, size
):
    make_articles(size)
    with django_assert_num_queries(2):  # articles, categories
        client.get(reverse("blog:feed"))
    # The static pages need none; each model sitemap counts, then reads a page.
    with django_assert_num_queries(6):
        client.get(reverse("sitemap"))


@pytest.mark.parametrize("change", ["treatment", "category", "reviewer", "location"])
def test_what_else_the_page_shows_is_fresh_despite_page_cache(client, change):
    treatment = TreatmentFactory(name="Botox Cosmetic", slug="botox")
    category = CategoryFactory(name="Injectables")
    article = ArticleFactory(
        treatment=treatment, categories=[category], reviewed_on=timezone.localdate()
    )
    # The footer shows the first active location: make it this one (migration
    # 0008 may have made one from the settings).
    Location.objects.all().delete()
    location = Location.objects.create(
        name="Springfield",
        street="1 Main St",
        city="Springfield",
        postal_code="62701",
        time_zone="America/New_York",
    )
    client.get(article.get_absolute_url())  # cached now
    if change == "treatment":
        treatment.name = "Botox Cosmetic (onabotulinumtoxinA)"
        treatment.save()
        expected = "Book Botox Cosmetic (onabotulinumtoxinA)"
    elif change == "category":
        category.name = "Neuromodulators"
        category.save()
        expected = "Neuromodulators"
    elif change == "reviewer":
        article.review.reviewer.name = "Ada Example-Jones"
        article.review.reviewer.save()
        expected = "Ada Example-Jones, MD"
    else:
        location.street = "2 Garden Street"
        location.save()
        # The footer's own one-second cache of the clinic's details lapses.
        caches[clinic.CACHE_ALIAS].delete(clinic.CACHE_KEY)
        expected = "2 Garden Street"
    assert expected in client.get(article.get_absolute_url()).content.decode()


def test_a_booking_leaves_article_pages_cached():
    ArticleFactory()
    before = site_version()
    CalendarVersion.objects.update(value=F("value") + 1)  # what a booking does
    assert site_version() == before
