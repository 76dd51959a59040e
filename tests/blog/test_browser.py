import pytest
from django.urls import reverse

from blog.models import Article
from tests.blog.factories import ArticleFactory, CategoryFactory
from tests.booking.factories import TreatmentFactory

# Groups a flush removes come back through the autouse _staff_groups fixture.
pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
]


@pytest.fixture
def site():
    category = CategoryFactory(name="Injectables", slug="injectables")
    treatment = TreatmentFactory(name="Botox Cosmetic", slug="botox")
    article = ArticleFactory(
        title="How neuromodulators soften lines",
        slug="how-neuromodulators-soften-lines",
        with_hero=True,
        treatment=treatment,
        categories=[category],
        body="<h2>What</h2><p>Botox blocks acetylcholine.</p><h2>When</h2>"
        "<ul><li>3 to 7 days</li></ul><h2>Side effects</h2><p>Bruising.</p>",
        references="FDA prescribing information: BOTOX Cosmetic",
    )
    for n in range(4):
        ArticleFactory(title=f"Other botox article {n}", categories=[category])
    return {"category": category, "treatment": treatment, "article": article}


def test_reader_follows_book_from_an_article_to_the_booking_form(
    live_server, page, site
):
    article = site["article"]
    page.goto(live_server.url + reverse("blog:index"))
    page.get_by_role("link", name=article.title, exact=True).click()
    page.wait_for_url(live_server.url + article.get_absolute_url())
    page.locator("main article").get_by_role("link", name="Book Botox Cosmetic").click()
    page.wait_for_url("**/book/request/?*")
    assert page.get_by_role("heading", level=1).inner_text() == "Request an appointment"
    assert page.get_by_label("Treatment").input_value() == "botox"
    # The form carries the article along, whatever its hidden field is called.
    carried = page.locator(f'form input[type=hidden][value="{article.slug}"]')
    assert carried.count() == 1


@pytest.mark.parametrize("width", [320, 390])
def test_article_page_fits_small_phones(live_server, browser, site, width):
    context = browser.new_context(viewport={"width": width, "height": 800})
    page = context.new_page()
    for url in (site["article"].get_absolute_url(), reverse("blog:index")):
        page.goto(live_server.url + url)
        root = "document.documentElement"
        overflow = page.evaluate(f"{root}.scrollWidth - {root}.clientWidth")
        assert overflow <= 0, url
    context.close()


def test_editor_writes_headings_and_lists_without_html(
    live_server, page, django_user_model, sign_in_to_admin
):
    django_user_model.objects.create_superuser(
        "editor", "e@example.com", "pw-for-tests-only"
    )
    errors = []
    page.on("console", lambda msg: msg.type == "error" and errors.append(msg.text))
    sign_in_to_admin(page, "editor", "pw-for-tests-only")
    page.goto(live_server.url + reverse("admin:blog_article_add"))
    page.fill("#id_title", "Typed in the editor")
    page.fill("#id_author_name", "Clinic team")
    editor = page.locator(".blog-editor")
    editor.click()
    page.keyboard.type("Section title")
    page.get_by_role("button", name="Heading", exact=True).click()
    page.keyboard.press("End")
    page.keyboard.press("Enter")
    page.keyboard.type("First point")
    page.get_by_role("button", name="Bulleted list").click()
    page.click("input[name=_save]")
    page.wait_for_url("**/admin/blog/article/")
    article = Article.objects.get(slug="typed-in-the-editor")
    assert '<h2 id="section-title">Section title</h2>' in article.body_html
    assert "<ul><li>First point" in article.body_html
    assert not [e for e in errors if "Content Security Policy" in e]
