from datetime import date, timedelta

import pytest
from django.urls import reverse

from blog.models import HERO_ALT_REQUIRED, Article
from tests.blog.factories import ArticleFactory, CategoryFactory, image_file

pytestmark = pytest.mark.django_db


@pytest.fixture
def editor_client(client, django_user_model, content_editors_group):
    user = django_user_model.objects.create_user("writer", is_staff=True)
    user.groups.add(content_editors_group)
    client.force_login(user)
    return client


def test_changelist_shows_state_categories_and_stale_reviews(admin_client):
    category = CategoryFactory(name="Safety")
    ArticleFactory(title="Fresh", categories=[category], reviewed_on=date.today())
    ArticleFactory(title="Old", draft=True)
    ArticleFactory(title="Later", scheduled=True, reviewed_on=date.today())
    ArticleFactory(title="Lapsed", reviewed_on=date.today() - timedelta(days=400))
    response = admin_client.get(reverse("admin:blog_article_changelist"))
    body = response.content.decode()
    assert response.status_code == 200
    for text in ("Fresh", "Safety", "Published", "Draft", "Scheduled"):
        assert text in body
    assert "never reviewed" in body and "review older than 12 months" in body
    due = admin_client.get(reverse("admin:blog_article_changelist"), {"review": "due"})
    assert {a.title for a in due.context["cl"].result_list} == {"Old", "Lapsed"}
    found = admin_client.get(reverse("admin:blog_article_changelist"), {"q": "Fresh"})
    assert [a.title for a in found.context["cl"].result_list] == ["Fresh"]


def test_changelist_query_count_does_not_grow(
    admin_client, django_assert_max_num_queries
):
    categories = [CategoryFactory() for _ in range(3)]
    for n in range(20):
        # Reviewed ones too: the review column must not cost a query per row.
        ArticleFactory(
            categories=categories, reviewed_on=date.today() if n % 2 else None
        )
    with django_assert_max_num_queries(12):
        admin_client.get(reverse("admin:blog_article_changelist"))


def test_add_form_uses_the_rich_text_editor(admin_client):
    body = admin_client.get(reverse("admin:blog_article_add")).content.decode()
    assert "js/blog-editor.js" in body and 'class="js-rich-text"' in body


def test_saving_through_the_admin_sanitizes_the_body(admin_client):
    category = CategoryFactory()
    response = admin_client.post(
        reverse("admin:blog_article_add"),
        {
            "title": "Admin article",
            "slug": "admin-article",
            "summary": "",
            "body": '<h2>Hi</h2><p onclick="x()">Body<script>alert(1)</script></p>',
            "categories": [category.pk],
            "author_name": "Clinic team",
            "status": "published",
            "hero_image": image_file(),
            "hero_alt": "An abstract picture",
        },
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    article = Article.objects.get(slug="admin-article")
    assert article.body == "<h2>Hi</h2><p>Body</p>"
    assert article.published_at is not None
    assert article.hero_renditions["jpeg"]


def test_admin_requires_alt_text_for_the_hero(admin_client):
    response = admin_client.post(
        reverse("admin:blog_article_add"),
        {
            "title": "No alt",
            "slug": "no-alt",
            "body": "<p>x</p>",
            "author_name": "Clinic team",
            "status": "draft",
            "hero_image": image_file(),
            "hero_alt": "",
        },
    )
    assert response.status_code == 200
    form = response.context["adminform"].form
    # Next to the field, and only there (not again as the constraint's error).
    assert form.errors["hero_alt"] == [str(HERO_ALT_REQUIRED)]
    assert not form.non_field_errors()
    assert str(HERO_ALT_REQUIRED) in response.content.decode()
    assert not Article.objects.exists()


def test_admin_rejects_an_image_that_is_too_small(admin_client):
    response = admin_client.post(
        reverse("admin:blog_article_add"),
        {
            "title": "Small",
            "slug": "small",
            "body": "<p>x</p>",
            "author_name": "Clinic team",
            "status": "draft",
            "hero_image": image_file(300, 200),
            "hero_alt": "Tiny",
        },
    )
    assert "hero_image" in response.context["adminform"].form.errors


def test_content_editors_manage_articles_and_nothing_in_bookings(editor_client):
    assert editor_client.get(reverse("admin:blog_article_add")).status_code == 200
    assert editor_client.get(reverse("admin:blog_category_add")).status_code == 200
    assert editor_client.get(reverse("admin:blog_bodyimage_add")).status_code == 200
    index = editor_client.get(reverse("admin:index")).content.decode()
    assert "/admin/booking/" not in index
    for name in ("treatment", "appointmentrequest"):
        url = reverse(f"admin:booking_{name}_changelist")
        assert editor_client.get(url).status_code == 403, name


def test_content_editors_group_has_only_blog_permissions(content_editors_group):
    group = content_editors_group
    apps = set(group.permissions.values_list("content_type__app_label", flat=True))
    assert apps == {"blog"}
    assert group.permissions.filter(codename="change_article").exists()


def test_staff_preview_link_from_admin(admin_client):
    draft = ArticleFactory(draft=True)
    change = admin_client.get(reverse("admin:blog_article_change", args=[draft.pk]))
    assert "View on site" in change.content.decode()
    assert admin_client.get(draft.get_absolute_url()).status_code == 200


def test_group_migration_works_on_a_fresh_database():
    from importlib import import_module

    from django.contrib.auth.models import Group, Permission
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    migration = import_module("blog.migrations.0003_content_editors_group")
    Group.objects.filter(name=migration.GROUP).delete()
    Permission.objects.filter(content_type__app_label="blog").delete()
    state = MigrationExecutor(connection).loader.project_state(
        migration.Migration.dependencies
    )
    migration.create_group(state.apps, None)
    group = Group.objects.get(name=migration.GROUP)
    assert group.permissions.count() == 12
