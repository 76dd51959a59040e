import pytest

from tests.booking.factories import TreatmentFactory, UserFactory


@pytest.fixture
def treatment(db):
    return TreatmentFactory(name="Botox Cosmetic", slug="botox")


@pytest.fixture
def front_desk_user(db):
    return UserFactory(username="frontdesk", groups=["Front desk"])


@pytest.fixture
def front_desk_client(client, front_desk_user):
    client.force_login(front_desk_user)
    return client
