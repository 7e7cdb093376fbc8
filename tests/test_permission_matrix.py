"""The permission matrix: every endpoint and method, for every role, one test per cell.

The tables in this file are the specification, written by hand: what each role gets from each
endpoint. They are never computed from the code under test. Separate tests enumerate the API
from its OpenAPI schema and URL conf, and the admin from its registered model admins, and fail
when an endpoint or page has no row here: a new endpoint must be specified before it ships.

A cell is a status code, with `+` when the request must write (and the test then checks what it
wrote). For every other cell the test checks that nothing changed: every row of every claims
table and history table, and of the users, groups, tokens and admin log.

Roles (claims/roles.py): `editors` add and change; `senior editors` also delete and set or lift
the verdict statuses confirmed and refuted (`claims.set_final_status`); superusers do anything.
Editors and senior editors are staff, as `manage.py create_user` makes them. API requests send a
token of the admin scope, so that the role alone decides; what each token scope allows has its own
table (SCOPE_MATRIX), over every unsafe method of every path.
"""

import datetime
import json
from dataclasses import dataclass
from functools import cached_property

import pytest
from django.apps import apps
from django.contrib import admin
from django.contrib.admin.models import LogEntry
from django.contrib.auth.models import Group, User
from django.contrib.messages import get_messages
from django.db import connection
from django.test import Client
from django.urls import NoReverseMatch, URLPattern, URLResolver, get_resolver, resolve, reverse
from django.utils import timezone
from drf_spectacular.generators import SchemaGenerator
from rest_framework.test import APIClient

from claims.anchoring import describe as describe_anchor
from claims.events.models import Change
from claims.models import Appearance, Article, Claim, ClaimLink, Review, Source, Topic, display_name_of
from claims.tokens.models import ApiToken
from claims.tokens.services import token_issue
from claims.webhooks.models import Delivery, Subscription
from tests.factories import (
    claim_form_data,
    make_article,
    make_claim,
    make_link,
    make_review,
    make_source,
    make_topic,
    make_user,
)

pytestmark = pytest.mark.django_db

# A public address as such: saving a subscription resolves no name (and the machines have no DNS).
WEBHOOK_URL = "https://93.184.215.14/hooks"
PASSWORD = "pw-for-tests-9"  # what tests.factories.make_user gives every user
NEW_PASSWORD = "An0ther-pass-for-tests"

API_ROLES = ["anonymous", "norole", "editor", "senior", "superuser"]
ADMIN_ROLES = ["anonymous", "norole", "staff", "editor", "senior", "superuser"]


@dataclass(frozen=True)
class Cell:
    status: int
    writes: bool

    def __str__(self):
        return f"{self.status}{'+' if self.writes else ''}"


def parse_table(text: str, keys: int, roles: list[str]) -> list[tuple[list[str], dict[str, Cell]]]:
    """Rows of a specification table: `keys` leading columns, then one cell per role."""
    rows = []
    for line in text.strip().splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        columns = line.split()
        assert len(columns) == keys + len(roles), f"malformed row: {line!r}"
        cells = {
            role: Cell(int(cell.rstrip("+")), cell.endswith("+"))
            for role, cell in zip(roles, columns[keys:], strict=True)
        }
        rows.append((columns[:keys], cells))
    return rows


# ---------------------------------------------------------------------------------------------
# The API: every (path, method) of the OpenAPI schema, and the pages outside it.
# ---------------------------------------------------------------------------------------------

API_MATRIX = """
# name                method  path                            anonymous norole editor senior superuser
sources-list          GET     /api/sources/                   200  200  200   200   200
sources-list          POST    /api/sources/                   401  403  201+  201+  201+
sources-detail        GET     /api/sources/{id}/              200  200  200   200   200
sources-detail        PUT     /api/sources/{id}/              401  403  200+  200+  200+
sources-detail        PATCH   /api/sources/{id}/              401  403  200+  200+  200+
sources-detail        DELETE  /api/sources/{id}/              401  403  403   204+  204+
sources-history       GET     /api/sources/{id}/history/      200  200  200   200   200
sources-record        GET     /api/sources/{id}/record/       200  200  200   200   200

articles-list         GET     /api/articles/                  200  200  200   200   200
articles-list         POST    /api/articles/                  401  403  201+  201+  201+
articles-detail       GET     /api/articles/{id}/             200  200  200   200   200
articles-detail       PUT     /api/articles/{id}/             401  403  200+  200+  200+
articles-detail       PATCH   /api/articles/{id}/             401  403  200+  200+  200+
articles-detail       DELETE  /api/articles/{id}/             401  403  403   204+  204+
articles-history      GET     /api/articles/{id}/history/     200  200  200   200   200
articles-annotations  GET     /api/articles/{id}/annotations/ 200  200  200   200   200
# Accepting drafts adds claims, sources, anchors and links: it needs the right to add each.
articles-accept       POST    /api/articles/{id}/accept/      401  403  201+  201+  201+
# Extraction writes nothing, but its drafts exist to be accepted: the same rights.
articles-extract      POST    /api/articles/{id}/extract/     401  403  200   200   200
extract               POST    /api/extract/                   401  403  200   200   200

topics-list           GET     /api/topics/                    200  200  200   200   200
topics-list           POST    /api/topics/                    401  403  201+  201+  201+
topics-detail         GET     /api/topics/{id}/               200  200  200   200   200
topics-detail         PUT     /api/topics/{id}/               401  403  200+  200+  200+
topics-detail         PATCH   /api/topics/{id}/               401  403  200+  200+  200+
topics-detail         DELETE  /api/topics/{id}/               401  403  403   204+  204+
topics-history        GET     /api/topics/{id}/history/       200  200  200   200   200

claims-list           GET     /api/claims/                    200  200  200   200   200
claims-list           POST    /api/claims/                    401  403  201+  201+  201+
claims-detail         GET     /api/claims/{id}/               200  200  200   200   200
claims-detail         PUT     /api/claims/{id}/               401  403  200+  200+  200+
claims-detail         PATCH   /api/claims/{id}/               401  403  200+  200+  200+
claims-detail         DELETE  /api/claims/{id}/               401  403  403   204+  204+
claims-history        GET     /api/claims/{id}/history/       200  200  200   200   200
claims-thread         GET     /api/claims/{id}/thread/        200  200  200   200   200
claims-similar        GET     /api/claims/{id}/similar/       200  200  200   200   200
claims-claimreview    GET     /api/claims/{id}/claimreview/   200  200  200   200   200
claims-annotation     GET     /api/claims/{id}/annotation/    200  200  200   200   200
claims-similar_text   GET     /api/claims/similar/            200  200  200   200   200

links-list            GET     /api/links/                     200  200  200   200   200
links-list            POST    /api/links/                     401  403  201+  201+  201+
links-detail          GET     /api/links/{id}/                200  200  200   200   200
links-detail          PUT     /api/links/{id}/                401  403  200+  200+  200+
links-detail          PATCH   /api/links/{id}/                401  403  200+  200+  200+
links-detail          DELETE  /api/links/{id}/                401  403  403   204+  204+
links-history         GET     /api/links/{id}/history/        200  200  200   200   200

reviews-list          GET     /api/reviews/                   200  200  200   200   200
reviews-list          POST    /api/reviews/                   401  403  201+  201+  201+
reviews-detail        GET     /api/reviews/{id}/              200  200  200   200   200
reviews-detail        PUT     /api/reviews/{id}/              401  403  200+  200+  200+
reviews-detail        PATCH   /api/reviews/{id}/              401  403  200+  200+  200+
reviews-detail        DELETE  /api/reviews/{id}/              401  403  403   204+  204+
reviews-history       GET     /api/reviews/{id}/history/      200  200  200   200   200
reviews-claimreview   GET     /api/reviews/{id}/claimreview/  200  200  200   200   200

appearances-list      GET     /api/appearances/               200  200  200   200   200
appearances-list      POST    /api/appearances/               401  403  201+  201+  201+
appearances-detail    GET     /api/appearances/{id}/          200  200  200   200   200
appearances-detail    PUT     /api/appearances/{id}/          401  403  200+  200+  200+
appearances-detail    PATCH   /api/appearances/{id}/          401  403  200+  200+  200+
appearances-detail    DELETE  /api/appearances/{id}/          401  403  403   204+  204+
appearances-history   GET     /api/appearances/{id}/history/  200  200  200   200   200

claimreview-feed      GET     /api/claimreview/               200  200  200   200   200
# The change feed is public, as the lists and every record's history (deletions included) are.
change-feed           GET     /api/changes/                   200  200  200   200   200
# Anyone may ask for a token: each role posts its own name and password and gets a new token;
# anonymous posts a wrong password.
auth-token            POST    /api/auth/token/                401  200+ 200+  200+  200+
# A user's own tokens, whatever the role (the detail rows act on a spare token of the actor's own).
tokens-list           GET     /api/tokens/                    401  200  200   200   200
tokens-list           POST    /api/tokens/                    401  201+ 201+  201+  201+
tokens-detail         GET     /api/tokens/{id}/               401  200  200   200   200
tokens-detail         DELETE  /api/tokens/{id}/               401  204+ 204+  204+  204+

# Webhook subscriptions: the webhook permissions (senior editors) for one's own, superusers everyone's.
# The target is the senior editor's subscription, with one failed delivery (which replays rewrite).
webhooks-list           GET   /api/webhooks/                  401  403  403   200   200
webhooks-list           POST  /api/webhooks/                  401  403  403   201+  201+
webhooks-detail         GET   /api/webhooks/{id}/             401  403  403   200   200
webhooks-detail         PUT   /api/webhooks/{id}/             401  403  403   200+  200+
webhooks-detail         PATCH /api/webhooks/{id}/             401  403  403   200+  200+
webhooks-detail         DELETE /api/webhooks/{id}/            401  403  403   204+  204+
webhooks-deliveries     GET   /api/webhooks/{id}/deliveries/  401  403  403   200   200
webhooks-replay         POST  /api/webhooks/{id}/replay/      401  403  403   200+  200+
webhooks-replay-delivery POST /api/webhooks/{id}/deliveries/{delivery_id}/replay/ 401 403 403 200+ 200+
webhooks-rotate-secret  POST  /api/webhooks/{id}/rotate-secret/ 401 403 403 200+  200+

# Outside the schema (URL conf only): the redirect to the API, its root, schema, docs, public page.
root                  GET     /                               302  302  302   302   302
api-root              GET     /api/                           200  200  200   200   200
api-schema            GET     /api/schema/                    200  200  200   200   200
api-docs              GET     /api/docs/                      200  200  200   200   200
claim-page            GET     /claims/{id}/                   200  200  200   200   200
article-page          GET     /articles/{id}/                 200  200  200   200   200
health                GET     /healthz                        200  200  200   200   200
# Any other path under /api/ (an unnamed catch-all): a JSON 404.
api-not-found         GET     /api/no-such-thing/             404  404  404   404   404
"""

NOT_IN_SCHEMA = {
    "/",
    "/api/",
    "/api/schema/",
    "/api/docs/",
    "/claims/{id}/",
    "/articles/{id}/",
    "/api/no-such-thing/",
    "/healthz",
}
# URL patterns without a name, and the path of their row.
UNNAMED_ROUTES = {"": "/", "api/^.*/$": "/api/no-such-thing/"}


@dataclass(frozen=True)
class ApiRow:
    name: str
    method: str
    path: str
    cells: dict

    @property
    def resource(self) -> str:
        return self.path.split("/")[2] if self.path.startswith("/api/") else ""

    @property
    def operation(self) -> str | None:
        """The write this row makes to a record when allowed: create, update, delete; None for reads."""
        if self.resource not in RESOURCES:
            return None
        if self.path == f"/api/{self.resource}/" and self.method == "POST" and self.resource in RESOURCES:
            return "create"
        if self.path == f"/api/{self.resource}/{{id}}/":
            return {"PUT": "update", "PATCH": "update", "DELETE": "delete"}.get(self.method)
        return None


API_ROWS = [ApiRow(*keys, cells) for keys, cells in parse_table(API_MATRIX, 3, API_ROLES)]

# Methods a path does not offer. Each schema path is of one kind (by hand, below); the cells say
# what each role gets. Permissions are checked before the method: a role that lacks the method's
# permission (POST: add, PUT/PATCH: change, DELETE: delete) is refused (401/403) before the 405.
UNLISTED_METHODS = """
# kind       method  anonymous norole editor senior superuser
collection   PUT     401  403  405  405  405
collection   PATCH   401  403  405  405  405
collection   DELETE  401  403  403  405  405
record       POST    401  403  405  405  405
read-only    POST    401  403  405  405  405
read-only    PUT     401  403  405  405  405
read-only    PATCH   401  403  405  405  405
read-only    DELETE  401  403  403  405  405
feed         POST    405  405  405  405  405
feed         PUT     405  405  405  405  405
feed         PATCH   405  405  405  405  405
feed         DELETE  405  405  405  405  405
token        GET     405  405  405  405  405
# A user's own tokens: signed-in users of any role reach the 405.
own-list     PUT     401  405  405  405  405
own-list     PATCH   401  405  405  405  405
own-list     DELETE  401  405  405  405  405
own-record   POST    401  405  405  405  405
own-record   PUT     401  405  405  405  405
own-record   PATCH   401  405  405  405  405
token        PUT     405  405  405  405  405
token        PATCH   405  405  405  405  405
token        DELETE  405  405  405  405  405
# A POST-only action whose permission (for every method) is the editors'.
action       GET     401  403  405  405  405
action       PUT     401  403  405  405  405
action       PATCH   401  403  405  405  405
action       DELETE  401  403  405  405  405
# Webhooks: the method's permission (the webhook permissions, senior editors') comes before the 405.
webhook-list    PUT     401  403  403  405  405
webhook-list    PATCH   401  403  403  405  405
webhook-list    DELETE  401  403  403  405  405
webhook-record  POST    401  403  403  405  405
webhook-read    POST    401  403  403  405  405
webhook-read    PUT     401  403  403  405  405
webhook-read    PATCH   401  403  403  405  405
webhook-read    DELETE  401  403  403  405  405
webhook-action  GET     401  403  403  405  405
webhook-action  PUT     401  403  403  405  405
webhook-action  PATCH   401  403  403  405  405
webhook-action  DELETE  401  403  403  405  405
"""

PATH_KINDS = {
    "/api/sources/": "collection",
    "/api/sources/{id}/": "record",
    "/api/sources/{id}/history/": "read-only",
    "/api/sources/{id}/record/": "read-only",
    "/api/articles/": "collection",
    "/api/articles/{id}/": "record",
    "/api/articles/{id}/history/": "read-only",
    "/api/articles/{id}/annotations/": "read-only",
    "/api/articles/{id}/accept/": "action",
    "/api/articles/{id}/extract/": "action",
    "/api/extract/": "action",
    "/api/topics/": "collection",
    "/api/topics/{id}/": "record",
    "/api/topics/{id}/history/": "read-only",
    "/api/claims/": "collection",
    "/api/claims/{id}/": "record",
    "/api/claims/{id}/history/": "read-only",
    "/api/claims/{id}/thread/": "read-only",
    "/api/claims/{id}/similar/": "read-only",
    "/api/claims/{id}/claimreview/": "read-only",
    "/api/claims/{id}/annotation/": "read-only",
    "/api/claims/similar/": "read-only",
    "/api/links/": "collection",
    "/api/links/{id}/": "record",
    "/api/links/{id}/history/": "read-only",
    "/api/reviews/": "collection",
    "/api/reviews/{id}/": "record",
    "/api/reviews/{id}/history/": "read-only",
    "/api/reviews/{id}/claimreview/": "read-only",
    "/api/appearances/": "collection",
    "/api/appearances/{id}/": "record",
    "/api/appearances/{id}/history/": "read-only",
    "/api/claimreview/": "feed",
    "/api/changes/": "feed",
    "/api/auth/token/": "token",
    "/api/tokens/": "own-list",
    "/api/tokens/{id}/": "own-record",
    "/api/webhooks/": "webhook-list",
    "/api/webhooks/{id}/": "webhook-record",
    "/api/webhooks/{id}/deliveries/": "webhook-read",
    "/api/webhooks/{id}/replay/": "webhook-action",
    "/api/webhooks/{id}/deliveries/{delivery_id}/replay/": "webhook-action",
    "/api/webhooks/{id}/rotate-secret/": "webhook-action",
}

UNLISTED = {(kind, method): cells for (kind, method), cells in parse_table(UNLISTED_METHODS, 2, API_ROLES)}
METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE"]

# Query strings a GET needs to be a real request (the similar-claims search needs its text).
QUERIES = {"/api/claims/similar/": "?text=Iraqi+militias+crossed+into+Syria"}


# ---------------------------------------------------------------------------------------------
# The admin: every page of every registered model admin, and the site pages that check roles.
# ---------------------------------------------------------------------------------------------

CLAIMS_MODELS = "source,article,topic,claim,claimlink,review"
ADMIN_MATRIX = f"""
# page            method  models                           anonymous norole staff editor senior superuser
index             GET     site                              302  302  200  200   200   200
app_list          GET     site                              302  302  404  200   200   200
autocomplete      GET     site                              302  302  403  200   200   200

changelist        GET     {CLAIMS_MODELS}                   302  302  403  200   200   200
add               GET     {CLAIMS_MODELS}                   302  302  403  200   200   200
add               POST    {CLAIMS_MODELS}                   302  302  403  302+  302+  302+
change            GET     {CLAIMS_MODELS}                   302  302  403  200   200   200
change            POST    {CLAIMS_MODELS}                   302  302  403  302+  302+  302+
delete            GET     {CLAIMS_MODELS}                   302  302  403  403   200   200
delete            POST    {CLAIMS_MODELS}                   302  302  403  403   302+  302+
history           GET     {CLAIMS_MODELS}                   302  302  403  200   200   200
# One past revision: shown, never restored from here (a revert would bypass versions and roles).
simple_history    GET     {CLAIMS_MODELS}                   302  302  403  200   200   200
simple_history    POST    {CLAIMS_MODELS}                   302  302  403  403   403   403
# The bulk "delete selected" action. Editors are not offered it: the list page comes back (200),
# or, on claims, where editors have status actions, the page redirects with "No action selected".
changelist        POST    source,article,topic,claimlink,review  302  302  403  200   302+  302+
changelist        POST    claim                             302  302  403  302   302+  302+
# "Extract claims" on an article: GET runs extraction and writes nothing; POST accepts the drafts
# through the API's service, so it takes the same rights: to add claims, sources, appearances, links.
extract           GET     article                           302  302  403  200   200   200
extract           POST    article                           302  302  403  302+  302+  302+

# Users and groups: superusers only. Staff in a role cannot see them, let alone grant themselves
# permissions.
changelist        GET     user,group                        302  302  403  403   403   200
add               GET     user,group                        302  302  403  403   403   200
add               POST    user,group                        302  302  403  403   403   302+
change            GET     user,group                        302  302  403  403   403   200
change            POST    user,group                        302  302  403  403   403   302+
delete            GET     user,group                        302  302  403  403   403   200
delete            POST    user,group                        302  302  403  403   403   302+
history           GET     user,group                        302  302  403  403   403   200
password_change   GET     user                              302  302  403  403   403   200
password_change   POST    user                              302  302  403  403   403   302+
# Bulk actions: users have none (deleted one at a time, to keep authors of revisions), so the list
# comes back; groups have "delete selected".
changelist        POST    user                              302  302  403  403   403   200
changelist        POST    group                             302  302  403  403   403   302+

# API tokens: every staff user lists and issues their own (the "add" answer is the page that shows
# the secret, 200); the target here is another user's token, which only superusers see or revoke:
# for the others it does not exist (a redirect to the index). Nobody edits a token.
changelist        GET     apitoken                          302  302  200  200   200   200
add               GET     apitoken                          302  302  200  200   200   200
add               POST    apitoken                          302  302  200+ 200+  200+  200+
change            GET     apitoken                          302  302  302  302   302   200
change            POST    apitoken                          302  302  403  403   403   403
delete            GET     apitoken                          302  302  302  302   302   200
delete            POST    apitoken                          302  302  302  302   302   302+
history           GET     apitoken                          302  302  302  302   302   200
changelist        POST    apitoken                          302  302  302  302   302   302+

# Webhook subscriptions: the webhook permissions (senior editors), each their own; superusers all. The
# target is the senior editor's. Their deliveries are read and replayed, never added, edited or deleted:
# their pages are read-only, and the list's "delete selected" is not offered ("No action selected").
# History pages look the record up before the permission: not one's own, it "does not exist" (302).
changelist        GET     subscription,delivery             302  302  403  403   200   200
changelist        POST    subscription                      302  302  403  403   302+  302+
changelist        POST    delivery                          302  302  403  403   302   302
add               GET     subscription                      302  302  403  403   200   200
add               POST    subscription                      302  302  403  403   302+  302+
add               GET     delivery                          302  302  403  403   403   403
add               POST    delivery                          302  302  403  403   403   403
change            GET     subscription,delivery             302  302  403  403   200   200
change            POST    subscription                      302  302  403  403   302+  302+
change            POST    delivery                          302  302  403  403   403   403
delete            GET     subscription                      302  302  403  403   200   200
delete            POST    subscription                      302  302  403  403   302+  302+
delete            GET     delivery                          302  302  403  403   403   403
delete            POST    delivery                          302  302  403  403   403   403
history           GET     subscription,delivery             302  302  302  302   200   200
"""

# Site pages left out, with the reason: Django's own account pages, the same for every role.
ADMIN_NOT_IN_MATRIX = {
    "login": "the login page itself",
    "logout": "ends the session; POST only",
    "password_change": "a user's own password (not another's)",
    "password_change_done": "a confirmation page",
    "jsi18n": "JavaScript translations",
    "view_on_site": "a redirect to the model's public URL (none of ours define one)",
}

ADMIN_MODELS = {
    "source": Source,
    "article": Article,
    "topic": Topic,
    "claim": Claim,
    "claimlink": ClaimLink,
    "review": Review,
    "user": User,
    "group": Group,
    "apitoken": ApiToken,
    "subscription": Subscription,
    "delivery": Delivery,
}


@dataclass(frozen=True)
class AdminRow:
    page: str
    method: str
    model: str  # a key of ADMIN_MODELS, or "site"
    cells: dict

    @property
    def url_name(self) -> str:
        if self.model == "site":
            return self.page
        if self.page == "password_change":
            return "auth_user_password_change"
        app_label = {
            "user": "auth",
            "group": "auth",
            "apitoken": "tokens",
            "subscription": "webhooks",
            "delivery": "webhooks",
        }.get(self.model, "claims")
        return f"{app_label}_{self.model}_{self.page}"

    @property
    def test_id(self) -> str:
        return f"{self.model}-{self.page}-{self.method}"


ADMIN_ROWS = [
    AdminRow(page, method, model, cells)
    for (page, method, models), cells in parse_table(ADMIN_MATRIX, 3, ADMIN_ROLES)
    for model in models.split(",")
]


# ---------------------------------------------------------------------------------------------
# The data: a small record, made on first use, so each test builds only what it touches.
# ---------------------------------------------------------------------------------------------


class World:
    """Roles and records for one test. Every attribute is made on first use and then kept."""

    def __init__(self):
        self.users: dict[str, User] = {}
        self.secrets: dict[str, str] = {}

    def user(self, role: str) -> User | None:
        if role == "anonymous":
            return None
        if role not in self.users:
            make = {
                "norole": lambda: make_user("norole"),
                "staff": lambda: make_user("staff", is_staff=True),
                "editor": lambda: make_user("editor", groups=["editors"], is_staff=True),
                "senior": lambda: make_user("senior", groups=["senior editors"], is_staff=True),
                "superuser": lambda: make_user("superuser", is_staff=True, is_superuser=True),
            }[role]
            self.users[role] = make()
        return self.users[role]

    def api_client(self, role: str) -> APIClient:
        """A client that authenticates as real clients do: `Authorization: Token <secret>`, with a token
        of the admin scope, so that the role alone decides (the scopes have their own tests)."""
        user = self.user(role)
        if user is None:
            return APIClient()
        if role not in self.secrets:
            token, self.secrets[role] = token_issue(user=user, name="matrix", scope="admin")
            # As if used a moment ago: the request under test then has no last use to record, and so
            # writes nothing when it must not (the recording is tested in tests/test_tokens.py).
            ApiToken.objects.filter(pk=token.pk).update(last_used=timezone.now())
        return APIClient(HTTP_AUTHORIZATION=f"Token {self.secrets[role]}")

    def spare_token(self, role: str) -> ApiToken:
        """A token of the role's user other than the one it authenticates with (anonymous: the holder's)."""
        user = self.user(role) or self.token_holder
        return (
            ApiToken.objects.filter(user=user, name="spare").first()
            or token_issue(user=user, name="spare", scope="read")[0]
        )

    def admin_client(self, role: str) -> Client:
        client = Client()
        user = self.user(role)
        if user is not None:
            client.force_login(user)
        return client

    # Users who are not the actor of a request.
    @cached_property
    def creator(self) -> User:
        return make_user("creator")

    @cached_property
    def other(self) -> User:
        return make_user("other")

    @cached_property
    def target_user(self) -> User:
        """A user for the user admin's pages: no revisions, no token."""
        return make_user("target", first_name="Target")

    @cached_property
    def token_holder(self) -> User:
        user = make_user("holder")
        token_issue(user=user, name="holder's", scope="write")
        return user

    @cached_property
    def spare_group(self) -> Group:
        return Group.objects.create(name="interns")

    # The record: a claim, denied by another, reviewed. Each piece is made only when a test uses it,
    # so a record is deletable unless the test itself made something that refers to it.
    @cached_property
    def source(self) -> Source:
        return make_source(slug="sohr", name="Syrian Observatory for Human Rights", kind="ngo")

    @cached_property
    def other_source(self) -> Source:
        return make_source(slug="pmf", name="Popular Mobilisation Forces", kind="armed_group")

    @cached_property
    def free_source(self) -> Source:
        return make_source(slug="al-manar", name="al-Manar", kind="media")

    @cached_property
    def article(self) -> Article:
        return make_article(
            title="Army enters Albu Kamal",
            publisher=None,
            body="The Observatory said Iraqi militias crossed into Syria. A spokesman denied it.",
        )

    @cached_property
    def topic(self) -> Topic:
        return make_topic(slug="albu-kamal", name="Albu Kamal")

    @cached_property
    def claim(self) -> Claim:
        return make_claim(text="Iraqi militias crossed into Syria", source=self.source, created_by=self.creator)

    @cached_property
    def denial(self) -> Claim:
        return make_claim(text="No Iraqi militias crossed into Syria", source=self.other_source)

    @cached_property
    def link(self) -> ClaimLink:
        return make_link(self.denial, self.claim, "denies")

    @cached_property
    def subscription(self) -> Subscription:
        """The senior editor's webhook subscription, with one failed delivery."""
        subscription = Subscription.objects.create(
            owner=self.user("senior"), url=WEBHOOK_URL, event_types=["claim.updated"]
        )
        Delivery.objects.create(
            subscription=subscription,
            change_id=1,
            event_type="claim.updated",
            subject="1",
            event_time=timezone.now(),
            status="failed",
            next_attempt_at=timezone.now(),
        )
        return subscription

    @cached_property
    def appearance(self) -> Appearance:
        """The claim anchored in the article: "Iraqi militias crossed into Syria"."""
        self.claim.article = self.article
        self.claim.save()
        return Appearance.objects.create(
            claim=self.claim, article=self.article, **anchor_fields(self.article.body, 21, 54)
        )

    @cached_property
    def review(self) -> Review:
        return make_review(
            self.claim, rating="unproven", summary="Only the Observatory says so.", reviewer=self.creator
        )

    def target(self, resource: str):
        """The record a resource's detail routes act on."""
        return {
            "sources": lambda: self.free_source,
            "articles": lambda: self.article,
            "topics": lambda: self.topic,
            "claims": lambda: self.claim,
            "links": lambda: self.link,
            "reviews": lambda: self.review,
            "appearances": lambda: self.appearance,
            "tokens": lambda: self.spare_token("anonymous"),
            "webhooks": lambda: self.subscription,
        }[resource]()

    def api_url(self, path: str, *, showing: bool = True) -> str:
        """`path` with a real id: the resource's target, or (`showing`) a record the route has something
        to show for (a thread needs a link, a ClaimReview a review)."""
        if "{id}" not in path:
            return path + QUERIES.get(path, "")
        if "{delivery_id}" in path:
            path = path.replace("{delivery_id}", str(self.subscription.deliveries.get().pk))
        special = {
            "/api/claims/{id}/thread/": lambda: self.link.to_claim,
            "/api/claims/{id}/claimreview/": lambda: self.review.claim,
            "/claims/{id}/": lambda: self.review.claim,
            "/api/claims/{id}/annotation/": lambda: self.appearance.claim,
            "/api/articles/{id}/annotations/": lambda: self.appearance.article,
            "/articles/{id}/": lambda: self.appearance.article,
        }
        obj = special[path]() if showing and path in special else self.target(path.split("/")[2])
        return path.replace("{id}", str(obj.pk))


def anchor_fields(body: str, start: int, end: int) -> dict:
    anchor = describe_anchor(body, start, end)
    return {name: getattr(anchor, name) for name in ("start", "end", "exact", "prefix", "suffix", "status")}


@pytest.fixture
def world():
    return World()


@pytest.fixture(autouse=True)
def _sessions_in_cookies(settings):
    # Where a session is stored decides nothing here, and a database session costs a logged-in admin
    # test some fifteen queries (create, rotate, save) before its request.
    settings.SESSION_ENGINE = "django.contrib.sessions.backends.signed_cookies"


# ---------------------------------------------------------------------------------------------
# What a write sends, and what it must leave behind.
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Resource:
    model: type
    field: str  # the field a change sets...
    value: object  # ...to this value


RESOURCES = {
    "sources": Resource(Source, "name", "Renamed source"),
    "articles": Resource(Article, "title", "Retitled article"),
    "topics": Resource(Topic, "name", "Renamed topic"),
    "claims": Resource(Claim, "text", "Reworded claim"),
    "links": Resource(ClaimLink, "note", "A changed note"),
    "reviews": Resource(Review, "rating", "false"),
    "appearances": Resource(Appearance, "end", 33),
}


def accept_draft(world: World) -> dict:
    """A draft as extraction returns it, for the article's denial, by a source not yet in the record."""
    return {
        "text": "An extracted claim",
        "quote": "",
        "cue": "denied",
        "span": {"start": 56, "end": 78},
        "source": {"name": "A spokesman", "role": "spokesman", "kind": "person", "match": None},
        "speaker": None,
        "via": None,
        "claimed_on": "2017-11-08",
        "claimed_on_precision": "day",
        "links": [],
    }


def create_body(world: World, resource: str) -> dict:
    return {
        "sources": lambda: {"slug": "new-source", "name": "New source", "kind": "ngo"},
        "articles": lambda: {"title": "New article", "publisher": world.source.pk, "published_on": "2017-11-09"},
        "topics": lambda: {"slug": "new-topic", "name": "New topic", "kind": "event"},
        "claims": lambda: {
            "text": "A new claim",
            "source": world.source.pk,
            "claimed_on": "2017-11-09",
            "topics": [world.topic.pk],
            "status": "disputed",
        },
        "links": lambda: {"from_claim": world.denial.pk, "to_claim": world.claim.pk, "relation": "contradicts"},
        "reviews": lambda: {"claim": world.claim.pk, "rating": "false", "summary": "A new review"},
        "appearances": lambda: {
            "claim": world.denial.pk,
            "article": world.article.pk,
            "exact": "A spokesman denied it.",
        },
    }[resource]()


# How to find the row a create_body() made.
CREATED = {
    "sources": {"slug": "new-source"},
    "articles": {"title": "New article"},
    "topics": {"slug": "new-topic"},
    "claims": {"text": "A new claim"},
    "links": {"relation": "contradicts"},
    "reviews": {"summary": "A new review"},
    "appearances": {"exact": "A spokesman denied it."},
}


def full_body(resource: str, obj) -> dict:
    """Every writable field of `obj` as a PUT sends it."""
    return {
        "sources": lambda: {"slug": obj.slug, "name": obj.name, "kind": obj.kind},
        "articles": lambda: {"title": obj.title, "publisher": obj.publisher_id, "published_on": str(obj.published_on)},
        "topics": lambda: {"slug": obj.slug, "name": obj.name, "kind": obj.kind},
        "claims": lambda: {"text": obj.text, "source": obj.source_id, "claimed_on": str(obj.claimed_on)},
        "links": lambda: {"from_claim": obj.from_claim_id, "to_claim": obj.to_claim_id, "relation": obj.relation},
        "reviews": lambda: {"claim": obj.claim_id, "rating": obj.rating, "summary": obj.summary},
        "appearances": lambda: {"claim": obj.claim_id, "article": obj.article_id, "start": obj.start, "end": obj.end},
    }[resource]()


def change_body(resource: str, method: str, obj) -> dict:
    spec = RESOURCES[resource]
    return {**(full_body(resource, obj) if method == "PUT" else {}), spec.field: spec.value}


def latest_revision(model, pk):
    return model.history.filter(id=pk).order_by("-history_id").first()


def assert_created(model, lookup: dict, actor) -> object:
    """Exactly one new row, version 1, its revision by `actor`, server-owned fields from the request."""
    obj = model.objects.get(**lookup)
    assert obj.version == 1
    assert [(r.history_type, r.history_user) for r in model.history.filter(id=obj.pk)] == [("+", actor)]
    if model is Claim:
        assert obj.created_by == actor
    if model is Review:
        assert obj.reviewer == actor
    return obj


def assert_changed(model, before, field: str, value, actor) -> None:
    obj = model.objects.get(pk=before.pk)
    assert getattr(obj, field) == value
    assert obj.version == before.version + 1
    revision = latest_revision(model, obj.pk)
    assert (revision.history_type, revision.history_user) == ("~", actor)


def assert_deleted(model, pk, actor) -> None:
    assert not model.objects.filter(pk=pk).exists()
    revision = latest_revision(model, pk)
    assert (revision.history_type, revision.history_user) == ("-", actor)


# ---------------------------------------------------------------------------------------------
# "Nothing changed": every row of the claims tables (history included), users, groups, tokens.
# ---------------------------------------------------------------------------------------------


def snapshot_tables() -> list[tuple[str, str]]:
    """(table, primary key column) of every claims model (history included), the change record, and of
    users, groups, their permissions, tokens and the admin log."""
    models = [
        *apps.get_app_config("claims").get_models(),
        Change,
        User,
        User.groups.through,
        User.user_permissions.through,
        Group,
        Group.permissions.through,
        ApiToken,
        LogEntry,
        *apps.get_app_config("webhooks").get_models(),
        apps.get_model("django_tasks_database", "DBTaskResult"),
    ]
    return [(model._meta.db_table, model._meta.pk.column) for model in models]


def snapshot() -> dict[str, list]:
    """Every row of those tables, in plain SQL (the ORM would cost more than the requests under test):
    on PostgreSQL one query for all of them, as JSON; elsewhere one query a table."""
    qn = connection.ops.quote_name
    tables = snapshot_tables()
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            parts = ", ".join(
                f"'{table}', (SELECT coalesce(json_agg(t ORDER BY t.{qn(pk)}), '[]') FROM {qn(table)} t)"
                for table, pk in tables
            )
            cursor.execute(f"SELECT json_build_object({parts})::text")
            return json.loads(cursor.fetchone()[0])
        rows = {}
        for table, pk in tables:
            cursor.execute(f"SELECT * FROM {qn(table)} ORDER BY {qn(pk)}")
            rows[table] = cursor.fetchall()
        return rows


def assert_unchanged(before: dict, after: dict) -> None:
    changed = {}
    for label, rows in before.items():
        if rows != after[label]:
            gone = [row for row in rows if row not in after[label]]
            new = [row for row in after[label] if row not in rows]
            changed[label] = {"before": gone, "after": new}
    assert not changed, f"the request changed the database: {changed}"


def describe(response) -> str:
    body = getattr(response, "data", None)
    if body is None and response.get("Content-Type", "").startswith(("application/json", "text/plain")):
        body = response.content[:500]
    context = getattr(response, "context", None)
    errors = None
    if context is not None and "adminform" in context:
        errors = context["adminform"].form.errors
    return f"{response.status_code} {response.get('Location', '')} {body or ''} {errors or ''}"


# ---------------------------------------------------------------------------------------------
# The tables cover the service, and nothing but the service.
# ---------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def schema_operations(django_db_blocker):
    with django_db_blocker.unblock():
        schema = SchemaGenerator().get_schema(request=None, public=True)
    return {(path, method.upper()) for path, operations in schema["paths"].items() for method in operations}


def test_every_schema_operation_has_a_row(schema_operations):
    specified = {(row.path, row.method) for row in API_ROWS if row.path not in NOT_IN_SCHEMA}
    assert sorted(schema_operations - specified) == [], "operations without a row in API_MATRIX"
    assert sorted(specified - schema_operations) == [], "rows of API_MATRIX for operations the schema does not have"


def test_every_schema_path_has_a_kind_for_the_methods_it_lacks(schema_operations):
    paths = {path for path, _ in schema_operations}
    assert sorted(paths ^ set(PATH_KINDS)) == []
    for path in paths:
        offered = {method for p, method in schema_operations if p == path}
        for method in set(METHODS) - offered:
            assert (PATH_KINDS[path], method) in UNLISTED, (path, method)


def _url_patterns(patterns, prefix=""):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            yield from _url_patterns(pattern.url_patterns, prefix + str(pattern.pattern))
        elif isinstance(pattern, URLPattern):
            yield prefix + str(pattern.pattern), pattern.name


def test_every_url_outside_the_admin_has_a_row():
    specified = {row.path for row in API_ROWS}
    for route, name in _url_patterns(get_resolver().url_patterns):
        if route.startswith("admin/"):
            continue
        if name is None:
            assert route in UNNAMED_ROUTES, f"{route} (no name) has no row in API_MATRIX"
            path = UNNAMED_ROUTES[route]
        else:
            try:
                path = reverse(name)
            except NoReverseMatch:
                try:
                    path = reverse(name, kwargs={"pk": 7}).replace("/7/", "/{id}/")
                except NoReverseMatch:
                    path = reverse(name, kwargs={"pk": 7, "delivery_id": 8})
                    path = path.replace("/7/", "/{id}/").replace("/8/", "/{delivery_id}/")
        assert path in specified, f"{route} ({name}) has no row in API_MATRIX"
    for path in specified:
        resolve(path.replace("{id}", "7").replace("{delivery_id}", "8").split("?")[0])  # no row for a URL that is gone


def test_every_admin_page_has_a_row():
    specified = {row.url_name for row in ADMIN_ROWS}
    names = {p.name for p in admin.site.get_urls() if isinstance(p, URLPattern) and p.name}
    for model_admin in admin.site._registry.values():
        names |= {p.name for p in model_admin.get_urls() if p.name}
    assert sorted(names - specified - set(ADMIN_NOT_IN_MATRIX)) == [], "admin pages without a row in ADMIN_MATRIX"
    assert sorted(specified - names) == [], "rows of ADMIN_MATRIX for pages that do not exist"
    # Every page has a GET row, and every page that takes a form has a POST row.
    methods = {(row.model, row.page, row.method) for row in ADMIN_ROWS}
    for model, page, _ in methods:
        assert (model, page, "GET") in methods
        if page in ("changelist", "add", "change", "delete", "simple_history", "password_change"):
            assert (model, page, "POST") in methods, (model, page)


def test_each_cell_is_a_single_row():
    api = [(row.path, row.method) for row in API_ROWS]
    admin_cells = [(row.model, row.page, row.method) for row in ADMIN_ROWS]
    assert len(api) == len(set(api))
    assert len(admin_cells) == len(set(admin_cells))


def test_the_roles_are_the_groups_the_app_defines(world):
    # The matrix assumes these permissions; if a role's permissions change, the table must be re-read.
    def codenames(role):
        return {p.split(".", 1)[1] for p in world.user(role).get_all_permissions() if p.startswith("claims.")}

    models = ["source", "article", "topic", "claim", "claimtopic", "claimlink", "review", "appearance"]
    editing = {f"{action}_{model}" for model in models for action in ("view", "add", "change")}
    assert codenames("editor") == editing | {"delete_claimtopic"}
    assert codenames("senior") == editing | {f"delete_{model}" for model in models} | {"set_final_status"}
    assert codenames("norole") == codenames("staff") == set()
    assert not any(p.startswith(("auth.", "tokens.")) for p in world.user("senior").get_all_permissions())


# ---------------------------------------------------------------------------------------------
# The API matrix.
# ---------------------------------------------------------------------------------------------


def _api_request(client: APIClient, method: str, url: str, body):
    if method == "GET":
        return client.get(url)
    return getattr(client, method.lower())(url, body, format="json")


def _api_params():
    for row in API_ROWS:
        for role in API_ROLES:
            yield pytest.param(row, role, id=f"{row.name}-{row.method}-{role}")


@pytest.mark.parametrize(("row", "role"), list(_api_params()))
def test_api(world, row, role):
    expected = row.cells[role]
    client = world.api_client(role)
    url = world.api_url(row.path)
    actor = world.user(role)
    body = None
    resource = RESOURCES.get(row.resource)
    target = world.target(row.resource) if row.operation in ("update", "delete") else None
    if row.operation == "create":
        body = create_body(world, row.resource)
    elif row.operation == "update":
        body = change_body(row.resource, row.method, target)
    elif row.path == "/api/articles/{id}/accept/":
        body = {"drafts": [accept_draft(world)]}
    elif row.path == "/api/extract/":
        body = {"text": world.article.body, "published_on": "2017-11-08"}
    elif row.path == "/api/auth/token/":
        body = {"username": actor.username if actor else "norole", "password": PASSWORD if actor else "wrong"}
    elif row.resource == "webhooks":
        target = world.subscription if "{id}" in row.path else None
        body = webhook_body(row)
    elif row.resource == "tokens":
        target = world.spare_token(role)
        url = row.path.replace("{id}", str(target.pk))
        body = {"name": "new token", "scope": "read"} if row.method == "POST" else None
    before = snapshot()

    response = _api_request(client, row.method, url, body)

    assert response.status_code == expected.status, describe(response)
    if not expected.writes:
        assert_unchanged(before, snapshot())
    elif row.operation == "create":
        obj = assert_created(resource.model, CREATED[row.resource], actor)
        assert response.json()["id"] == obj.pk
    elif row.operation == "update":
        assert_changed(resource.model, target, resource.field, resource.value, actor)
        assert response["ETag"] == f'"{target.version + 1}"'
    elif row.operation == "delete":
        assert_deleted(resource.model, target.pk, actor)
    elif row.path == "/api/articles/{id}/accept/":
        obj = assert_created(Claim, {"text": "An extracted claim"}, actor)
        assert response.json()["claims"] == [obj.pk]
    elif row.path in ("/api/auth/token/", "/api/tokens/"):
        issued = ApiToken.objects.get(pk=response.json()["id"])
        assert (issued.user, issued.name) == (actor, body.get("name", "token endpoint"))
        assert ApiToken.objects.filter(user=actor).count() == 3 if row.path == "/api/tokens/" else 2
        secret_client = APIClient(HTTP_AUTHORIZATION=f"Token {response.json()['token']}")
        assert secret_client.get("/api/tokens/").status_code == 200
    elif row.resource == "webhooks":
        assert_webhooks_wrote(row, target, actor, response)
    elif row.path == "/api/tokens/{id}/":
        assert not ApiToken.objects.filter(pk=target.pk).exists()
        assert ApiToken.objects.filter(user=actor).count() == 1, "only the token revoked"


def webhook_body(row: ApiRow) -> dict | None:
    if row.path == "/api/webhooks/" and row.method == "POST":
        return {"url": WEBHOOK_URL + "/new", "event_types": ["claim.created"]}
    if row.path == "/api/webhooks/{id}/" and row.method in ("PUT", "PATCH"):
        return {"url": WEBHOOK_URL, "event_types": ["claim.*"]}
    if row.path == "/api/webhooks/{id}/replay/":
        return {"since": "2000-01-01T00:00:00Z"}
    return None


def assert_webhooks_wrote(row: ApiRow, target, actor, response) -> None:
    """What a webhooks request with a `+` cell must have written."""
    if row.path == "/api/webhooks/":
        created = Subscription.objects.get(url=WEBHOOK_URL + "/new")
        assert (created.owner, created.event_types, created.version) == (actor, ["claim.created"], 1)
        assert response.json()["secret"] == created.secret
    elif row.method in ("PUT", "PATCH"):
        changed = Subscription.objects.get(pk=target.pk)
        assert (changed.event_types, changed.version) == (["claim.*"], target.version + 1)
    elif row.method == "DELETE":
        assert not Subscription.objects.filter(pk=target.pk).exists()
    elif row.path.endswith("/replay/"):
        assert target.deliveries.get().status == "pending"
        assert response.json() == {"replayed": 1}
    elif row.path.endswith("/rotate-secret/"):
        assert Subscription.objects.get(pk=target.pk).secret == response.json()["secret"] != target.secret
    else:
        raise AssertionError(f"no check for a write by {row}")


def _unlisted_params():
    for path, kind in PATH_KINDS.items():
        for (row_kind, method), cells in UNLISTED.items():
            if row_kind != kind:
                continue
            name = next((row.name for row in API_ROWS if row.path == path), path)
            for role in API_ROLES:
                yield pytest.param(path, method, cells[role], role, id=f"{name}-{method}-{role}")


@pytest.mark.parametrize(("path", "method", "expected", "role"), list(_unlisted_params()))
def test_api_method_not_offered(world, path, method, expected, role):
    client = world.api_client(role)
    url = world.api_url(path, showing=False)
    before = snapshot()

    response = _api_request(client, method, url, {"name": "x", "status": "confirmed"})

    assert response.status_code == expected.status, describe(response)
    assert_unchanged(before, snapshot())


# ---------------------------------------------------------------------------------------------
# The admin matrix.
# ---------------------------------------------------------------------------------------------

INLINES_EMPTY = {
    f"{prefix}-{count}": "0"
    for prefix in ("links_out", "links_in", "reviews", "appearances")
    for count in ("TOTAL_FORMS", "INITIAL_FORMS")
}


def admin_target(world: World, model: str):
    return {
        "source": lambda: world.free_source,
        "article": lambda: world.article,
        "topic": lambda: world.topic,
        "claim": lambda: world.claim,
        "claimlink": lambda: world.link,
        "review": lambda: world.review,
        "user": lambda: world.target_user,
        "group": lambda: world.spare_group,
        "apitoken": lambda: ApiToken.objects.get(user=world.token_holder),
        "subscription": lambda: world.subscription,
        "delivery": lambda: world.subscription.deliveries.get(),
    }[model]()


def admin_url(world: World, row: AdminRow) -> str:
    if row.model == "site":
        return {
            "index": lambda: reverse("admin:index"),
            "app_list": lambda: reverse("admin:app_list", args=["claims"]),
            "autocomplete": lambda: (
                reverse("admin:autocomplete") + "?app_label=claims&model_name=claim&field_name=source&term=Syr"
            ),
        }[row.page]()
    name = f"admin:{row.url_name}"
    if row.page in ("changelist", "add"):
        return reverse(name)
    obj = admin_target(world, row.model)
    pk = obj.pk
    if row.page == "simple_history":
        return reverse(name, args=[pk, obj.history.order_by("-history_id").first().history_id])
    return reverse(name, args=[pk])


def admin_add_data(world: World, model: str) -> dict:
    return {
        "source": lambda: {"slug": "added-source", "name": "Added source", "kind": "ngo"},
        "article": lambda: {"title": "Added article", "language": "en", "published_on": "2017-11-09"},
        "topic": lambda: {"slug": "added-topic", "name": "Added topic", "kind": "event"},
        "claim": lambda: {
            "text": "Added claim",
            "language": "en",
            "status": "disputed",
            "source": world.source.pk,
            "claimed_on": "2017-11-09",
            "claimed_on_precision": "day",
            "topics": [world.topic.pk],
            **INLINES_EMPTY,
        },
        "claimlink": lambda: {"from_claim": world.denial.pk, "to_claim": world.claim.pk, "relation": "contradicts"},
        "review": lambda: {"claim": world.claim.pk, "rating": "false", "reviewed_on": "2017-11-10"},
        "user": lambda: {
            "username": "added-user",
            "password1": NEW_PASSWORD,
            "password2": NEW_PASSWORD,
            "usable_password": "true",
            **PROFILE_INLINE_EMPTY,
        },
        "group": lambda: {"name": "added group"},
        # Superusers choose whose token it is; for others the form has no such field (their own).
        "apitoken": lambda: {"user": world.other.pk, "name": "added token", "scope": "read", "expires_in_days": "30"},
        "subscription": lambda: {"url": WEBHOOK_URL + "/admin", "event_types": ["claim.created"], "active": "on"},
        "delivery": lambda: {},
    }[model]()


# The user page's profile inline (the display name), left as it is.
PROFILE_INLINE_EMPTY = {"profile-TOTAL_FORMS": "0", "profile-INITIAL_FORMS": "0"}

ADMIN_CREATED = {
    "source": (Source, {"slug": "added-source"}),
    "article": (Article, {"title": "Added article"}),
    "topic": (Topic, {"slug": "added-topic"}),
    "claim": (Claim, {"text": "Added claim"}),
    "claimlink": (ClaimLink, {"relation": "contradicts"}),
    "review": (Review, {"rating": "false"}),
}

# What an admin change form sets, and to what.
ADMIN_CHANGE = {
    "source": ("name", "Renamed source"),
    "article": ("title", "Retitled article"),
    "topic": ("name", "Renamed topic"),
    "claim": ("text", "Reworded claim"),
    "claimlink": ("note", "A changed note"),
    "review": ("rating", "false"),
    "user": ("first_name", "Renamed"),
    "group": ("name", "renamed group"),
}


def admin_change_data(world: World, model: str, obj) -> dict:
    field, value = ADMIN_CHANGE.get(model, (None, None))
    data = {
        "source": lambda: {"slug": obj.slug, "name": obj.name, "kind": obj.kind, "loaded_version": obj.version},
        "article": lambda: {
            "title": obj.title,
            "language": obj.language,
            "published_on": str(obj.published_on),
            "loaded_version": obj.version,
        },
        "topic": lambda: {"slug": obj.slug, "name": obj.name, "kind": obj.kind, "loaded_version": obj.version},
        "claim": lambda: claim_form_data(obj),
        "claimlink": lambda: {
            "from_claim": obj.from_claim_id,
            "to_claim": obj.to_claim_id,
            "relation": obj.relation,
            "loaded_version": obj.version,
        },
        "review": lambda: {
            "claim": obj.claim_id,
            "rating": obj.rating,
            "summary": obj.summary,
            "reviewed_on": str(obj.reviewed_on),
            "loaded_version": obj.version,
        },
        "user": lambda: {
            "username": obj.username,
            "first_name": obj.first_name,
            "is_active": "on",
            "date_joined_0": obj.date_joined.strftime("%Y-%m-%d"),
            "date_joined_1": obj.date_joined.strftime("%H:%M:%S"),
            **PROFILE_INLINE_EMPTY,
        },
        "group": lambda: {"name": obj.name},
        # What a change would post, were tokens editable: a new name, another user.
        "apitoken": lambda: {"name": "renamed token", "user": world.other.pk},
        "subscription": lambda: {
            "url": WEBHOOK_URL,
            "event_types": ["claim.*"],
            "active": "on",
            "loaded_version": obj.version,
        },
        # What a change would post, were deliveries editable.
        "delivery": lambda: {"status": "delivered", "subject": "2"},
    }[model]()
    if field is not None:
        data[field] = value
    return data


def admin_post_data(world: World, row: AdminRow) -> dict:
    if row.page == "add":
        return admin_add_data(world, row.model)
    obj = admin_target(world, row.model)
    return {
        "change": lambda: admin_change_data(world, row.model, obj),
        "delete": lambda: {"post": "yes"},
        "changelist": lambda: {"action": "delete_selected", "_selected_action": [obj.pk], "post": "yes"},
        # What a revert would post: the revision's values (a verdict the editor may not set, even).
        "simple_history": lambda: {**admin_change_data(world, row.model, obj), "_change_history": "1"},
        "password_change": lambda: {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD, "usable_password": "true"},
        "extract": lambda: admin_extract_data(world),
    }[row.page]()


def admin_extract_data(world: World) -> dict:
    """The review page's form with one draft (accept_draft's), as a browser posts it."""
    draft = accept_draft(world)
    management = {"TOTAL_FORMS": "1", "INITIAL_FORMS": "1", "MIN_NUM_FORMS": "0", "MAX_NUM_FORMS": "500"}
    fields = {
        "include": "on",
        "text": draft["text"],
        "cue": draft["cue"],
        "span_start": draft["span"]["start"],
        "span_end": draft["span"]["end"],
        "source_name": draft["source"]["name"],
        "source_kind": draft["source"]["kind"],
        "source_role": draft["source"]["role"],
        "claimed_on": draft["claimed_on"],
        "claimed_on_precision": draft["claimed_on_precision"],
    }
    return {**{f"draft-{k}": v for k, v in management.items()}, **{f"draft-0-{k}": v for k, v in fields.items()}}


def assert_admin_wrote(world: World, row: AdminRow, target, actor) -> None:
    model = ADMIN_MODELS[row.model]
    if row.model == "subscription":
        if row.page == "add":
            added = Subscription.objects.get(url=WEBHOOK_URL + "/admin")
            assert (added.owner, added.event_types, added.secret[:6]) == (actor, ["claim.created"], "whsec_")
        elif row.page == "change":
            changed = Subscription.objects.get(pk=target.pk)
            assert (changed.event_types, changed.version) == (["claim.*"], target.version + 1)
        else:
            assert not Subscription.objects.filter(pk=target.pk).exists()
    elif row.page == "add":
        if row.model in ADMIN_CREATED:
            assert_created(*ADMIN_CREATED[row.model], actor)
        elif row.model == "user":
            assert User.objects.get(username="added-user").check_password(NEW_PASSWORD)
        elif row.model == "group":
            assert Group.objects.filter(name="added group").exists()
        else:
            owner = world.other if actor.is_superuser else actor
            token = ApiToken.objects.get(name="added token")
            assert (token.user, token.scope) == (owner, "read")
            assert (
                timezone.now() + datetime.timedelta(days=29)
                < token.expiry
                <= timezone.now() + datetime.timedelta(days=30)
            )
    elif row.page == "change":
        if row.model in ("user", "group"):
            field, value = ADMIN_CHANGE[row.model]
            assert getattr(model.objects.get(pk=target.pk), field) == value
        else:
            assert_changed(model, target, *ADMIN_CHANGE[row.model], actor)
    elif row.page in ("delete", "changelist"):
        if row.model in ("user", "group", "apitoken"):
            assert not model.objects.filter(pk=target.pk).exists()
        else:
            assert_deleted(model, target.pk, actor)
    elif row.page == "password_change":
        target.refresh_from_db()
        assert target.check_password(NEW_PASSWORD)
    elif row.page == "extract":
        claim = assert_created(Claim, {"text": "An extracted claim"}, actor)
        assert (claim.article, claim.source.name) == (target, "A spokesman")
        assert claim.history.get().history_change_reason == f"Extracted from article #{target.pk}"
    else:
        raise AssertionError(f"no check for a write by {row}")


def _admin_params():
    for row in ADMIN_ROWS:
        for role in ADMIN_ROLES:
            yield pytest.param(row, role, id=f"{row.test_id}-{role}")


@pytest.mark.parametrize(("row", "role"), list(_admin_params()))
def test_admin(world, row, role):
    expected = row.cells[role]
    client = world.admin_client(role)
    url = admin_url(world, row)
    target = admin_target(world, row.model) if row.model != "site" and row.page not in ("add",) else None
    data = admin_post_data(world, row) if row.method == "POST" else None
    before = snapshot()

    response = client.post(url, data) if row.method == "POST" else client.get(url)

    assert response.status_code == expected.status, describe(response)
    if role in ("anonymous", "norole"):
        assert response["Location"].startswith(reverse("admin:login") + "?next=")
    if expected.writes:
        assert_admin_wrote(world, row, target, world.user(role))
    else:
        assert_unchanged(before, snapshot())


# ---------------------------------------------------------------------------------------------
# The verdict rule: only senior editors (and superusers) set confirmed or refuted, or lift them.
# ---------------------------------------------------------------------------------------------

# An editor changing a claim's status from (row) to (column). Senior editors and superusers: 200 in every cell.
EDITOR_STATUS_CHANGES = """
# from \\ to   unverified  disputed  confirmed  refuted  retracted
unverified     200         200       403        403      200
disputed       200         200       403        403      200
confirmed      403         403       200        403      403
refuted        403         403       403        200      403
retracted      200         200       403        403      200
"""
STATUSES = ["unverified", "disputed", "confirmed", "refuted", "retracted"]
EDITOR_STATUS_RULE = {
    (old, new): cell.status
    for (old,), cells in parse_table(EDITOR_STATUS_CHANGES, 1, STATUSES)
    for new, cell in cells.items()
}
# An editor creating a claim with a status.
EDITOR_STATUS_ON_CREATE = {"unverified": 201, "disputed": 201, "confirmed": 403, "refuted": 403, "retracted": 201}


def _status_change_params(*cases):
    for method, role in cases:
        for old in STATUSES:
            for new in STATUSES:
                yield pytest.param(method, role, old, new, id=f"{method}-{old}-to-{new}-{role}")


# PATCH for every role that may change claims; PUT (the same validation) for the editor, whom the rule limits.
@pytest.mark.parametrize(
    ("method", "role", "old", "new"),
    list(_status_change_params(("PATCH", "editor"), ("PATCH", "senior"), ("PATCH", "superuser"), ("PUT", "editor"))),
)
def test_api_verdict_rule(world, method, role, old, new):
    expected = EDITOR_STATUS_RULE[(old, new)] if role == "editor" else 200
    claim = make_claim(status=old, source=world.source)
    client = world.api_client(role)
    body = {"text": "Reworded claim", "status": new}
    if method == "PUT":
        body = {**full_body("claims", claim), **body}
    before = snapshot()

    response = _api_request(client, method, f"/api/claims/{claim.pk}/", body)

    assert response.status_code == expected, describe(response)
    if expected == 403:
        assert response.json()["detail"].startswith("status: "), "the refusal names the field"
        assert "senior editors" in response.json()["detail"]
        assert_unchanged(before, snapshot())
    else:
        claim.refresh_from_db()
        assert (claim.status, claim.text) == (new, "Reworded claim")


@pytest.mark.parametrize("role", ["editor", "senior", "superuser"])
@pytest.mark.parametrize("status", STATUSES)
def test_api_verdict_rule_on_create(world, role, status):
    expected = EDITOR_STATUS_ON_CREATE[status] if role == "editor" else 201
    client = world.api_client(role)
    body = {"text": "A new claim", "source": world.source.pk, "claimed_on": "2017-11-09", "status": status}
    before = snapshot()

    response = client.post("/api/claims/", body, format="json")

    assert response.status_code == expected, describe(response)
    if expected == 403:
        assert response.json()["detail"].startswith("status: ")
        assert_unchanged(before, snapshot())
    else:
        assert Claim.objects.get(text="A new claim").status == status


# The change form, for the editor and a senior editor (superusers: see the bulk actions and the add form).
@pytest.mark.parametrize(
    ("method", "role", "old", "new"), list(_status_change_params(("POST", "editor"), ("POST", "senior")))
)
def test_admin_verdict_rule(world, method, role, old, new):
    allowed = EDITOR_STATUS_RULE[(old, new)] == 200 if role == "editor" else True
    claim = make_claim(status=old, source=world.source)
    client = world.admin_client(role)
    before = snapshot()

    response = client.post(
        reverse("admin:claims_claim_change", args=[claim.pk]), claim_form_data(claim, status=new, text="Reworded")
    )

    if allowed:
        assert response.status_code == 302, describe(response)
        claim.refresh_from_db()
        assert (claim.status, claim.text) == (new, "Reworded")
    else:
        # The form comes back with an error on the status field (an editor's form on a claim without a
        # verdict does not even offer the verdicts) and nothing saved.
        assert response.status_code == 200
        assert "status" in response.context["adminform"].form.errors
        assert_unchanged(before, snapshot())


@pytest.mark.parametrize(
    ("role", "status", "saved"),
    [
        ("editor", "confirmed", False),
        ("editor", "refuted", False),
        ("editor", "disputed", True),
        ("senior", "confirmed", True),
        ("superuser", "refuted", True),
    ],
)
def test_admin_verdict_rule_on_add(world, role, status, saved):
    client = world.admin_client(role)
    data = {**admin_add_data(world, "claim"), "status": status}
    before = snapshot()

    response = client.post(reverse("admin:claims_claim_add"), data)

    if saved:
        assert response.status_code == 302, describe(response)
        assert Claim.objects.get(text="Added claim").status == status
    else:
        assert response.status_code == 200
        assert "status" in response.context["adminform"].form.errors
        assert_unchanged(before, snapshot())


# The status bulk actions: (role, action, statuses of the selected claims) -> applied or refused.
BULK_ACTIONS = [
    ("editor", "mark_disputed", ["unverified", "retracted"], True),
    ("editor", "mark_retracted", ["unverified", "disputed"], True),
    ("editor", "mark_unverified", ["disputed"], True),
    ("editor", "mark_confirmed", ["unverified"], False),  # not offered to editors
    ("editor", "mark_refuted", ["disputed"], False),  # not offered to editors
    ("editor", "mark_disputed", ["confirmed", "unverified"], False),  # lifts a verdict: all or nothing
    ("editor", "mark_unverified", ["refuted"], False),
    ("editor", "mark_retracted", ["confirmed"], False),
    ("senior", "mark_confirmed", ["unverified", "disputed"], True),
    ("senior", "mark_disputed", ["confirmed", "refuted"], True),
    ("superuser", "mark_refuted", ["confirmed", "unverified"], True),
    ("staff", "mark_disputed", ["unverified"], False),
]


@pytest.mark.parametrize(
    ("role", "action", "statuses", "applied"),
    [pytest.param(*case, id=f"{case[0]}-{case[1]}-from-{'-'.join(case[2])}") for case in BULK_ACTIONS],
)
def test_admin_status_bulk_actions(world, role, action, statuses, applied):
    claims = [make_claim(status=status, source=world.source) for status in statuses]
    client = world.admin_client(role)
    before = snapshot()

    response = client.post(
        reverse("admin:claims_claim_changelist"),
        {"action": action, "_selected_action": [c.pk for c in claims], "index": "0"},
    )

    new_status = action.removeprefix("mark_")
    stored = list(Claim.objects.filter(pk__in=[c.pk for c in claims]).order_by("pk").values_list("status", flat=True))
    if applied:
        assert response.status_code == 302, describe(response)
        assert stored == [new_status] * len(claims)
        for claim in claims:
            if claim.status != new_status:
                revision = latest_revision(Claim, claim.pk)
                assert revision.history_user == world.user(role)
                assert revision.history_change_reason == f"Bulk action: mark as {new_status}"
    else:
        assert response.status_code == (403 if role == "staff" else 302), describe(response)
        assert stored == statuses
        assert_unchanged(before, snapshot())
        if role != "staff":
            messages = [str(m) for m in get_messages(response.wsgi_request)]
            assert any(m.startswith(("Nothing changed", "No action selected")) for m in messages), messages


# Which status actions each role is offered on the claims list.
OFFERED_ACTIONS = {
    "editor": {"mark_disputed", "mark_unverified", "mark_retracted"},
    "senior": {
        "delete_selected",
        "mark_disputed",
        "mark_unverified",
        "mark_retracted",
        "mark_confirmed",
        "mark_refuted",
    },
    "superuser": {
        "delete_selected",
        "mark_disputed",
        "mark_unverified",
        "mark_retracted",
        "mark_confirmed",
        "mark_refuted",
    },
}


@pytest.mark.parametrize("role", sorted(OFFERED_ACTIONS))
def test_admin_offers_each_role_its_actions(world, role):
    response = world.admin_client(role).get(reverse("admin:claims_claim_changelist"))
    offered = {value for value, _ in response.context["action_form"].fields["action"].choices if value}
    assert offered == OFFERED_ACTIONS[role]


# ---------------------------------------------------------------------------------------------
# Mass assignment: fields the server owns are ignored when a client sends them.
# ---------------------------------------------------------------------------------------------

LONG_AGO = "2001-01-01T00:00:00Z"


def server_owned_fields(world: World, resource: str, as_read: bool) -> dict:
    """Every read-only field of the resource's serializer, with a value a client might forge.

    `as_read`: relations as the API returns them (nested objects), as a client sending back what it read.
    """

    def user_ref(user):
        return {"id": user.pk, "display_name": display_name_of(user)} if as_read else user.pk

    forged = {"id": 987654, "version": 42}
    if resource in ("sources", "topics"):
        forged["claim_count"] = 99
    if resource == "claims":
        forged |= {
            "created_at": LONG_AGO,
            "updated_at": LONG_AGO,
            "created_by": user_ref(world.other),
            "denial_count": 7,
            "reviews": [{"rating": "true", "summary": "forged", "reviewer": user_ref(world.other)}],
            "links_out": [{"relation": "denies", "claim": {"id": world.denial.pk}}],
            "links_in": [{"relation": "supports", "claim": {"id": world.denial.pk}}],
        }
    if resource == "reviews":
        forged["reviewer"] = user_ref(world.other)
    return forged


def _mass_assignment_params():
    for resource in RESOURCES:
        for method in ("POST", "PUT", "PATCH"):
            for role in ("editor", "superuser"):
                yield pytest.param(resource, method, role, id=f"{resource}-{method}-{role}")


@pytest.mark.parametrize(("resource", "method", "role"), list(_mass_assignment_params()))
def test_api_ignores_server_owned_fields(world, resource, method, role):
    spec = RESOURCES[resource]
    model = spec.model
    actor = world.user(role)
    client = world.api_client(role)
    world.denial  # noqa: B018 (made before the counts below)
    forged = server_owned_fields(world, resource, as_read=method != "POST")
    if method == "POST":
        url, body = f"/api/{resource}/", {**create_body(world, resource), **forged}
    else:
        target = world.target(resource)
        url, body = f"/api/{resource}/{target.pk}/", {**change_body(resource, method, target), **forged}
        original = model.objects.get(pk=target.pk)
    reviews, links = Review.objects.count(), ClaimLink.objects.count()
    started = timezone.now()

    response = _api_request(client, method, url, body)

    assert response.status_code == (201 if method == "POST" else 200), describe(response)
    finished = timezone.now()
    obj = model.objects.get(**CREATED[resource]) if method == "POST" else model.objects.get(pk=target.pk)
    assert obj.pk != 987654 and not model.objects.filter(pk=987654).exists()
    assert response.json()["id"] == obj.pk
    if method == "POST":
        assert obj.version == 1
        assert latest_revision(model, obj.pk).history_user == actor
    else:
        assert obj.pk == target.pk
        assert obj.version == original.version + 1
        assert getattr(obj, spec.field) == spec.value
    assert response.json()["version"] == obj.version
    if model is Claim:
        if method == "POST":
            assert obj.created_by == actor
            assert started <= obj.created_at <= finished
        else:
            assert obj.created_by == original.created_by == world.creator
            assert obj.created_at == original.created_at
        assert started <= obj.updated_at <= finished
        assert (Review.objects.count(), ClaimLink.objects.count()) == (reviews, links), "nested lists are read-only"
    if model is Review:
        assert obj.reviewer == (actor if method == "POST" else world.creator)


def test_admin_ignores_server_owned_fields_when_adding(world):
    editor = world.user("editor")
    client = world.admin_client("editor")
    forged = {
        "created_by": world.other.pk,
        "created_at_0": "2001-01-01",
        "created_at_1": "00:00:00",
        "updated_at_0": "2001-01-01",
        "updated_at_1": "00:00:00",
        "version": 42,
        "id": 987654,
    }
    started = timezone.now()

    claim_page = client.post(reverse("admin:claims_claim_add"), {**admin_add_data(world, "claim"), **forged})
    review_page = client.post(
        reverse("admin:claims_review_add"), {**admin_add_data(world, "review"), "reviewer": world.other.pk, **forged}
    )

    assert (claim_page.status_code, review_page.status_code) == (302, 302), describe(claim_page)
    claim = Claim.objects.get(text="Added claim")
    assert (claim.created_by, claim.version) == (editor, 1)
    assert claim.pk != 987654 and claim.created_at >= started
    review = Review.objects.get(rating="false")
    assert (review.reviewer, review.version) == (editor, 1)


def test_admin_ignores_server_owned_fields_when_changing(world):
    claim, review = world.claim, world.review
    client = world.admin_client("editor")
    data = claim_form_data(
        claim,
        text="Reworded",
        created_by=world.other.pk,
        version=42,
        **{
            "reviews-TOTAL_FORMS": "2",
            "reviews-INITIAL_FORMS": "1",
            # The existing review, edited, with a forged reviewer...
            "reviews-0-id": review.pk,
            "reviews-0-claim": claim.pk,
            "reviews-0-rating": "false",
            "reviews-0-reviewed_on": str(review.reviewed_on),
            "reviews-0-loaded_version": review.version,
            "reviews-0-reviewer": world.other.pk,
            # ...and a new one, also with a forged reviewer.
            "reviews-1-claim": claim.pk,
            "reviews-1-rating": "mixed",
            "reviews-1-reviewed_on": "2017-11-11",
            "reviews-1-reviewer": world.other.pk,
        },
    )

    response = client.post(reverse("admin:claims_claim_change", args=[claim.pk]), data)

    assert response.status_code == 302, describe(response)
    stored = Claim.objects.get(pk=claim.pk)
    assert (stored.text, stored.created_by, stored.version) == ("Reworded", world.creator, claim.version + 1)
    assert Review.objects.get(pk=review.pk).reviewer == world.creator
    assert Review.objects.get(rating="mixed").reviewer == world.user("editor")


@pytest.mark.parametrize("model", ["source", "article", "topic", "claim", "claimlink", "review"])
def test_the_admin_history_of_a_deleted_record_stays_readable(world, model):
    # The record is gone; its revisions are not, and editors read them (a 500 for models without
    # `updated_at` until simple-history was told to exclude only fields a model has).
    target = admin_target(world, model)
    pk = target.pk
    target.delete()
    client = world.admin_client("editor")

    response = client.get(reverse(f"admin:claims_{model}_history", args=[pk]))

    assert response.status_code == 200, describe(response)
    assert [entry.history_type for entry in response.context["page_obj"]] == ["-", "+"]


@pytest.mark.parametrize(("role", "deletes"), [("editor", False), ("senior", True), ("superuser", True)])
def test_deleting_through_the_claim_pages_inlines_needs_the_delete_permission(world, role, deletes):
    claim, link, review = world.claim, world.link, world.review
    client = world.admin_client(role)
    data = claim_form_data(
        claim,
        **{
            "links_in-TOTAL_FORMS": "1",
            "links_in-INITIAL_FORMS": "1",
            "links_in-0-id": link.pk,
            "links_in-0-to_claim": claim.pk,
            "links_in-0-from_claim": link.from_claim_id,
            "links_in-0-relation": link.relation,
            "links_in-0-loaded_version": link.version,
            "links_in-0-DELETE": "on",
            "reviews-TOTAL_FORMS": "1",
            "reviews-INITIAL_FORMS": "1",
            "reviews-0-id": review.pk,
            "reviews-0-claim": claim.pk,
            "reviews-0-rating": review.rating,
            "reviews-0-summary": review.summary,
            "reviews-0-reviewed_on": str(review.reviewed_on),
            # As the page posts it: the field has a callable default, so the form compares with this.
            "initial-reviews-0-reviewed_on": str(review.reviewed_on),
            "reviews-0-loaded_version": review.version,
            "reviews-0-DELETE": "on",
        },
    )
    before = snapshot()

    response = client.post(reverse("admin:claims_claim_change", args=[claim.pk]), data)

    assert response.status_code == 302, describe(response)
    if deletes:
        assert_deleted(ClaimLink, link.pk, world.user(role))
        assert_deleted(Review, review.pk, world.user(role))
    else:
        # The form saves (nothing changed) and the delete boxes are ignored: the admin only logs the visit.
        after = snapshot()
        assert_unchanged(
            {t: rows for t, rows in before.items() if t.startswith("claims_")},
            {t: rows for t, rows in after.items() if t.startswith("claims_")},
        )


def test_an_editor_cannot_make_themselves_superuser(world):
    editor = world.user("editor")
    client = world.admin_client("editor")
    before = snapshot()

    response = client.post(
        reverse("admin:auth_user_change", args=[editor.pk]),
        {
            **admin_change_data(world, "user", editor),
            "is_superuser": "on",
            "groups": [Group.objects.get(name="senior editors").pk],
        },
    )

    assert response.status_code == 403
    assert_unchanged(before, snapshot())


# ---------------------------------------------------------------------------------------------
# Tokens.
# ---------------------------------------------------------------------------------------------

# (how the request authenticates, GET /api/claims/, POST /api/sources/)
TOKEN_CASES = {
    "editor-token": (200, 201),  # write scope
    "editors-admin-token": (200, 201),
    "editors-read-token": (200, 403),  # the role could write; the scope cannot
    "norole-token": (200, 403),  # write scope: the scope could; the role cannot
    "wrong-token": (401, 401),
    "expired-token": (401, 401),
    "revoked-token": (401, 401),
    "key-prefix-only": (401, 401),  # the first characters, which the database holds as they are
    "inactive-users-token": (401, 401),
    "empty-token": (401, 401),
    "token-with-spaces": (401, 401),
    "non-ascii-token": (401, 401),
    "token-with-nul": (401, 401),
    "bearer-scheme": (200, 401),  # not our scheme: the request is anonymous
}


def _authorization(world: World, case: str) -> str:
    def key(user, scope="write", expired=False, revoked=False):
        token, secret = token_issue(user=user, name="case", scope=scope)
        # As if used a moment ago (see World.api_client); an expired token, expired a moment ago.
        now = timezone.now()
        ApiToken.objects.filter(pk=token.pk).update(last_used=now, **({"expiry": now} if expired else {}))
        if revoked:
            token.delete()
        return secret

    return {
        "editor-token": lambda: f"Token {key(world.user('editor'))}",
        "editors-admin-token": lambda: f"Token {key(world.user('editor'), 'admin')}",
        "editors-read-token": lambda: f"Token {key(world.user('editor'), 'read')}",
        "norole-token": lambda: f"Token {key(world.user('norole'))}",
        "wrong-token": lambda: "Token 0123456789abcdef0123456789abcdef01234567",
        "expired-token": lambda: f"Token {key(world.user('editor'), expired=True)}",
        "revoked-token": lambda: f"Token {key(world.user('editor'), revoked=True)}",
        "key-prefix-only": lambda: f"Token {key(world.user('editor'))[:15]}",
        "inactive-users-token": lambda: f"Token {key(make_user('gone', groups=['editors'], is_active=False))}",
        "empty-token": lambda: "Token",
        "token-with-spaces": lambda: f"Token {key(world.user('editor'))} extra",
        "non-ascii-token": lambda: f"Token {key(world.user('editor'))}\u00e9",
        "token-with-nul": lambda: f"Token {key(world.user('editor'))}\x00",
        "bearer-scheme": lambda: f"Bearer {key(world.user('editor'))}",
    }[case]()


@pytest.mark.parametrize("method", ["GET", "POST"])
@pytest.mark.parametrize("case", list(TOKEN_CASES))
def test_tokens(world, case, method):
    expected = TOKEN_CASES[case][0 if method == "GET" else 1]
    client = APIClient(HTTP_AUTHORIZATION=_authorization(world, case))
    before = snapshot()

    if method == "GET":
        response = client.get("/api/claims/")
    else:
        response = client.post("/api/sources/", {"slug": "new-source", "name": "New source", "kind": "ngo"})

    assert response.status_code == expected, describe(response)
    if expected == 401:
        assert response["WWW-Authenticate"] == "Token"
    if expected == 201:
        assert_created(Source, {"slug": "new-source"}, world.user("editor"))
    else:
        assert_unchanged(before, snapshot())


@pytest.mark.parametrize(
    ("who", "password", "expected"),
    [
        ("editor", PASSWORD, 200),
        ("editor", "wrong", 401),
        ("inactive", PASSWORD, 401),
        ("nobody", PASSWORD, 401),
        ("editor", None, 400),  # no password at all: bad input, naming the field
    ],
)
def test_the_token_endpoint(world, who, password, expected):
    user = {
        "editor": lambda: world.user("editor"),
        "inactive": lambda: make_user("inactive", groups=["editors"], is_active=False),
        "nobody": lambda: None,
    }[who]()
    before = snapshot()

    body = {"username": user.username if user else "nobody", "password": password}
    response = APIClient().post("/api/auth/token/", {k: v for k, v in body.items() if v is not None})

    assert response.status_code == expected, describe(response)
    if expected == 400:
        assert "password" in response.json()
    if expected == 200:
        issued = ApiToken.objects.get(user=user)
        assert (issued.name, issued.scope, issued.pk) == ("token endpoint", "write", response.json()["id"])
        token_client = APIClient(HTTP_AUTHORIZATION=f"Token {response.json()['token']}")
        assert token_client.patch(f"/api/topics/{world.topic.pk}/", {"name": "Renamed"}).status_code == 200
    else:
        assert_unchanged(before, snapshot())


def test_a_session_write_to_the_api_needs_the_csrf_token(world):
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(world.user("editor"))
    world.source  # noqa: B018
    before = snapshot()

    refused = client.post("/api/topics/", {"slug": "new-topic", "name": "New topic", "kind": "event"}, format="json")

    assert refused.status_code == 403
    assert "CSRF" in refused.json()["detail"]
    assert_unchanged(before, snapshot())
    client.get("/admin/")  # sets the CSRF cookie, as a page of the site would
    token = client.cookies["csrftoken"].value
    allowed = client.post(
        "/api/topics/",
        {"slug": "new-topic", "name": "New topic", "kind": "event"},
        format="json",
        HTTP_X_CSRFTOKEN=token,
    )
    assert allowed.status_code == 201
    assert_created(Topic, {"slug": "new-topic"}, world.user("editor"))


def test_deactivating_a_user_stops_their_token(world):
    editor = world.user("editor")
    client = world.api_client("editor")
    assert client.patch(f"/api/topics/{world.topic.pk}/", {"name": "Renamed"}, format="json").status_code == 200
    editor.is_active = False
    editor.save()
    before = snapshot()

    response = client.patch(f"/api/topics/{world.topic.pk}/", {"name": "Renamed again"}, format="json")

    assert response.status_code == 401
    assert_unchanged(before, snapshot())


# ---------------------------------------------------------------------------------------------
# Token scopes: a superuser's token of each scope, every unsafe method on every path of the API.
# ---------------------------------------------------------------------------------------------

# By kind of path (PATH_KINDS, which test_every_schema_path_has_a_kind_for_the_methods_it_lacks holds
# to the schema's paths), for each scope: `403`, refused for its scope, writing nothing; `ok`, let
# through (a superuser is then never refused: a write happens, or the method is not offered);
# `password`, the token is not read (the token endpoint: it answers as to anyone without one).
SCOPE_MATRIX = """
# kind         read      write     admin
collection     403       ok        ok
record         403       ok        ok
read-only      403       ok        ok
feed           403       ok        ok
action         403       ok        ok
own-list       403       403       ok
own-record     403       403       ok
token          password  password  password
api-page       403       ok        ok
webhook-list   403       ok        ok
webhook-record 403       ok        ok
webhook-read   403       ok        ok
webhook-action 403       ok        ok
"""
SCOPES = ["read", "write", "admin"]
SCOPE_RULES = {
    columns[0]: dict(zip(SCOPES, columns[1:], strict=True))
    for columns in (line.split() for line in SCOPE_MATRIX.strip().splitlines() if not line.startswith("#"))
}
# Pages of the API outside the schema: its root, the schema, the docs.
API_PAGES = {"/api/": "api-page", "/api/schema/": "api-page", "/api/docs/": "api-page"}
UNSAFE_METHODS = ["POST", "PUT", "PATCH", "DELETE"]


def scope_body(world: World, path: str, method: str) -> dict:
    """A body the request would succeed with, were it allowed."""
    resource = path.split("/")[2] if path.startswith("/api/") else ""
    if resource in RESOURCES and path == f"/api/{resource}/" and method == "POST":
        return create_body(world, resource)
    if resource in RESOURCES and path == f"/api/{resource}/{{id}}/" and method in ("PUT", "PATCH"):
        return change_body(resource, method, world.target(resource))
    if path == "/api/tokens/":
        return {"name": "scoped new", "scope": "read"}
    if path == "/api/articles/{id}/accept/":
        return {"drafts": [accept_draft(world)]}
    if path == "/api/extract/":
        return {"text": world.article.body, "published_on": "2017-11-08"}
    return {"name": "x"}


def _scope_params():
    for path, kind in {**PATH_KINDS, **API_PAGES}.items():
        for method in UNSAFE_METHODS:
            for scope in SCOPES:
                yield pytest.param(path, kind, method, scope, id=f"{path}-{method}-{scope}")


@pytest.mark.parametrize(("path", "kind", "method", "scope"), list(_scope_params()))
def test_token_scope(world, path, kind, method, scope):
    expected = SCOPE_RULES[kind][scope]
    token, secret = token_issue(user=world.user("superuser"), name="scoped", scope=scope)
    ApiToken.objects.filter(pk=token.pk).update(last_used=timezone.now())  # see World.api_client
    client = APIClient(HTTP_AUTHORIZATION=f"Token {secret}")
    if path.startswith("/api/tokens/"):
        url = path.replace("{id}", str(world.spare_token("superuser").pk))
    else:
        url = world.api_url(path, showing=False)
    body = scope_body(world, path, method)
    before = snapshot()

    response = _api_request(client, method, url, body)

    if expected == "403":
        assert response.status_code == 403, describe(response)
        if response["Content-Type"].startswith("application/json"):  # the schema and docs answer in their own
            assert response.json()["detail"].startswith(f"This token's scope is {scope}; a {method} here needs")
        assert_unchanged(before, snapshot())
    elif expected == "ok":
        assert response.status_code not in (401, 403), describe(response)
    else:
        anonymous = _api_request(APIClient(), method, url, body)
        assert response.status_code == anonymous.status_code != 200, describe(response)
        assert_unchanged(before, snapshot())


def test_a_read_token_reads_everything_a_session_reads(world):
    # The other side of the read scope: every GET row of the API matrix, by a superuser's read token.
    token, secret = token_issue(user=world.user("superuser"), name="reader", scope="read")
    client = APIClient(HTTP_AUTHORIZATION=f"Token {secret}")
    session = APIClient()
    session.force_login(world.user("superuser"))
    for row in API_ROWS:
        if row.method != "GET":
            continue
        url = world.api_url(row.path.replace("/api/tokens/{id}/", f"/api/tokens/{token.pk}/"))
        assert client.get(url).status_code == session.get(url).status_code == row.cells["superuser"].status, url
