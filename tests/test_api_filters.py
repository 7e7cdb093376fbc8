"""One test per filter of each list endpoint: what it keeps, what it drops, what it refuses."""

import datetime

import pytest

from tests.factories import make_article, make_claim, make_link, make_review, make_source, make_topic

pytestmark = pytest.mark.django_db


def ids(response):
    assert response.status_code == 200, response.content
    return sorted(item["id"] for item in response.json()["results"])


# Claims


def test_claims_filter_by_source_slug(client_anon):
    pmf = make_source(slug="pmf")
    mine, _other = make_claim(source=pmf), make_claim()
    assert ids(client_anon.get("/api/claims/?source=pmf")) == [mine.pk]


def test_claims_filter_by_source_kind(client_anon):
    ngo_claim = make_claim(source=make_source(kind="ngo"))
    make_claim(source=make_source(kind="media"))
    assert ids(client_anon.get("/api/claims/?source_kind=ngo")) == [ngo_claim.pk]


def test_claims_filter_by_via_slug(client_anon):
    manar = make_source(slug="al-manar")
    relayed = make_claim(via=manar)
    make_claim()
    assert ids(client_anon.get("/api/claims/?via=al-manar")) == [relayed.pk]


def test_claims_filter_by_article_id(client_anon):
    article = make_article()
    reported = make_claim(article=article)
    make_claim(article=make_article())
    assert ids(client_anon.get(f"/api/claims/?article={article.pk}")) == [reported.pk]


def test_claims_filter_by_topic_slug(client_anon):
    rawa = make_topic(slug="rawa")
    about = make_claim(topics=[rawa, make_topic()])
    make_claim(topics=[make_topic()])
    assert ids(client_anon.get("/api/claims/?topic=rawa")) == [about.pk]


def test_claims_filter_by_several_statuses(client_anon):
    disputed = make_claim(status="disputed")
    refuted = make_claim(status="refuted")
    make_claim(status="unverified")
    assert ids(client_anon.get("/api/claims/?status=disputed&status=refuted")) == sorted([disputed.pk, refuted.pk])


def test_claims_filter_by_inclusive_date_range(client_anon):
    before = make_claim(claimed_on=datetime.date(2017, 11, 6))
    first = make_claim(claimed_on=datetime.date(2017, 11, 7))
    last = make_claim(claimed_on=datetime.date(2017, 11, 8))
    after = make_claim(claimed_on=datetime.date(2017, 11, 9))
    response = client_anon.get("/api/claims/?claimed_after=2017-11-07&claimed_before=2017-11-08")
    assert ids(response) == sorted([first.pk, last.pk])
    assert before.pk not in ids(response) and after.pk not in ids(response)


def test_claims_filter_by_has_denial(client_anon):
    report, denial, lone = make_claim(), make_claim(), make_claim()
    supported = make_claim()
    make_link(denial, report, "denies")
    make_link(lone, supported, "supports")
    assert ids(client_anon.get("/api/claims/?has_denial=true")) == [report.pk]
    assert ids(client_anon.get("/api/claims/?has_denial=false")) == sorted([denial.pk, lone.pk, supported.pk])


def test_claims_filter_by_whether_they_have_a_translation(client_anon):
    translated = make_claim(translations=[{"language": "ar", "text": "نص", "quote": "", "kind": "human", "by": ""}])
    untranslated = make_claim()
    assert ids(client_anon.get("/api/claims/?translated=true")) == [translated.pk]
    assert ids(client_anon.get("/api/claims/?translated=false")) == [untranslated.pk]


def test_claims_filter_by_the_language_of_a_translation(client_anon):
    def translation(language):
        return {"language": language, "text": "Some text", "quote": "", "kind": "machine", "by": ""}

    into_arabic = make_claim(translations=[translation("fr"), translation("ar")])
    make_claim(translations=[translation("fr")])
    make_claim(language="ar")  # written in Arabic, not translated into it
    make_claim(translations=[translation("ar-SY")])  # another tag
    assert ids(client_anon.get("/api/claims/?translation_language=ar")) == [into_arabic.pk]


def test_claims_filter_denied_by_source_or_speaker(client_anon):
    pmf = make_source(slug="pmf")
    asadi = make_source(slug="asadi", affiliation=pmf)
    by_source, by_speaker, not_denied = make_claim(), make_claim(), make_claim()
    make_link(make_claim(source=pmf), by_source, "denies")
    make_link(make_claim(source=make_source(), speaker=asadi), by_speaker, "denies")
    make_link(make_claim(source=pmf), not_denied, "supports")

    assert ids(client_anon.get("/api/claims/?denied_by=pmf")) == [by_source.pk]
    assert ids(client_anon.get("/api/claims/?denied_by=asadi")) == [by_speaker.pk]


def test_claims_filter_by_source_wikidata_id(client_anon):
    hezbollah = make_source(wikidata="Q41053")
    mine = make_claim(source=hezbollah)
    make_claim(speaker=hezbollah)  # the speaker is not the source
    make_claim(source=make_source(wikidata="Q130879"))
    assert ids(client_anon.get("/api/claims/?source_wikidata=Q41053")) == [mine.pk]
    assert ids(client_anon.get("/api/claims/?source_wikidata=Q999")) == []


def test_claims_filter_by_topic_wikidata_id(client_anon):
    state = make_topic(wikidata="Q2429253")
    about = make_claim(topics=[make_topic(), state])
    make_claim(topics=[make_topic(wikidata="Q858")])
    make_claim()
    assert ids(client_anon.get("/api/claims/?topic_wikidata=Q2429253")) == [about.pk]
    assert ids(client_anon.get("/api/claims/?topic_wikidata=Q999")) == []


def test_claims_filter_q_over_text_quote_and_source_name(client_anon):
    by_text = make_claim(text="Militias crossed the BORDER")
    by_quote = make_claim(quote="we have no orders to cross the border")
    by_source = make_claim(source=make_source(name="Border Monitor"))
    make_claim(text="Something else")
    assert ids(client_anon.get("/api/claims/?q=border")) == sorted([by_text.pk, by_quote.pk, by_source.pk])


def test_claims_ordering_both_directions(client_anon):
    old = make_claim(claimed_on=datetime.date(2017, 1, 1))
    new = make_claim(claimed_on=datetime.date(2017, 12, 1))
    mid = make_claim(claimed_on=datetime.date(2017, 6, 1))
    ascending = [c["id"] for c in client_anon.get("/api/claims/?ordering=claimed_on").json()["results"]]
    descending = [c["id"] for c in client_anon.get("/api/claims/?ordering=-claimed_on").json()["results"]]
    assert ascending == [old.pk, mid.pk, new.pk]
    assert descending == [new.pk, mid.pk, old.pk]


def test_claims_default_order_is_newest_claim_first(client_anon):
    old = make_claim(claimed_on=datetime.date(2017, 1, 1))
    new = make_claim(claimed_on=datetime.date(2017, 12, 1))
    assert [c["id"] for c in client_anon.get("/api/claims/").json()["results"]] == [new.pk, old.pk]


@pytest.mark.parametrize(
    ("query", "parameter"),
    [
        ("status=maybe", "status"),
        ("source_kind=alien", "source_kind"),
        ("claimed_after=2017-13-01", "claimed_after"),
        ("claimed_before=soon", "claimed_before"),
        ("has_denial=perhaps", "has_denial"),
        ("translated=maybe", "translated"),
        ("translation_language=Arabic", "translation_language"),
        ("translation_language=ar'--", "translation_language"),
        ("article=1.5", "article"),
        ("article=abc", "article"),
        ("source_wikidata=q42", "source_wikidata"),
        ("topic_wikidata=Albu+Kamal", "topic_wikidata"),
    ],
)
def test_claims_filters_refuse_malformed_values(client_anon, query, parameter):
    make_claim()
    response = client_anon.get(f"/api/claims/?{query}")
    assert response.status_code == 400
    assert parameter in response.json()


# Sources, articles, topics


def test_sources_filter_by_kind_affiliation_and_q(client_anon):
    hezbollah = make_source(slug="hezbollah", name="Hezbollah", kind="armed_group", aliases=["Hizbollah"])
    manar = make_source(slug="al-manar", name="al-Manar", kind="media", affiliation=hezbollah)
    person = make_source(kind="person", description="Spokesman of the Hizbollah bloc")
    assert ids(client_anon.get("/api/sources/?kind=armed_group")) == [hezbollah.pk]
    assert ids(client_anon.get("/api/sources/?affiliation=hezbollah")) == [manar.pk]
    assert ids(client_anon.get("/api/sources/?q=hizbollah")) == sorted([hezbollah.pk, person.pk])
    assert ids(client_anon.get("/api/sources/?q=manar")) == [manar.pk]


def test_sources_q_finds_arabic_aliases(client_anon):
    pmf = make_source(slug="pmf", aliases=["الحشد الشعبي"])
    make_source()
    assert ids(client_anon.get("/api/sources/?q=الحشد")) == [pmf.pk]


def test_articles_filter_by_publisher_dates_and_q(client_anon):
    reuters = make_source(slug="reuters")
    early = make_article(publisher=reuters, published_on=datetime.date(2017, 11, 1), title="Assault begins")
    late = make_article(published_on=datetime.date(2017, 11, 20), title="Albu Kamal falls", dateline="BEIRUT")
    assert ids(client_anon.get("/api/articles/?publisher=reuters")) == [early.pk]
    assert ids(client_anon.get("/api/articles/?published_after=2017-11-10")) == [late.pk]
    assert ids(client_anon.get("/api/articles/?published_before=2017-11-01")) == [early.pk]
    assert ids(client_anon.get("/api/articles/?q=beirut")) == [late.pk]
    assert ids(client_anon.get("/api/articles/?q=assault")) == [early.pk]


@pytest.mark.parametrize(("resource", "make"), [("sources", make_source), ("topics", make_topic)])
def test_sources_and_topics_filter_by_wikidata_id(client_anon, resource, make):
    found = make(wikidata="Q41053")
    make(wikidata="Q410530")  # not a prefix match
    make()
    assert ids(client_anon.get(f"/api/{resource}/?wikidata=Q41053")) == [found.pk]
    response = client_anon.get(f"/api/{resource}/?wikidata=41053")
    assert response.status_code == 400
    assert list(response.json()) == ["wikidata"]


def test_topics_filter_by_kind_and_q(client_anon):
    place = make_topic(kind="place", name="Albu Kamal")
    org = make_topic(kind="organization", name="Islamic State", aliases=["Daesh", "داعش"])
    assert ids(client_anon.get("/api/topics/?kind=organization")) == [org.pk]
    assert ids(client_anon.get("/api/topics/?q=kamal")) == [place.pk]
    assert ids(client_anon.get("/api/topics/?q=daesh")) == [org.pk]
    assert ids(client_anon.get("/api/topics/?q=داعش")) == [org.pk]


# Links and reviews


def test_links_filter_by_relation_and_either_end(client_anon):
    a, b, c = make_claim(), make_claim(), make_claim()
    denial = make_link(b, a, "denies")
    support = make_link(c, b, "supports")
    assert ids(client_anon.get("/api/links/?relation=denies")) == [denial.pk]
    assert ids(client_anon.get(f"/api/links/?claim={b.pk}")) == sorted([denial.pk, support.pk])
    assert ids(client_anon.get(f"/api/links/?claim={a.pk}")) == [denial.pk]
    assert ids(client_anon.get(f"/api/links/?from_claim={c.pk}")) == [support.pk]
    assert ids(client_anon.get(f"/api/links/?to_claim={b.pk}")) == [support.pk]


def test_reviews_filter_by_claim_and_rating(client_anon):
    claim = make_claim()
    unproven = make_review(claim, rating="unproven")
    false = make_review(make_claim(), rating="false")
    assert ids(client_anon.get(f"/api/reviews/?claim={claim.pk}")) == [unproven.pk]
    assert ids(client_anon.get("/api/reviews/?rating=false")) == [false.pk]
    assert client_anon.get("/api/reviews/?rating=fake").status_code == 400


def test_claims_ordering_by_when_they_were_recorded_and_changed(client_editor, client_anon):
    first, second, third = make_claim(), make_claim(), make_claim()
    client_editor.patch(f"/api/claims/{first.pk}/", {"status": "disputed"})  # now the most recently updated

    def order(param):
        return [c["id"] for c in client_anon.get(f"/api/claims/?ordering={param}").json()["results"]]

    assert order("created_at") == [first.pk, second.pk, third.pk]
    assert order("-created_at") == [third.pk, second.pk, first.pk]
    assert order("-updated_at")[0] == first.pk
    assert order("updated_at")[-1] == first.pk
