"""People: the public sees editors' display names, never their login names (docs/security.md, "People").

A login name is half of a password guess. Editors with distinctive login names make a record
through the API; then every GET the API offers (from its schema), the public pages, the
ClaimReview feed and the exports are read as an anonymous client, a user without staff rights and
a superuser, and none of them may hold a login name.
"""

import io
from importlib import import_module

import pytest
from django.contrib.auth.models import User
from django.core.management import CommandError, call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.urls import URLResolver, get_resolver, resolve
from drf_spectacular.generators import SchemaGenerator
from rest_framework.test import APIClient

from claims.models import Profile
from tests.factories import logged_in, make_user

pytestmark = pytest.mark.django_db

LOGIN_NAMES = ["lgn-qx7-amal", "lgn-qx7-bruno", "lgn-qx7-chen"]


def as_user(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def created(response) -> int:
    assert response.status_code == 201, response.content
    return response.json()["id"]


@pytest.fixture
def record():
    """A small record made through the API by three editors, two with display names and one without."""
    amal = make_user(LOGIN_NAMES[0], groups=["senior editors"], is_staff=True, display_name="Amal Haddad")
    bruno = make_user(LOGIN_NAMES[1], groups=["editors"], is_staff=True, display_name="Bruno Keller")
    chen = make_user(LOGIN_NAMES[2], groups=["editors"], is_staff=True)  # no profile: 'Editor #<id>'
    a, b, c = as_user(amal), as_user(bruno), as_user(chen)
    ids = {
        "sources": created(a.post("/api/sources/", {"slug": "pmf", "name": "PMF", "kind": "armed_group"})),
        "topics": created(a.post("/api/topics/", {"slug": "al-bukamal", "name": "Al-Bukamal", "kind": "place"})),
    }
    body = "The monitor said militias crossed the border on Tuesday."
    ids["articles"] = created(
        b.post("/api/articles/", {"title": "Assault begins", "publisher": ids["sources"], "body": body})
    )
    claim = {
        "source": ids["sources"],
        "article": ids["articles"],
        "topics": [ids["topics"]],
        "claimed_on": "2017-11-08",
    }
    ids["claims"] = created(b.post("/api/claims/", {**claim, "text": "Militias crossed the border"}))
    denial = created(c.post("/api/claims/", {**claim, "text": "No militia crossed the border"}))
    ids["links"] = created(
        a.post("/api/links/", {"from_claim": denial, "to_claim": ids["claims"], "relation": "denies"})
    )
    ids["appearances"] = created(
        b.post("/api/appearances/", {"claim": ids["claims"], "article": ids["articles"], "exact": "militias crossed"})
    )
    created(b.post("/api/appearances/", {"claim": denial, "article": ids["articles"], "exact": "on Tuesday"}))
    ids["reviews"] = created(
        b.post("/api/reviews/", {"claim": ids["claims"], "rating": "mixed", "reviewed_on": "2017-11-10"})
    )
    created(c.post("/api/reviews/", {"claim": denial, "rating": "unproven", "reviewed_on": "2017-11-11"}))
    assert a.patch(f"/api/claims/{ids['claims']}/", {"status": "disputed"}).status_code == 200
    gone = created(a.post("/api/topics/", {"slug": "gone", "name": "Gone", "kind": "theme"}))
    assert a.delete(f"/api/topics/{gone}/").status_code == 204
    return {"ids": ids, "denial": denial, "deleted_topic": gone, "amal": amal, "bruno": bruno, "chen": chen}


def schema_get_paths() -> list[str]:
    schema = SchemaGenerator().get_schema(request=None, public=True)
    return sorted(path for path, operations in schema["paths"].items() if "get" in operations)


def urls_to_read(record) -> list[str]:
    """Every GET of the API's schema for the record, then the pages, exports and renderings outside it."""
    ids, urls = record["ids"], []
    for path in schema_get_paths():
        if path.startswith(("/api/tokens/", "/api/webhooks/")):
            continue  # a user's own tokens and webhook subscriptions (see NOT_READ)
        if "{id}" in path:
            resource = path.split("/")[2]
            urls.append(path.replace("{id}", str(ids[resource])))
            if resource == "claims":
                urls.append(path.replace("{id}", str(record["denial"])))
        elif path == "/api/claims/similar/":
            urls.append(path + "?text=Militias+crossed+the+border")
        else:
            urls.append(path)
    return [
        *urls,
        f"/api/topics/{record['deleted_topic']}/history/",  # history outlives the record
        "/api/claims/?format=csv",
        "/api/claims/?format=jsonl",
        "/api/claims/?format=api",
        f"/api/claims/{ids['claims']}/?format=api",
        f"/claims/{ids['claims']}/",
        f"/claims/{record['denial']}/",
        f"/articles/{ids['articles']}/",
        "/",
        "/api/",
        "/api/schema/",
        "/api/docs/",
        "/healthz",
    ]


def _routes(patterns, prefix=""):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            yield from _routes(pattern.url_patterns, prefix + str(pattern.pattern))
        else:
            yield prefix + str(pattern.pattern), pattern.name


# Routes outside the admin that answer no GET with a record's data, and why.
NOT_READ = {
    "api-token": "POST only (a password for a token)",
    "extract": "POST only (a text for drafts; nothing of the record but sources' names)",
    "article-extract": "POST only (drafts of the article's text)",
    "article-accept": "POST only (drafts to create)",
    "tokens-list": "a user's own tokens, to that user alone (tests/test_tokens.py)",
    "tokens-detail": "a user's own token, to that user alone (tests/test_tokens.py)",
    "webhooks-list": "a user's own webhook subscriptions, to that user alone (tests/test_webhooks.py reads the owner)",
    "webhooks-detail": "a user's own webhook subscription (tests/test_webhooks.py)",
    "webhooks-deliveries": "a subscription's deliveries, to its owner (no people in them)",
    "webhooks-replay": "POST only (a subscription's failed deliveries, sent again)",
    "webhooks-replay-delivery": "POST only (one delivery, sent again)",
    "webhooks-rotate-secret": "POST only (a subscription's new secret)",
    None: "the /api/ catch-all 404 and the / redirect",
}


def read(client, url) -> str:
    response = client.get(url)
    assert response.status_code in (200, 302), (url, response.status_code)
    body = b"".join(response.streaming_content) if response.streaming else response.content
    return body.decode() + "\n".join(f"{name}: {value}" for name, value in response.items())


@pytest.mark.parametrize("reader", ["anonymous", "norole", "superuser"])
def test_no_response_page_feed_or_export_holds_a_login_name(record, reader):
    client = {
        "anonymous": APIClient,
        "norole": lambda: as_user(make_user("plain-reader")),
        "superuser": lambda: as_user(make_user("chief", is_superuser=True, is_staff=True)),
    }[reader]()
    urls = urls_to_read(record)
    # Every route outside the admin is read: a new public page or endpoint is checked as soon as it exists.
    read_names = {resolve(url.split("?")[0]).url_name for url in urls}
    routes = {name for route, name in _routes(get_resolver().url_patterns) if not route.startswith("admin/")}
    assert sorted(routes - read_names - set(NOT_READ), key=str) == []

    everything = ""
    for url in urls:
        text = read(client, url)
        leaked = [name for name in LOGIN_NAMES if name.casefold() in text.casefold()]
        assert leaked == [], f"{url} shows the login names {leaked}"
        everything += text

    # Where an author is shown, it is by the display name.
    for shown in ("Amal Haddad", "Bruno Keller", f"Editor #{record['chen'].pk}"):
        assert shown in everything


def test_authors_are_shown_by_display_name_in_claims_reviews_and_history(record, client_anon):
    ids, bruno, chen = record["ids"], record["bruno"], record["chen"]
    claim = client_anon.get(f"/api/claims/{ids['claims']}/").json()
    assert claim["created_by"] == {"id": bruno.pk, "display_name": "Bruno Keller"}
    assert claim["reviews"][0]["reviewer"] == {"id": bruno.pk, "display_name": "Bruno Keller"}
    denial = client_anon.get(f"/api/claims/{record['denial']}/").json()
    assert denial["created_by"] == {"id": chen.pk, "display_name": f"Editor #{chen.pk}"}
    listed = {c["id"]: c["created_by"] for c in client_anon.get("/api/claims/").json()["results"]}
    assert listed[ids["claims"]]["display_name"] == "Bruno Keller"
    history = client_anon.get(f"/api/claims/{ids['claims']}/history/").json()["results"]
    assert [(entry["type"], entry["user"]["display_name"]) for entry in history] == [
        ("changed", "Amal Haddad"),
        ("created", "Bruno Keller"),
    ]


def test_the_schema_describes_an_editor_by_id_and_display_name():
    schema = SchemaGenerator().get_schema(request=None, public=True)
    editor = schema["components"]["schemas"]["Editor"]
    assert set(editor["properties"]) == {"id", "display_name"}
    claim = schema["components"]["schemas"]["Claim"]["properties"]["created_by"]
    assert "Editor" in str(claim)


def test_a_new_display_name_is_shown_at_once(record, client_anon):
    ids = record["ids"]
    assert client_anon.get(f"/api/claims/{ids['claims']}/").json()["created_by"]["display_name"] == "Bruno Keller"
    client = logged_in(record["bruno"])
    assert client.post("/admin/display-name/", {"display_name": "B. Keller"}).status_code == 302
    # The cached detail belongs to the database state before the change (claims.read_cache).
    assert client_anon.get(f"/api/claims/{ids['claims']}/").json()["created_by"]["display_name"] == "B. Keller"


# Setting the display name


def test_an_editor_sets_their_own_display_name_in_the_admin():
    editor = make_user("lgn-qx7-dana", groups=["editors"], is_staff=True)
    client = logged_in(editor)
    page = client.get("/admin/display-name/")
    assert page.status_code == 200
    assert f"Editor #{editor.pk}" in page.content.decode()

    response = client.post("/admin/display-name/", {"display_name": "Dana Rahim"})

    assert response.status_code == 302
    assert Profile.objects.get(user=editor).display_name == "Dana Rahim"
    assert client.post("/admin/display-name/", {"display_name": "Dana R."}).status_code == 302
    assert Profile.objects.get(user=editor).display_name == "Dana R."


def test_the_login_name_is_refused_as_a_display_name():
    editor = make_user("lgn-qx7-eli", groups=["editors"], is_staff=True)

    response = logged_in(editor).post("/admin/display-name/", {"display_name": "LGN-qx7-Eli"})

    assert response.status_code == 200
    assert "other than your login name" in response.content.decode()
    assert not Profile.objects.filter(user=editor).exists()


def test_only_staff_reach_the_display_name_page():
    response = logged_in(make_user("not-staff")).get("/admin/display-name/")
    assert response.status_code == 302 and response["Location"].startswith("/admin/login/")


def test_a_superuser_sets_an_editors_display_name_on_the_user_page():
    editor = make_user("lgn-qx7-fay", groups=["editors"], is_staff=True)
    boss = logged_in(make_user("boss", is_superuser=True, is_staff=True))
    data = {
        "username": editor.username,
        "is_active": "on",
        "is_staff": "on",
        "date_joined_0": editor.date_joined.strftime("%Y-%m-%d"),
        "date_joined_1": editor.date_joined.strftime("%H:%M:%S"),
        "profile-TOTAL_FORMS": "1",
        "profile-INITIAL_FORMS": "0",
        "profile-0-display_name": "Fay Okafor",
    }

    response = boss.post(f"/admin/auth/user/{editor.pk}/change/", data)

    assert response.status_code == 302, response.content.decode()[:2000]
    assert Profile.objects.get(user=editor).display_name == "Fay Okafor"
    # The users list shows staff both names.
    page = boss.get("/admin/auth/user/").content.decode()
    assert "lgn-qx7-fay" in page and "Fay Okafor" in page


def test_create_user_takes_a_display_name(capsys):
    call_command("create_user", "lgn-qx7-gus", "--role", "editor", "--display-name", "Gus Amari")
    assert Profile.objects.get(user__username="lgn-qx7-gus").display_name == "Gus Amari"
    assert "Gus Amari" in capsys.readouterr().out


def test_create_user_without_a_display_name_gives_editor_and_the_id():
    call_command("create_user", "lgn-qx7-hana", "--role", "editor", stdout=io.StringIO())
    user = User.objects.get(username="lgn-qx7-hana")
    assert user.profile.display_name == f"Editor #{user.pk}"


def test_create_user_refuses_the_login_name_as_display_name():
    with pytest.raises(CommandError, match="login name"):
        call_command("create_user", "lgn-qx7-ivo", "--role", "editor", "--display-name", "lgn-qx7-ivo")
    assert not User.objects.filter(username="lgn-qx7-ivo").exists()  # nothing half-made


def test_the_migration_gives_every_existing_user_a_display_name_that_is_not_the_login_name():
    make_user("lgn-qx7-jad", first_name="Jad", last_name="Salem")
    unnamed = make_user("lgn-qx7-kim")
    self_named = make_user("lgn-qx7-lee", first_name="lgn-qx7-lee")
    state_apps = MigrationExecutor(connection).loader.project_state(("claims", "0010_profile")).apps

    import_module("claims.migrations.0010_profile").give_everyone_a_display_name(state_apps, None)

    names = dict(Profile.objects.values_list("user__username", "display_name"))
    assert names == {
        "lgn-qx7-jad": "Jad Salem",
        "lgn-qx7-kim": f"Editor #{unnamed.pk}",
        "lgn-qx7-lee": f"Editor #{self_named.pk}",
    }


def test_the_change_feed_names_each_author_by_display_name(record, client_anon):
    entries = client_anon.get("/api/changes/", {"page_size": 500}).json()["results"]
    authors = {(entry["authorid"], entry["authorname"]) for entry in entries}
    amal, bruno, chen = record["amal"], record["bruno"], record["chen"]
    assert authors == {(amal.pk, "Amal Haddad"), (bruno.pk, "Bruno Keller"), (chen.pk, f"Editor #{chen.pk}")}
    deleted = [entry for entry in entries if entry["type"] == "topic.deleted"]
    assert [(entry["subject"], entry["authorname"]) for entry in deleted] == [
        (str(record["deleted_topic"]), "Amal Haddad")
    ]
