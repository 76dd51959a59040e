import pytest

from tests.blog.factories import ArticleFactory, CategoryFactory


@pytest.fixture
def category():
    return CategoryFactory(name="Injectables", slug="injectables")


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
