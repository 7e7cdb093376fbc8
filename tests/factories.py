"""Small builders for test data: each makes a valid record, overridable field by field."""

import datetime
import itertools

from django.contrib.auth.models import Group, User
from django.test import Client
from rest_framework.test import APIClient

from claims.models import Article, Claim, ClaimLink, Profile, Review, Source, Topic
from claims.tokens.services import token_issue

_seq = itertools.count(1)


def make_source(**fields) -> Source:
    n = next(_seq)
    fields = {"slug": f"source-{n}", "name": f"Source {n}", "kind": "media", **fields}
    return Source.objects.create(**fields)


def make_article(**fields) -> Article:
    n = next(_seq)
    fields = {"title": f"Article {n}", "published_on": datetime.date(2017, 11, 8), **fields}
    if "publisher" not in fields:
        fields["publisher"] = make_source()
    return Article.objects.create(**fields)


def make_topic(**fields) -> Topic:
    n = next(_seq)
    fields = {"slug": f"topic-{n}", "name": f"Topic {n}", "kind": "place", **fields}
    return Topic.objects.create(**fields)


def make_claim(topics=(), **fields) -> Claim:
    n = next(_seq)
    fields = {"text": f"Claim number {n}", "claimed_on": datetime.date(2017, 11, 8), **fields}
    if "source" not in fields:
        fields["source"] = make_source()
    claim = Claim.objects.create(**fields)
    claim.topics.set(topics)
    return claim


def make_link(from_claim, to_claim, relation="denies", **fields) -> ClaimLink:
    return ClaimLink.objects.create(from_claim=from_claim, to_claim=to_claim, relation=relation, **fields)


def make_review(claim, rating="unproven", **fields) -> Review:
    return Review.objects.create(claim=claim, rating=rating, **fields)


def logged_in(user) -> Client:
    """A browser-like client (session login) for the admin, as `user`."""
    client = Client()
    client.force_login(user)
    return client


def admin_client(*groups, **flags) -> Client:
    """A logged-in admin client for a new staff user in `groups` (or e.g. is_superuser=True)."""
    return logged_in(make_user(groups=groups, is_staff=True, **flags))


def make_user(username=None, groups=(), display_name=None, **fields) -> User:
    """A user who can log in with "pw-for-tests-9"; with a profile if `display_name` is given."""
    user = User.objects.create_user(username=username or f"user{next(_seq)}", password="pw-for-tests-9", **fields)
    user.groups.set(Group.objects.filter(name__in=groups))
    if display_name is not None:
        Profile.objects.create(user=user, display_name=display_name)
    return user


def make_token(user, scope="write", **fields) -> str:
    """A new API token of `user` (through the service, as every token is made); its secret."""
    return token_issue(user=user, name=fields.pop("name", "test token"), scope=scope, **fields)[1]


def token_client(user, scope="write") -> APIClient:
    """An API client that sends a new token of `user` of `scope`, as real clients do."""
    return APIClient(HTTP_AUTHORIZATION=f"Token {make_token(user, scope)}")


def claim_form_data(claim, **overrides):
    """What the admin's claim change form posts for `claim`, as the page showed it."""
    data = {
        "text": claim.text,
        "quote": claim.quote,
        "language": claim.language,
        "status": claim.status,
        "loaded_version": claim.version,
        "source": claim.source_id,
        "claimed_on": claim.claimed_on.isoformat(),
        "claimed_on_precision": claim.claimed_on_precision,
        "links_out-TOTAL_FORMS": "0",
        "links_out-INITIAL_FORMS": "0",
        "links_in-TOTAL_FORMS": "0",
        "links_in-INITIAL_FORMS": "0",
        "reviews-TOTAL_FORMS": "0",
        "reviews-INITIAL_FORMS": "0",
        "appearances-TOTAL_FORMS": "0",
        "appearances-INITIAL_FORMS": "0",
    }
    # The translations' rows: one a translation, then the blank one for adding another.
    rows = [*claim.translations, {"language": "", "text": "", "quote": "", "kind": "human", "by": ""}]
    data["translations-TOTAL"] = str(len(rows))
    for index, row in enumerate(rows):
        data.update({f"translations-{index}-{key}": value for key, value in row.items()})
    return {**data, **overrides}
