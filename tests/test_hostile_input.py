"""A corpus of hostile input: what real clients send by mistake or on purpose.

The corpus is data: each table below holds one case a line (its name first), and a few parametrized
tests run every case against every endpoint, field and method it applies to. Adding a case is adding
a line.

- Writes run as a superuser, so that permission is never what refuses them. A refused write gets a
  4xx whose JSON says what is wrong (a non-empty `detail`, or the fields at fault with messages), and
  every claims table and history table is as it was, row for row (`snapshot()`).
- What is legitimately valid (Arabic and mixed-direction text, emoji and joiners, markup and SQL as
  text, a JSON body that names a wrong charset) is accepted and read back byte for byte.
- Markup is escaped wherever a record is shown: admin pages, the browsable API, the public page.
- Reads with hostile parameters get a 200 that matches nothing (or ignores an unknown parameter) or
  a 4xx naming the parameter; odd ids in a path are a 404. Never a 500, never a 503 for bad input.

Left to tests/test_bad_input.py and tests/test_hostile_admin_and_races.py, which have them: POST
/api/claims/ with malformed JSON, an empty body, a JSON list, XML, a lone surrogate or NUL in `text`,
four out-of-range `claimed_on` dates, odd `source` ids and 2,001 characters of text; NUL anywhere in
a query string; 100,000-deep nesting; big ids in the id filters; `ordering=password`,
`source__created_by__password`, `-` and `text` on claims; malformed `page` and `page_size` on claims;
crafted autocomplete values in the claim admin and bad aliases in the source admin.
"""

import json
from dataclasses import dataclass
from types import SimpleNamespace
from urllib.parse import quote

import django_filters
import pytest
from django.apps import apps
from django.contrib.auth.models import User
from django.db import connection, transaction
from django.urls import reverse
from django.utils.html import escape
from rest_framework.test import APIClient

from claims import search
from claims.api import filtersets, views
from claims.models import Article, Claim, ClaimLink, Review, Source, Topic
from tests.factories import (
    claim_form_data,
    logged_in,
    make_article,
    make_claim,
    make_link,
    make_review,
    make_source,
    make_topic,
    make_user,
)

pytestmark = pytest.mark.django_db

JSON = "application/json"
MB = 1_000_000
ARABIC_DIGITS = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")
FULL_WIDTH_DIGITS = str.maketrans("0123456789", "０１２３４５６７８９")


def cases(table):
    """A table's rows as pytest parameters, each named by its first column."""
    return [pytest.param(*row[1:], id=row[0]) for row in table]


# The record every test starts from ---------------------------------------------------------------


def make_world() -> SimpleNamespace:
    """One of everything, as the demo has it; no digits in its text, so that no search matches by chance."""
    pmf = make_source(slug="pmf", name="Popular Mobilisation Forces", kind="armed_group")
    asadi = make_source(slug="al-asadi", name="Ahmed al-Asadi", kind="person", role="spokesman", affiliation=pmf)
    outlet = make_source(slug="reuters", name="Reuters", kind="media")
    sohr = make_source(slug="sohr", name="Syrian Observatory for Human Rights", kind="ngo", aliases=["SOHR"])
    article = make_article(title="Assault on Albu Kamal", publisher=outlet, url="https://example.org/albu-kamal")
    topic = make_topic(slug="albu-kamal", name="Albu Kamal", aliases=["البوكمال"])
    crossed = make_claim(text="Iraqi militias crossed into Syria", source=sohr, article=article, topics=[topic])
    denial = make_claim(text="We have no orders to cross the border", source=pmf, speaker=asadi, via=outlet)
    link = make_link(denial, crossed, "denies", note="The spokesman's words")
    review = make_review(crossed, summary="Nothing else in the report confirms it.")
    spare = make_source(slug="spare", name="A source nothing refers to", kind="other")
    boss = make_user("world-boss", is_superuser=True, is_staff=True)  # who makes every write
    # Authors whose password hashes sort the claims against their default order (newest first): an
    # `ordering=created_by__password` that got through would show in the order.
    for claim, hashed in ((crossed, "a"), (denial, "z")):
        claim.created_by = make_user(f"author-{hashed}")
        User.objects.filter(pk=claim.created_by.pk).update(password=hashed * 20)
        Claim.objects.filter(pk=claim.pk).update(created_by=claim.created_by)
    return SimpleNamespace(**locals())


@pytest.fixture(scope="module")
def _module_world(django_db_setup, django_db_blocker):
    # Made once for the module, in a transaction that each test's own (a savepoint) rolls back to:
    # three thousand tests would otherwise spend most of their time making it again.
    with django_db_blocker.unblock(), transaction.atomic():
        yield make_world()
        transaction.set_rollback(True)


@pytest.fixture
def world(_module_world, db):
    assert Source.objects.count() == 5, "a write of an earlier test was not rolled back"
    return _module_world


@pytest.fixture
def client_super(world):
    """The API as the world's superuser (conftest's fixture of this name makes a user per test)."""
    client = APIClient()
    client.force_authenticate(world.boss)
    return client


def snapshot() -> dict:
    """Every row of every claims table, history tables included, in primary key order."""
    dump = {}
    with connection.cursor() as cursor:
        for model in apps.get_app_config("claims").get_models():
            cursor.execute(f"SELECT * FROM {model._meta.db_table} ORDER BY 1")
            dump[model._meta.db_table] = cursor.fetchall()
    return dump


# The endpoints and their fields ------------------------------------------------------------------


@dataclass(frozen=True)
class Endpoint:
    name: str
    model: type
    target: str  # the world's record that PUT and PATCH change
    text: tuple[str, ...]  # every string field the API writes
    free_text: tuple[str, ...]  # those where any text is valid
    urls: tuple[str, ...] = ()
    relations: tuple[str, ...] = ()
    dates: tuple[str, ...] = ()
    choices: tuple[str, ...] = ()

    def __str__(self):
        return self.name

    def valid_body(self, w) -> dict:
        """A body that POST and PUT accept as it is."""
        return {
            "sources": lambda: {
                "slug": "new-source",
                "name": "New source",
                "kind": "ngo",
                "description": "Who they are.",
                "role": "spokesman",
                "affiliation": w.pmf.pk,
                "country": "SY",
                "url": "https://example.org/new-source",
                "aliases": ["Another name"],
            },
            "articles": lambda: {
                "title": "A new report",
                "url": "https://example.org/new-report",
                "publisher": w.outlet.pk,
                "published_on": "2017-11-09",
                "dateline": "BEIRUT",
                "language": "en",
            },
            "topics": lambda: {"slug": "new-topic", "name": "New topic", "kind": "place", "aliases": ["Elsewhere"]},
            "claims": lambda: {
                "text": "Government forces entered the town",
                "quote": "The army has entered the town",
                "language": "ar",
                "source": w.pmf.pk,
                "speaker": w.asadi.pk,
                "via": w.outlet.pk,
                "article": w.article.pk,
                "claimed_on": "2017-11-08",
                "claimed_on_precision": "day",
                "status": "disputed",
                "topics": [w.topic.pk],
            },
            "links": lambda: {
                "from_claim": w.crossed.pk,
                "to_claim": w.denial.pk,
                "relation": "supports",
                "note": "Both name the border",
            },
            "reviews": lambda: {
                "claim": w.denial.pk,
                "rating": "unproven",
                "summary": "Nothing confirms it.",
                "url": "https://example.org/evidence",
                "reviewed_on": "2017-11-10",
            },
        }[self.name]()

    def max_length(self, field: str) -> int:
        return 200 if field == "aliases" else self.model._meta.get_field(field).max_length


ENDPOINTS = [
    Endpoint(
        "sources",
        Source,
        "spare",
        text=("slug", "name", "kind", "description", "role", "country", "url", "aliases"),
        free_text=("name", "description", "role", "aliases"),
        urls=("url",),
        relations=("affiliation",),
        choices=("kind",),
    ),
    Endpoint(
        "articles",
        Article,
        "article",
        text=("title", "url", "dateline", "language"),
        free_text=("title", "dateline"),
        urls=("url",),
        relations=("publisher",),
        dates=("published_on",),
    ),
    Endpoint(
        "topics",
        Topic,
        "topic",
        text=("slug", "name", "kind", "aliases"),
        free_text=("name", "aliases"),
        choices=("kind",),
    ),
    Endpoint(
        "claims",
        Claim,
        "crossed",
        text=("text", "quote", "language", "claimed_on_precision", "status"),
        free_text=("text", "quote"),
        relations=("source", "speaker", "via", "article", "topics"),
        dates=("claimed_on",),
        choices=("claimed_on_precision", "status"),
    ),
    Endpoint(
        "links",
        ClaimLink,
        "link",
        text=("relation", "note"),
        free_text=("note",),
        relations=("from_claim", "to_claim"),
        choices=("relation",),
    ),
    Endpoint(
        "reviews",
        Review,
        "review",
        text=("rating", "summary", "url"),
        free_text=("summary",),
        urls=("url",),
        relations=("claim",),
        dates=("reviewed_on",),
        choices=("rating",),
    ),
]
BY_NAME = {endpoint.name: endpoint for endpoint in ENDPOINTS}
METHODS = ["POST", "PUT", "PATCH"]
VIEWSETS = {
    "sources": views.SourceViewSet,
    "articles": views.ArticleViewSet,
    "topics": views.TopicViewSet,
    "claims": views.ClaimViewSet,
    "links": views.ClaimLinkViewSet,
    "reviews": views.ReviewViewSet,
}


def send(client, endpoint: Endpoint, method: str, w, body: bytes, content_type=JSON):
    """POST to the list, or PUT / PATCH the endpoint's target record."""
    url = f"/api/{endpoint.name}/"
    if method != "POST":
        url += f"{getattr(w, endpoint.target).pk}/"
    return client.generic(method, url, body, content_type=content_type)


def body_with(endpoint: Endpoint, method: str, w, field: str, value) -> dict:
    """The valid body with one field's value replaced (for PATCH, that field alone)."""
    if field == "aliases" or (field == "topics" and not isinstance(value, list)):
        value = [value]
    return {field: value} if method == "PATCH" else {**endpoint.valid_body(w), field: value}


def as_sent(field: str, value):
    return [value] if field == "aliases" else value


def dumps(data) -> bytes:
    return json.dumps(data, ensure_ascii=False).encode()


def total(response) -> int:
    """How many items a list answered: its count, or for keyset pages (no count) the rows of its only page."""
    body = response.json()
    if "count" in body:
        return body["count"]
    assert body["next"] is None, "the world is small enough for one page"
    return len(body["results"])


def assert_explained(response, *, says: str | None = None, field: str | None = None) -> dict:
    """A 4xx whose JSON says what is wrong: a non-empty `detail`, or fields with messages."""
    assert 400 <= response.status_code < 500, (response.status_code, response.content[:500])
    body = response.json()
    assert isinstance(body, dict) and body, body
    for key, messages in body.items():
        assert key.strip() and messages, body
    if "detail" in body:
        assert isinstance(body["detail"], str) and body["detail"].strip(), body
    if field is not None:
        assert field in body, (field, body)
    if says is not None:
        assert says in json.dumps(body, ensure_ascii=False), (says, body)
    return body


def messages_of(body: dict, field: str) -> str:
    """Every message about `field` as one text (list fields nest theirs by index)."""
    return json.dumps(body[field], ensure_ascii=False)


# 1. Bodies that are not a usable JSON object ----------------------------------------------------


def raw(data: bytes):
    return lambda valid: data


def as_is(valid: bytes) -> bytes:
    return valid


# An empty body changes nothing: POST and PUT lack their required fields, PATCH is a no-op (200, and
# nothing saved: no revision, no new version).
NOTHING = {"POST": 400, "PUT": 400, "PATCH": 200}

# (name, body made from the valid JSON body, content type, status, what the answer says)
BODY_CASES = [
    ("trailing comma", raw(b'{"name": "x",}'), JSON, 400, "JSON parse error"),
    ("single quotes", raw(b"{'name': 'x'}"), JSON, 400, "JSON parse error"),
    ("form encoding sent as JSON", raw(b"name=x&kind=media"), JSON, 400, "JSON parse error"),
    ("NaN", raw(b'{"name": NaN}'), JSON, 400, "JSON parse error"),
    ("Infinity", raw(b'{"version": Infinity}'), JSON, 400, "JSON parse error"),
    ("truncated in half", lambda valid: valid[: len(valid) // 2], JSON, 400, "JSON parse error"),
    ("truncated by one byte", lambda valid: valid[:-1], JSON, 400, "JSON parse error"),
    ("cut inside a UTF-8 character", raw('{"name": "ق'.encode()[:-1]), JSON, 400, "JSON parse error"),
    ("invalid UTF-8", raw(b'{"name": "\xff\xfe"}'), JSON, 400, "JSON parse error"),
    ("UTF-8 byte order mark", lambda valid: b"\xef\xbb\xbf" + valid, JSON, 400, "JSON parse error"),
    ("whitespace only", raw(b" \r\n\t "), JSON, 400, "JSON parse error"),
    ("a list holding the object", lambda valid: b"[" + valid + b"]", JSON, 400, "Expected a dictionary"),
    ("a number", raw(b"42"), JSON, 400, "Expected a dictionary"),
    ("a huge number", raw(str(10**100).encode()), JSON, 400, "Expected a dictionary"),
    ("a string", raw(b'"name"'), JSON, 400, "Expected a dictionary"),
    ("true", raw(b"true"), JSON, 400, "Expected a dictionary"),
    ("null", raw(b"null"), JSON, 400, "No data provided"),
    ("nested 10,000 lists deep", raw(b"[" * 10_000 + b"]" * 10_000), JSON, 400, "nested too deeply"),
    ("nested 10,000 objects deep", raw(b'{"a":' * 10_000 + b"1" + b"}" * 10_000), JSON, 400, "nested too deeply"),
    ("nested 10,000 deep in a field", raw(b'{"name": ' + b"[" * 10_000 + b"]" * 10_000 + b"}"), JSON, 400, "nested"),
    ("lone surrogate in a key", raw(b'{"\\ud800": "x"}'), JSON, 400, "surrogate"),
    ("text/plain", as_is, "text/plain", 415, "Unsupported media type"),
    ("application/xml", raw(b"<source><name>x</name></source>"), "application/xml", 415, "Unsupported media type"),
    ("no content type", as_is, "", 415, "Unsupported media type"),
    # The API reads JSON only (a form cannot say a value's type): any form encoding is a 415.
    ("multipart without a boundary", as_is, "multipart/form-data", 415, "Unsupported media type"),
    ("multipart with a JSON body", as_is, "multipart/form-data; boundary=xyz", 415, "Unsupported media type"),
    ("form-encoded with a JSON body", as_is, "application/x-www-form-urlencoded", 415, "Unsupported media type"),
    ("empty body", raw(b""), JSON, NOTHING, "This field is required."),
]


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=str)
@pytest.mark.parametrize(("build", "content_type", "status", "says"), cases(BODY_CASES))
def test_a_body_that_is_not_a_json_object(client_super, world, endpoint, method, build, content_type, status, says):
    status = status[method] if isinstance(status, dict) else status
    before = snapshot()
    response = send(client_super, endpoint, method, world, build(dumps(endpoint.valid_body(world))), content_type)
    assert response.status_code == status, response.content[:500]
    if status >= 400:
        assert_explained(response, says=says)
    assert snapshot() == before


# 2. One bad value in one field ------------------------------------------------------------------


def too_long(endpoint: Endpoint, field: str) -> str:
    """1 MB that is otherwise well-formed for the field, so that its length is what is wrong."""
    if field in endpoint.urls:
        return "https://example.org/" + "a" * MB
    return ("S" if field == "country" else "a") * MB


def says_no_nul(endpoint: Endpoint, field: str) -> str | None:
    return None if field in endpoint.choices else "Null characters are not allowed"


def says_max_length(endpoint: Endpoint, field: str) -> str | None:
    return None if field in endpoint.choices else f"no more than {endpoint.max_length(field)} characters"


# (name, value given the endpoint and field, what the message about the field says given the same)
TEXT_CASES = [
    ("NUL byte", lambda e, f: "before\x00after", says_no_nul),
    ("1 MB", too_long, says_max_length),
    ("an object", lambda e, f: {"text": "x"}, lambda e, f: None),
    ("a list 100 deep", lambda e, f: json.loads("[" * 100 + "]" * 100), lambda e, f: None),
    ("a number", lambda e, f: 12345, lambda e, f: None),
]
TEXT_FIELDS = [pytest.param(e, f, id=f"{e}.{f}") for e in ENDPOINTS for f in e.text]


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize(("value", "says"), cases(TEXT_CASES))
@pytest.mark.parametrize(("endpoint", "field"), TEXT_FIELDS)
def test_a_bad_text_value_is_refused_naming_the_field(client_super, world, endpoint, field, value, says, method):
    before = snapshot()
    body = body_with(endpoint, method, world, field, value(endpoint, field))
    response = send(client_super, endpoint, method, world, dumps(body))
    message = messages_of(assert_explained(response, field=field), field)
    if says(endpoint, field):
        assert says(endpoint, field) in message
    assert len(response.content) < 2 * MB  # a message may quote the value, but once at most
    assert snapshot() == before


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize(("endpoint", "field"), TEXT_FIELDS)
def test_a_lone_surrogate_in_a_text_field_is_refused(client_super, world, endpoint, field, method):
    # json.dumps cannot write one, so a marker is swapped for the escape in the JSON text.
    body = dumps(body_with(endpoint, method, world, field, "<lone surrogate>"))
    before = snapshot()
    response = send(client_super, endpoint, method, world, body.replace(b"<lone surrogate>", b"a\\ud800b"))
    assert_explained(response, says="surrogate")
    assert snapshot() == before


BAD_URLS = [
    ("javascript", "javascript:alert(1)"),
    ("data", "data:text/html,<script>alert(1)</script>"),
    ("markup, no scheme", '"><img src=x onerror=alert(1)>'),
    ("spaces", "https://example.org/a b"),
]
URL_FIELDS = [pytest.param(e, f, id=f"{e}.{f}") for e in ENDPOINTS for f in e.urls]


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("value", cases(BAD_URLS))
@pytest.mark.parametrize(("endpoint", "field"), URL_FIELDS)
def test_a_url_that_is_not_a_web_address_is_refused(client_super, world, endpoint, field, value, method):
    before = snapshot()
    response = send(client_super, endpoint, method, world, dumps(body_with(endpoint, method, world, field, value)))
    assert_explained(response, field=field)
    assert snapshot() == before


BAD_DATES = [
    ("year zero", "0000-01-01"),
    ("five-digit year", "10000-01-01"),
    ("30 February", "2017-02-30"),
    ("month 13", "2017-13-01"),
    ("a number", 99999999),
    ("eight digits as text", "99999999"),
    ("a negative year", "-2017-11-08"),
    ("a datetime", "2017-11-08T12:00:00Z"),
    ("day and month swapped", "08/11/2017"),
    ("Arabic-Indic digits", "2017-11-08".translate(ARABIC_DIGITS)),
    ("a fraction", 2017.5),
    ("true", True),
    ("an object", {"year": 2017}),
    ("SQL", "2017-11-08' OR '1'='1"),
]
DATE_FIELDS = [pytest.param(e, f, id=f"{e}.{f}") for e in ENDPOINTS for f in e.dates]


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("value", cases(BAD_DATES))
@pytest.mark.parametrize(("endpoint", "field"), DATE_FIELDS)
def test_a_date_out_of_range_or_malformed_is_refused_naming_the_field(
    client_super, world, endpoint, field, value, method
):
    before = snapshot()
    response = send(client_super, endpoint, method, world, dumps(body_with(endpoint, method, world, field, value)))
    assert_explained(response, field=field)
    assert snapshot() == before


# (name, value given a valid id for the relation). int(), which the lookup uses, reads 2.5, "0_2", "٢"
# (Arabic-Indic two) and a full-width 2 all as 2: each would name a record the client did not.
BAD_IDS = [
    ("2**63", lambda pk: 2**63),
    ("2**64", lambda pk: 2**64),
    ("10**100", lambda pk: 10**100),
    ("-1", lambda pk: -1),
    ("0", lambda pk: 0),
    ("1e3", lambda pk: "1e3"),
    ("true", lambda pk: True),
    ("a real id and a half", lambda pk: pk + 0.5),
    ("a real id in Arabic-Indic digits", lambda pk: str(pk).translate(ARABIC_DIGITS)),
    ("a real id in full-width digits", lambda pk: str(pk).translate(FULL_WIDTH_DIGITS)),
    ("a real id with an underscore", lambda pk: f"0_{pk}"),
    ("SQL", lambda pk: f"{pk}; DROP TABLE claims_claim"),
    ("an object with a huge id", lambda pk: {"id": 2**64}),
    ("an object with a real id and a half", lambda pk: {"id": pk + 0.5}),
    ("an object in an object", lambda pk: {"id": {"id": pk}}),
    ("a list", lambda pk: [[pk]]),
]
RELATIONS = [pytest.param(e, f, id=f"{e}.{f}") for e in ENDPOINTS for f in e.relations]


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("value", cases(BAD_IDS))
@pytest.mark.parametrize(("endpoint", "field"), RELATIONS)
def test_an_odd_id_for_a_relation_is_refused_naming_the_field(client_super, world, endpoint, field, value, method):
    valid = endpoint.valid_body(world)[field]
    body = body_with(endpoint, method, world, field, value(valid[0] if isinstance(valid, list) else valid))
    before = snapshot()
    response = send(client_super, endpoint, method, world, dumps(body))
    assert_explained(response, field=field)
    assert snapshot() == before


# 3. What must be accepted, and read back exactly ------------------------------------------------

# (name, value given the field's maximum length)
TEXTS = [
    ("Arabic after a right-to-left mark", lambda n: "\u200fقال المتحدث باسم الحشد الشعبي أحمد الأسدي"),
    ("mixed direction with an override", lambda n: "PMF: \u202eقوات الحشد\u202c said \u2067عربي\u2069 (2017)"),
    ("combining marks", lambda n: "مُحَمَّدٌ e\u0301 a\u0308\u0301 \u0627\u0653 Z\u0337\u0335"),
    ("emoji and zero-width joiners", lambda n: "👨\u200d👩\u200d👧 🇸🇾 ✊🏽 \u200dعربي\u200c"),
    ("Persian zero-width non-joiner", lambda n: "می\u200cخواهم"),
    ("Arabic-Indic digits", lambda n: "١٢٣ ۴۵۶ ٪"),
    ("surrounding spaces", lambda n: " \u00a0padded\u3000 "),
    ("a script element", lambda n: "<script>alert(1)</script>"),
    ("an attribute break-out", lambda n: '"><img src=x onerror=alert(1)>'),
    ("a script end and a comment", lambda n: "</script><!-- --><![CDATA[ ]]>"),
    ("template syntax", lambda n: "{{ request.user }} {% debug %} ${7*7}"),
    ("SQL", lambda n: "'; DROP TABLE claims_claim; --"),
    ("the maximum length, in Arabic", lambda n: "ب" * n),  # characters, not bytes
]
URLS = [
    ("an Arabic path", "https://ar.wikipedia.org/wiki/البوكمال"),
    ("an internationalised domain", "https://مثال.إختبار/صفحة"),
    ("markup in the query", "https://example.org/?q=<script>alert(1)</script>&x=\"'"),
]


def accepted_cases():
    for e in ENDPOINTS:
        for f in e.free_text:
            yield from (pytest.param(e, f, value(e.max_length(f)), id=f"{e}.{f}: {name}") for name, value in TEXTS)
        for f in e.urls:
            yield from (pytest.param(e, f, value, id=f"{e}.{f}: {name}") for name, value in URLS)


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize(("endpoint", "field", "value"), list(accepted_cases()))
def test_any_text_is_accepted_and_read_back_exactly(client_super, client_anon, world, endpoint, field, value, method):
    response = send(client_super, endpoint, method, world, dumps(body_with(endpoint, method, world, field, value)))
    assert response.status_code in (200, 201), response.content[:500]
    pk = response.json()["id"]

    read = client_anon.get(f"/api/{endpoint.name}/{pk}/")
    assert read.json()[field] == as_sent(field, value)
    assert dumps(as_sent(field, value)) in read.content  # as UTF-8 on the wire, not as \u escapes
    stored = endpoint.model.objects.get(pk=pk)
    assert getattr(stored, field) == as_sent(field, value)
    assert getattr(stored.history.first(), field) == as_sent(field, value)


# JSON is UTF-8 (RFC 8259); a charset parameter means nothing for it and is ignored.
CHARSETS = [
    ("latin-1", "application/json; charset=latin-1"),
    ("utf-16", "application/json; charset=utf-16"),
    ("an unknown one", "application/json; charset=no-such-charset"),
    ("a compression codec", "application/json; charset=zlib_codec"),
]


@pytest.mark.parametrize("content_type", cases(CHARSETS))
@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=str)
def test_json_is_read_as_utf8_whatever_charset_it_names(client_super, world, endpoint, content_type):
    field, value = endpoint.free_text[0], "قال المتحدث «ليست لدينا أوامر» é ✊🏽"
    body = dumps(body_with(endpoint, "POST", world, field, value))
    response = client_super.generic("POST", f"/api/{endpoint.name}/", body, content_type=content_type)
    assert response.status_code == 201, response.content[:500]
    assert getattr(endpoint.model.objects.get(pk=response.json()["id"]), field) == as_sent(field, value)


@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=str)
def test_a_duplicate_key_takes_its_last_value(client_super, world, endpoint):
    # As Python's json and browsers' JSON.parse do. The first value is never looked at: a bad one
    # before a good one is accepted, a good one before a bad one refused.
    field = endpoint.free_text[0].encode()
    start = dumps(endpoint.valid_body(world))[:-1]
    before = snapshot()
    refused = start + b', "%s": %s, "%s": "nul\\u0000"}' % (field, dumps(as_sent(field.decode(), "ok")), field)
    assert_explained(client_super.post(f"/api/{endpoint.name}/", refused, content_type=JSON), field=field.decode())
    assert snapshot() == before

    accepted = start + b', "%s": "nul\\u0000", "%s": %s}' % (field, field, dumps(as_sent(field.decode(), "last")))
    response = client_super.post(f"/api/{endpoint.name}/", accepted, content_type=JSON)
    assert response.status_code == 201, response.content[:500]
    stored = endpoint.model.objects.get(pk=response.json()["id"])
    assert getattr(stored, field.decode()) == as_sent(field.decode(), "last")


# 4. Markup is shown as text wherever a record is shown -------------------------------------------

# (name, the text, what must never be in a page as it is)
MARKUP = [
    ("script element", "<script>alert(1)</script>", "<script>alert(1)</script>"),
    ("attribute break-out", '"><img src=x onerror=alert(1)>', "<img src=x onerror=alert(1)>"),
    ("script end", "</script><script>alert(1)</script>", "</script><script>alert(1)"),
]


def mark_everything(w, text: str) -> None:
    """Put `text` in every free-text field of every record, and markup in every URL.

    Saved directly, not through the API: that the API stores such text as it is, is
    test_any_text_is_accepted_and_read_back_exactly's business.
    """
    records = {"sources": ["pmf", "asadi", "outlet", "sohr", "spare"], "claims": ["crossed", "denial"]}
    for endpoint in ENDPOINTS:
        for name in records.get(endpoint.name, [endpoint.target]):
            record = endpoint.model.objects.get(pk=getattr(w, name).pk)
            for field in endpoint.free_text:
                setattr(record, field, as_sent(field, f"{field} {text}"))
            for field in endpoint.urls:
                setattr(record, field, "https://example.org/?q=<script>alert(1)</script>")
            record.save()


ADMIN_RECORDS = {  # the record each admin page shows
    "source": "pmf",
    "article": "article",
    "topic": "topic",
    "claim": "crossed",
    "claimlink": "link",
    "review": "review",
}


def admin(view, record=None):
    return lambda w: reverse(f"admin:claims_{view}", args=[getattr(w, record).pk] if record else [])


def api(path):
    """An address with the ids of the world's records put in: "/claims/{crossed}/"."""
    return lambda w: path.format(**{name: record.pk for name, record in vars(w).items() if hasattr(record, "pk")})


def detail(e: Endpoint) -> str:
    return f"/api/{e.name}/{{{e.target}}}/"


# (name, who looks: an admin session, the API as a superuser or as HTML, anyone; the address)
PAGES = [
    *[(f"admin {model} list", "admin", admin(f"{model}_changelist")) for model in ADMIN_RECORDS],
    *[(f"admin {model} page", "admin", admin(f"{model}_change", r)) for model, r in ADMIN_RECORDS.items()],
    *[(f"admin {model} history", "admin", admin(f"{model}_history", r)) for model, r in ADMIN_RECORDS.items()],
    ("admin page of the denying claim", "admin", admin("claim_change", "denial")),
    ("admin source delete page", "admin", admin("source_delete", "pmf")),
    ("admin claim delete page", "admin", admin("claim_delete", "crossed")),
    ("admin claim search", "admin", lambda w: reverse("admin:claims_claim_changelist") + "?q=alert"),
    *[(f"API {e} list", "api", api(f"/api/{e.name}/?format=api")) for e in ENDPOINTS],
    *[(f"API {e} detail", "api", api(detail(e) + "?format=api")) for e in ENDPOINTS],
    *[(f"API {e} detail, Accept: text/html", "html", api(detail(e))) for e in ENDPOINTS],
    *[(f"API {e} history", "api", api(detail(e) + "history/?format=api")) for e in ENDPOINTS],
    ("API claim thread", "api", api("/api/claims/{crossed}/thread/?format=api")),
    ("API source record", "api", api("/api/sources/{pmf}/record/?format=api")),
    ("public claim page", "public", api("/claims/{crossed}/")),
    ("public page of the denying claim", "public", api("/claims/{denial}/")),
]


@pytest.mark.parametrize(("markup", "raw_tag"), cases(MARKUP))
@pytest.mark.parametrize(("who", "address"), cases(PAGES))
def test_markup_is_escaped_wherever_it_is_shown(client_super, client_anon, world, markup, raw_tag, who, address):
    mark_everything(world, markup)
    if who == "admin":
        response = logged_in(world.boss).get(address(world))
    else:
        client = client_anon if who == "public" else client_super
        response = client.get(address(world), **({"HTTP_ACCEPT": "text/html"} if who == "html" else {}))
    assert response.status_code == 200
    assert "text/html" in response["Content-Type"]
    page = response.content.decode()
    assert raw_tag not in page
    assert escape(raw_tag) in page or escape(json.dumps(raw_tag)[1:-1]) in page  # shown, as text


@pytest.mark.parametrize("parameter", ["q", "ordering", "page", "format", "unknown"])
@pytest.mark.parametrize(("markup", "raw_tag"), cases(MARKUP))
@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=str)
def test_markup_in_a_query_is_not_reflected(client_super, world, endpoint, markup, raw_tag, parameter):
    response = client_super.get(f"/api/{endpoint.name}/?{parameter}={quote(markup)}", HTTP_ACCEPT="text/html")
    assert response.status_code < 500
    assert raw_tag not in response.content.decode()


# 5. Reads with hostile parameters ---------------------------------------------------------------


def filters_of(endpoint: Endpoint) -> dict:
    return VIEWSETS[endpoint.name].filterset_class.base_filters


def kind_of(flt) -> str:
    if isinstance(flt, filtersets.IdFilter):
        return "id"
    if isinstance(flt, filtersets.WikidataFilter):
        return "wikidata"  # Q and digits: anything else is refused, as a malformed id or date is
    if isinstance(flt, django_filters.DateFilter):
        return "date"
    if isinstance(flt, filtersets.LanguageFilter):
        return "code"  # a BCP 47 code, checked as ids and dates are
    if isinstance(flt, django_filters.ChoiceFilter | django_filters.MultipleChoiceFilter):
        return "choice"
    if isinstance(flt, django_filters.BooleanFilter):
        return "choice"  # of true and false
    return "text"


SQL = [
    "' OR 1=1 --",
    "1; DROP TABLE claims_claim",
    'admin" --',
    "' UNION SELECT username, password FROM auth_user --",
    ")) OR ((1=1",
    "x' AND (SELECT 1 FROM pg_sleep(5)) IS NULL --",
    "%",
    "_",
    "\\",
    "a" * 10_000,
]
ODD_IDS = [str(2**63), str(2**64), str(10**100), "-1", "0", "1.5", "1e3", "true", "0x10"]
ODD_DATES = ["0000-01-01", "10000-01-01", "2017-02-30", "2017-13-01", "99999999", "2017-11-08' OR '1'='1"]
ODD_WIKIDATA_IDS = ["Q0", "q42", "Q042", "P31", "Q42 ", "Q" + "9" * 13, "Q42' OR '1'='1"]


def filter_cases():
    """Every filter of every list endpoint with every SQL-looking value, and the odd values of its kind."""
    for e in ENDPOINTS:
        for name, flt in filters_of(e).items():
            kind = kind_of(flt)
            for value in [*SQL, *{"id": ODD_IDS, "date": ODD_DATES, "wikidata": ODD_WIKIDATA_IDS}.get(kind, [])]:
                yield pytest.param(e, name, kind, value, id=f"{e}?{name}={value[:30]}")


@pytest.mark.parametrize(("endpoint", "name", "kind", "value"), list(filter_cases()))
def test_a_hostile_filter_value_matches_nothing_or_is_a_400_naming_it(client_anon, world, endpoint, name, kind, value):
    before = snapshot()
    response = client_anon.get(f"/api/{endpoint.name}/", {name: value})
    if kind != "text" or (name == "q" and len(value) > search.MAX_QUERY_LENGTH):
        assert_explained(response, field=name)
    else:
        assert response.status_code == 200, response.content[:500]
        # A claims search with nothing searchable in it (no letter or digit) is no search: every claim.
        searches_nothing = endpoint.name == "claims" and name == "q" and not any(c.isalnum() for c in value)
        assert total(response) == (Claim.objects.count() if searches_nothing else 0)
    assert snapshot() == before  # every table still there, as it was


SAME = "the list without the parameter"
# (name, query string, status, the answer: SAME, or what a 4xx says)
QUERY_CASES = [
    ("id", "id=1", 200, SAME),
    ("pk", "pk=1", 200, SAME),
    ("a lookup through relations", "source__created_by__password__startswith=a", 200, SAME),
    ("a password parameter", "password=x", 200, SAME),
    ("JSONP callback", "callback=alert", 200, SAME),
    ("limit and offset", "limit=1&offset=1", 200, SAME),
    ("a parameter name in Arabic", "%D8%A8%D8%AD%D8%AB=x", 200, SAME),
    ("invalid UTF-8 in a name", "%FF%FE=1", 200, SAME),
    ("an encoded surrogate in a name", "%ED%A0%80=1", 200, SAME),
    # A page or page size that is not a whole number of at least 1 is a 400 naming it
    # (claims/api/pagination.py); a page past the end is a 404; a page size past 100 gives 100.
    ("a negative page", "page=-1", 400, '"page"'),
    ("page 2**64", f"page={2**64}", 404, "Invalid page"),
    ("page in Arabic-Indic digits", "page=%D9%A1", 400, '"page"'),
    ("an empty page", "page=", 400, '"page"'),
    ("page size 10**100", f"page_size={10**100}", 200, SAME),
    ("a fractional page size", "page_size=1.5", 400, '"page_size"'),
    ("an XML format", "format=xml", 404, "Not found"),
    ("a format with markup", "format=%3Cscript%3E", 404, "Not found"),
]


@pytest.mark.parametrize(("query", "status", "answer"), cases(QUERY_CASES))
@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=str)
def test_unknown_and_odd_list_parameters(client_anon, world, endpoint, query, status, answer):
    if endpoint.name == "claims" and query.startswith("page="):
        status, answer = 400, '"page"'  # claims are paged by cursor: any page number is refused
    response = client_anon.get(f"/api/{endpoint.name}/?{query}")
    assert response.status_code == status, response.content[:500]
    if answer == SAME:
        assert response.json() == client_anon.get(f"/api/{endpoint.name}/").json()
    else:
        assert_explained(response, says=answer)


# Long searches. The claims search nests a condition per term, which SQLite cannot parse past some 80
# and Python cannot build past some 150: only the first 32 terms count. SQLite refuses a LIKE pattern
# over 50,000 bytes: a search is at most 1,000 characters. (name, path, parameters, status)
SEARCHES = [
    *[(f"{e}: 1 MB", e.name, {"q": "a" * MB}, 400) for e in ENDPOINTS if "q" in filters_of(e)],
    *[(f"{e}: 30,000 Arabic letters", e.name, {"q": "ب" * 30_000}, 400) for e in ENDPOINTS if "q" in filters_of(e)],
    ("claims: 200 words", "claims", {"q": " ".join(["word"] * 200)}, 200),
    ("claims: 499 one-letter words", "claims", {"q": " a" * 499}, 200),
    ("claims: 100 ORs", "claims", {"q": " OR ".join(["Iraqi"] * 100)}, 200),
    ("claims: 300 exclusions", "claims", {"q": " -x" * 300}, 200),
    ("claims: 150 phrases", "claims", {"q": '"a b" ' * 150}, 200),
    ("similar: 1 MB", "claims/similar", {"text": "a" * MB}, 400),
    ("similar: SQL", "claims/similar", {"text": "' OR 1=1 --"}, 200),
    ("similar: a huge id to leave out", "claims/similar", {"text": "Iraqi militias", "exclude": str(2**64)}, 400),
    ("similar: half an id to leave out", "claims/similar", {"text": "Iraqi militias", "exclude": "1.5"}, 400),
]


@pytest.mark.parametrize(("path", "params", "status"), cases(SEARCHES))
def test_a_search_too_long_to_run_is_a_400_not_a_database_error(client_anon, world, path, params, status):
    response = client_anon.get(f"/api/{path}/", params)
    assert response.status_code == status, response.content[:500]
    if status == 400:
        assert_explained(response, field="exclude" if "exclude" in params else next(iter(params)))


# Unknown and hostile `ordering` fields: a 400 that names the parameter and lists the fields the list
# can be ordered by (claims.api.filtersets.OrderingFilter; DRF alone drops them silently). Never an
# ORDER BY on them. The fields are the `ordering` enum of the API schema.
ORDERINGS = [
    "-password",
    "created_by__password",
    "-created_by__password",
    "claim__reviewer__password",
    "__",
    "--claimed_on",
    "?",
    ",,",
    "pk",
    "id__gt",
    "' OR 1=1 --",
    "1; DROP TABLE claims_claim",
    "(SELECT 1)",
    "ب",
    "x" * 10_000,
]


def orderable(endpoint: Endpoint) -> list[str]:
    return VIEWSETS[endpoint.name].ordering_fields


@pytest.mark.parametrize("ordering", ORDERINGS, ids=lambda o: o[:30])
@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=str)
def test_an_unknown_ordering_is_a_400_listing_the_known_ones(client_anon, world, endpoint, ordering):
    response = client_anon.get(f"/api/{endpoint.name}/", {"ordering": ordering})
    message = messages_of(assert_explained(response, field="ordering"), "ordering")
    assert all(name in message for name in orderable(endpoint))
    assert len(message) < 1000  # a 10,000-character field is not echoed back whole
    assert "a" * 20 not in response.content.decode()  # nor a password hash (the authors' are a... and z...)


@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=str)
def test_the_known_orderings_work_and_an_unknown_one_beside_them_is_a_400(client_anon, world, endpoint):
    url = f"/api/{endpoint.name}/"
    known = orderable(endpoint)
    for ordering in (*known, *(f"-{name}" for name in known), ",".join(known)):
        assert client_anon.get(url, {"ordering": ordering}).status_code == 200
    assert_explained(client_anon.get(f"{url}?ordering="), field="ordering")  # no value is no ordering
    assert_explained(client_anon.get(url, {"ordering": f"{known[0]},password"}), field="ordering")


@pytest.fixture(scope="module")
def schema(django_db_blocker):
    from drf_spectacular.generators import SchemaGenerator

    with django_db_blocker.unblock():
        return SchemaGenerator().get_schema(request=None, public=True)


@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=str)
def test_the_orderings_accepted_are_the_ones_documented(schema, endpoint):
    parameters = schema["paths"][f"/api/{endpoint.name}/"]["get"]["parameters"]
    (ordering,) = [p["schema"] for p in parameters if p["name"] == "ordering"]
    documented = set(ordering.get("items", ordering)["enum"])
    assert documented == {order for name in orderable(endpoint) for order in (name, f"-{name}")}
    assert not documented & set(ORDERINGS)


# Odd ids in a path: a 404, and nothing written. int() reads "+2", " 2", "0_2", "٢" and a full-width 2
# as 2: without a check each would be another address of record 2, for writes too.
PATH_IDS = [
    ("2**63", lambda pk: str(2**63)),
    ("2**64", lambda pk: str(2**64)),
    ("10**100", lambda pk: str(10**100)),
    ("-1", lambda pk: "-1"),
    ("0", lambda pk: "0"),
    ("a real id and a half", lambda pk: f"{pk}.5"),
    ("1e3", lambda pk: "1e3"),
    ("true", lambda pk: "true"),
    ("a real id with a plus", lambda pk: f"%2B{pk}"),
    ("a real id after a space", lambda pk: f"%20{pk}"),
    ("a real id with an underscore", lambda pk: f"0_{pk}"),
    ("a real id in Arabic-Indic digits", lambda pk: quote(str(pk).translate(ARABIC_DIGITS))),
    ("a real id in full-width digits", lambda pk: quote(str(pk).translate(FULL_WIDTH_DIGITS))),
    ("NUL", lambda pk: "%00"),
    ("SQL", lambda pk: quote(f"{pk} OR 1=1")),
]
# (endpoint, what follows the id, methods)
ROUTES = [
    *[(e, "", ("GET", "PUT", "PATCH", "DELETE")) for e in ENDPOINTS],
    *[(e, "history/", ("GET",)) for e in ENDPOINTS],
    (BY_NAME["sources"], "record/", ("GET",)),
    (BY_NAME["claims"], "thread/", ("GET",)),
    (BY_NAME["claims"], "similar/", ("GET",)),
    (BY_NAME["claims"], "claimreview/", ("GET",)),
    (BY_NAME["reviews"], "claimreview/", ("GET",)),
]


def path_cases():
    for endpoint, rest, methods in ROUTES:
        for method in methods:
            for name, odd in PATH_IDS:
                yield pytest.param(endpoint, rest, method, odd, id=f"{method} {endpoint}/<{name}>/{rest}")


@pytest.mark.parametrize(("endpoint", "rest", "method", "odd"), list(path_cases()))
def test_an_odd_id_in_a_path_is_a_404(client_super, world, endpoint, rest, method, odd):
    pk = getattr(world, endpoint.target).pk
    body = dumps(endpoint.valid_body(world)) if method in ("PUT", "PATCH") else b""
    before = snapshot()
    response = client_super.generic(method, f"/api/{endpoint.name}/{odd(pk)}/{rest}", body, content_type=JSON)
    assert response.status_code == 404, response.content[:300]
    assert_explained(response)
    assert snapshot() == before


@pytest.mark.parametrize("odd", cases(PATH_IDS))
def test_an_odd_id_in_a_public_claim_page_address_is_a_404(client_anon, world, odd):
    assert client_anon.get(f"/claims/{odd(world.crossed.pk)}/").status_code == 404


# 6. The admin -----------------------------------------------------------------------------------

ADMIN_TARGETS = {**ADMIN_RECORDS, "source": "spare"}  # the records the change forms below change


def admin_form(w, model: str, change: bool) -> tuple[str, dict]:
    """The address of an add (or change) page and what its form posts for a valid record."""
    data = {
        "source": {"slug": "new", "name": "New", "kind": "media", "aliases": "", "affiliation": w.pmf.pk},
        "article": {"title": "New", "publisher": w.outlet.pk, "published_on": "2017-11-09", "language": "en"},
        "topic": {"slug": "new", "name": "New", "kind": "place", "aliases": ""},
        "claim": claim_form_data(w.crossed, text="New", speaker=w.asadi.pk, via=w.outlet.pk, article=w.article.pk),
        "claimlink": {"from_claim": w.crossed.pk, "to_claim": w.denial.pk, "relation": "supports", "note": ""},
        "review": {"claim": w.denial.pk, "rating": "false", "summary": "", "reviewed_on": "2017-11-09"},
    }[model]
    if not change:
        data.pop("loaded_version", None)
        return reverse(f"admin:claims_{model}_add"), data
    record = getattr(w, ADMIN_TARGETS[model])
    return reverse(f"admin:claims_{model}_change", args=[record.pk]), {**data, "loaded_version": record.version}


@pytest.mark.parametrize("change", [False, True], ids=["add", "change"])
@pytest.mark.parametrize("model", ADMIN_TARGETS)
def test_the_admin_forms_below_save_when_nothing_is_wrong(world, model, change):
    address, data = admin_form(world, model, change)
    response = logged_in(world.boss).post(address, data)
    assert response.status_code == 302, response.context["adminform"].form.errors if response.context else response


# (model, field, value): each posted in an otherwise valid form to the add page and the change page
ADMIN_CASES = [
    ("source", "name", "a\x00b"),
    ("source", "description", "a" * MB),
    ("source", "affiliation", str(2**64)),
    ("source", "affiliation", "1.5"),
    ("source", "kind", "<script>alert(1)</script>"),
    ("source", "country", "\x00"),
    ("source", "url", "javascript:alert(1)"),
    ("article", "title", "a" * MB),
    ("article", "published_on", "0000-01-01"),
    ("article", "published_on", "10000-01-01"),
    ("article", "published_on", "2017-02-30"),
    ("article", "published_on", "99999999"),
    ("article", "publisher", str(10**100)),
    ("topic", "name", "a\x00b"),
    ("topic", "slug", "a" * MB),
    ("claim", "text", "a\x00b"),
    ("claim", "text", "a" * MB),
    ("claim", "quote", "a" * MB),
    ("claim", "claimed_on", "0000-01-01"),
    ("claim", "claimed_on", "10000-01-01"),
    ("claim", "claimed_on", "2017-13-01"),
    ("claim", "status", str(2**64)),
    ("claim", "speaker", str(2**63)),
    ("claim", "via", "1e3"),
    ("claim", "article", "-1"),
    ("claim", "language", "ar\x00"),
    ("claimlink", "from_claim", str(2**64)),
    ("claimlink", "to_claim", "0"),
    ("claimlink", "relation", "a" * MB),
    ("claimlink", "note", "a\x00b"),
    ("review", "claim", str(2**64)),
    ("review", "reviewed_on", "10000-01-01"),
    ("review", "reviewed_on", "2017-02-30"),
    ("review", "summary", "a" * MB),
    ("review", "rating", "\x00"),
]


@pytest.mark.parametrize("change", [False, True], ids=["add", "change"])
@pytest.mark.parametrize(
    ("model", "field", "value"), cases((f"{m}.{f}={v[:12]!r}", m, f, v) for m, f, v in ADMIN_CASES)
)
def test_a_bad_value_in_an_admin_form_is_a_form_error(world, model, field, value, change):
    address, data = admin_form(world, model, change)
    before = snapshot()
    response = logged_in(world.boss).post(address, {**data, field: value})
    assert response.status_code == 200
    assert field in response.context["adminform"].form.errors
    assert len(response.content) < 3 * MB  # the value is shown again in its field, not repeated
    assert snapshot() == before


def inline(prefix: str, **fields) -> dict:
    """One new form in an inline of the claim page (which had none)."""
    return {f"{prefix}-TOTAL_FORMS": "1", **{f"{prefix}-0-{name}": value for name, value in fields.items()}}


def tampered_review(review_id: str) -> dict:
    """The claim page's review inline posting an existing review under an id that is not one."""
    fields = {"id": review_id, "rating": "true", "reviewed_on": "2017-11-09"}
    return {"reviews-TOTAL_FORMS": "1", "reviews-INITIAL_FORMS": "1", **inline("reviews", **fields)}


# (name, what the claim's change page posts besides its own valid fields)
INLINE_CASES = [
    ("review dated in year 10000", inline("reviews", rating="false", reviewed_on="10000-01-01")),
    ("review with a NUL", inline("reviews", rating="false", reviewed_on="2017-11-09", summary="a\x00b")),
    ("review of 1 MB", inline("reviews", rating="false", reviewed_on="2017-11-09", summary="a" * MB)),
    ("link with a 1 MB relation", inline("links_out", relation="a" * MB, to_claim="{denial}")),
    ("link from a huge id", inline("links_in", relation="denies", from_claim=str(2**63))),
    ("link from half an id", inline("links_in", relation="denies", from_claim="{denial}.5")),
    ("review whose id is not one", tampered_review(str(2**64))),
    ("review whose id is text", tampered_review("abc")),
]


@pytest.mark.parametrize("extra", cases(INLINE_CASES))
def test_a_bad_inline_form_on_the_claim_page_saves_nothing(world, extra):
    address, data = admin_form(world, "claim", change=True)
    extra = {key: value.format(denial=world.denial.pk) for key, value in extra.items()}
    before = snapshot()
    response = logged_in(world.boss).post(address, {**data, **extra})
    assert response.status_code == 200
    formsets = [inline.formset for inline in response.context["inline_admin_formsets"]]
    assert any(formset.total_error_count() for formset in formsets)
    assert snapshot() == before


# (name, query string): a changelist, its search or its filters given odd input
CHANGELIST_QUERIES = [
    ("a 1 MB search", "q=" + "a" * MB),
    ("a 500-word search", "q=" + "+w" * 500),
    ("an SQL search", "q=%27+OR+1%3D1+--"),
    ("ordering by column 99", "o=99"),
    ("ordering by a fraction", "o=-1.5"),
    ("ordering in words", "o=abc"),
    ("page 2**64", f"p={2**64}"),
    ("a negative page", "p=-1"),
    ("a year past any date", "claimed_on__year=99999999999999999999&published_on__year=99999999999999999999"),
    ("a year past any review date", "reviewed_on__year=99999999999999999999&reviewed_on__month=2"),
    ("month 13", "claimed_on__year=2017&claimed_on__month=13"),
    ("year zero", "claimed_on__year=0&published_on__year=0&reviewed_on__year=0"),
    ("a lookup through relations", "created_by__password__startswith=a"),
    ("a popup to a password field", "_popup=1&_to_field=password"),
    ("markup in a filter", "status__exact=%3Cscript%3Ealert(1)%3C%2Fscript%3E"),
    ("a topic that does not exist", "topic=no-such-topic%27"),
    ("a yes/no filter in words", "has_denial=maybe&has_review=%27"),
]


@pytest.mark.parametrize("query", cases(CHANGELIST_QUERIES))
@pytest.mark.parametrize("model", ADMIN_RECORDS)
def test_odd_changelist_parameters_are_a_page_a_redirect_or_a_400(world, model, query):
    response = logged_in(world.boss).get(f"{reverse(f'admin:claims_{model}_changelist')}?{query}")
    assert response.status_code in (200, 302, 400), response.status_code
    assert "<script>alert(1)" not in response.content.decode()


AUTOCOMPLETE_TERMS = [("1 MB", "a" * MB), ("500 words", " zq" * 500), ("SQL", "' OR 1=1 --")]


@pytest.mark.parametrize("term", cases(AUTOCOMPLETE_TERMS))
@pytest.mark.parametrize(("model", "field"), [("claimlink", "to_claim"), ("claim", "source"), ("claim", "topics")])
def test_an_odd_autocomplete_search_finds_nothing(world, model, field, term):
    params = {"app_label": "claims", "model_name": model, "field_name": field, "term": term}
    response = logged_in(world.boss).get(reverse("admin:autocomplete"), params)
    assert response.status_code == 200
    assert response.json()["results"] == []


@pytest.mark.parametrize("field", ["article", "speaker", "via"])
def test_an_empty_string_for_a_related_record_is_refused_not_read_as_null(client_editor, field):
    claim = make_claim(article=make_article(), speaker=make_source(), via=make_source())

    response = client_editor.patch(f"/api/claims/{claim.pk}/", {field: ""}, format="json")

    assert response.status_code == 400
    assert field in response.data
    assert getattr(Claim.objects.get(pk=claim.pk), f"{field}_id") is not None
