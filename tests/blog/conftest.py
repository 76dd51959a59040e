from importlib import import_module

import pytest

from tests.blog.factories import ArticleFactory, CategoryFactory
from tests.booking.factories import TreatmentFactory


@pytest.fixture
def category():
    return CategoryFactory(name="Injectables", slug="injectables")


@pytest.fixture
def treatment():
    return TreatmentFactory(name="Botox Cosmetic", slug="botox")


@pytest.fixture
def visibility_set(category):
    """One article of each state, all in the same category, all matching 'wrinkle'."""
    body = "<p>Wrinkle facts.</p>"
    return {
        "published": ArticleFactory(
            title="Published wrinkle", body=body, categories=[category]
        ),
        "draft": ArticleFactory(
            title="Draft wrinkle", body=body, draft=True, categories=[category]
        ),
        "scheduled": ArticleFactory(
            title="Scheduled wrinkle", body=body, scheduled=True, categories=[category]
        ),
    }


@pytest.fixture
def content_editors_group(db):
    """The group from the data migration; transactional tests flush it, so
    re-create it with the migration's own code when it is missing."""
    from django.apps import apps
    from django.contrib.auth.models import Group

    migration = import_module("blog.migrations.0003_content_editors_group")
    if not Group.objects.filter(name=migration.GROUP).exists():
        migration.create_group(apps, None)
    return Group.objects.get(name=migration.GROUP)
