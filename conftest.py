import pytest

from claims.tests.factories import UserFactory


@pytest.fixture
def fact_checker(db):
    return UserFactory(username="fact.checker", is_superuser=True)


@pytest.fixture
def checker_client(client, fact_checker):
    client.force_login(fact_checker)
    return client
