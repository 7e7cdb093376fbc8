import pytest
from django.core.cache import cache
from django.core.management import call_command
from rest_framework.test import APIClient

from claims.extraction import dictionary
from tests.factories import make_user


@pytest.fixture
def client_anon():
    """An API client with no credentials."""
    return APIClient()


def _client_for(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.fixture
def editor():
    return make_user("editor", groups=["editors"])


@pytest.fixture
def client_editor(editor):
    """An API client logged in as a member of the editors group."""
    return _client_for(editor)


@pytest.fixture
def client_norole():
    """An API client logged in as a user with no group and no permissions."""
    return _client_for(make_user("norole"))


@pytest.fixture
def superuser():
    return make_user("boss", is_superuser=True, is_staff=True)


@pytest.fixture
def client_super(superuser):
    return _client_for(superuser)


@pytest.fixture(autouse=True)
def _fresh_extraction_dictionary():
    # Kept per process under a fingerprint of the sources (count, largest id, versions): a test's rollback
    # gives the next test the same ids again, so one test's dictionary could pass for another's.
    dictionary._kept.clear()


@pytest.fixture(autouse=True)
def _fresh_throttle_counts():
    # Throttle counters live in the cache: each test starts as a client that has sent nothing.
    cache.clear()


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    # Real hashing costs ~0.2 s a user; tests check behaviour, not hash strength.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def demo(db):
    """The demo record: the Reuters report of 2017-11-08 (fixtures/albu_kamal_2017.json)."""
    call_command("loaddata", "albu_kamal_2017", verbosity=0)
