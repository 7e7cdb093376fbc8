"""The extraction corpus is well formed, and bench/extraction.py scores drafts as documented.

The corpus (bench/corpus/, format in its README) is what extraction is measured against: a span
that is not in its article, or a link to a claim that does not exist, would make every score
wrong without anyone noticing. The scorer's matching is tested on drafts built by hand.
"""

import datetime
import json
import re
import time
from collections import Counter

import pytest

from bench import extraction as bench
from bench.extraction import CorpusError, GoldClaim, load_corpus, load_seed, match_drafts, score

CORPUS = bench.CORPUS


@pytest.fixture(scope="module")
def corpus():
    return load_corpus()


@pytest.fixture(scope="module")
def raw_golds():
    return {p.stem: json.loads(p.read_text()) for p in CORPUS.glob("*.json") if p.stem != "record"}


def test_it_has_at_least_ten_articles_each_with_gold(corpus):
    _, articles = corpus
    assert len(articles) >= 10
    assert all(article.claims for article in articles)


def test_the_held_out_articles_are_well_formed_and_not_in_the_tuned_corpus(corpus):
    _, tuned = corpus
    _, heldout = load_corpus(CORPUS / "heldout")
    assert len(heldout) >= 3 and all(article.claims for article in heldout)
    assert not {a.slug for a in heldout} & {a.slug for a in tuned}
    assert all(250 <= len(article.text.split()) <= 900 for article in heldout)


def test_every_span_is_in_its_article_as_many_times_as_the_gold_says(raw_golds):
    for slug, gold in raw_golds.items():
        text = (CORPUS / f"{slug}.txt").read_text()
        for i, claim in enumerate(gold["claims"]):
            count = text.count(claim["span"])
            if "occurrence" in claim:
                assert claim["occurrence"] < count, (slug, i)
            else:
                assert count == 1, (slug, i, claim["span"])


def test_quotes_are_verbatim_and_lie_inside_their_claims_span(corpus):
    _, articles = corpus
    for article in articles:
        for claim in article.claims:
            if claim.quote:
                assert claim.quote in article.text[claim.start : claim.end], (article.slug, claim.quote)


def test_links_point_to_another_claim_of_the_same_article(raw_golds):
    for slug, gold in raw_golds.items():
        n = len(gold["claims"])
        for i, claim in enumerate(gold["claims"]):
            for link in claim["links"]:
                assert link["relation"] in {"denies", "contradicts", "supports"}, (slug, i)
                assert 0 <= link["claim"] < n and link["claim"] != i, (slug, i)


def test_parties_with_a_slug_are_the_records_rows_under_the_same_name(corpus, raw_golds):
    record, _ = corpus
    rows = {row["slug"]: row for row in record}
    for slug, gold in raw_golds.items():
        for claim in gold["claims"]:
            for role in ("source", "speaker", "via"):
                party = claim[role]
                if party and party["slug"]:
                    assert party["slug"] in rows, (slug, party)
                    assert (party["name"], party["kind"]) == (rows[party["slug"]]["name"], rows[party["slug"]]["kind"])


def test_record_affiliations_name_rows_of_the_record(corpus):
    record, _ = corpus
    slugs = {row["slug"] for row in record}
    assert all(row["affiliation"] in slugs for row in record if row["affiliation"])


def test_some_parties_are_new_so_that_proposed_kinds_are_scored(raw_golds):
    new_kinds = Counter(
        claim[role]["kind"]
        for gold in raw_golds.values()
        for claim in gold["claims"]
        for role in ("source", "speaker", "via")
        if claim[role] and claim[role]["slug"] is None
    )
    assert sum(new_kinds.values()) >= 20
    assert {"person", "media", "government", "ngo"} <= set(new_kinds)


def test_dates_are_valid_and_never_after_publication(raw_golds):
    for slug, gold in raw_golds.items():
        published = datetime.date.fromisoformat(gold["published_on"])
        for claim in gold["claims"]:
            claimed = datetime.date.fromisoformat(claim["claimed_on"])
            assert claimed <= published, slug
            assert claim["claimed_on_precision"] in {"day", "month", "year"}
            if claim["claimed_on_precision"] != "day":
                assert claimed.day == 1, slug
            if claim["claimed_on_precision"] == "year":
                assert claimed.month == 1, slug


def test_subjects_vary_and_the_issues_four_are_there(corpus):
    _, articles = corpus
    subjects = Counter(article.subject for article in articles)
    assert {"conflict", "politics", "business", "health"} <= set(subjects)
    assert len(subjects) >= 8


def test_one_article_has_about_a_thousand_words_and_the_others_250_to_900(corpus):
    _, articles = corpus
    words = {article.slug: len(article.text.split()) for article in articles}
    assert 950 <= words[bench.TIMED_ARTICLE] <= 1100
    assert all(250 <= n <= 900 for slug, n in words.items() if slug != bench.TIMED_ARTICLE)


@pytest.mark.parametrize(
    ("pattern", "regex", "at_least"),
    [
        ("X said / said X", r"\bsaid\b", 50),
        ("said X, the cue before the name", r"[”\"],? said [A-Z]", 3),
        ("told Reuters", r"told Reuters", 3),
        ("told reporters", r"told reporters", 3),
        ("according to X", r"[Aa]ccording to", 3),
        ("X-controlled media or radio", r"-controlled (media|radio)", 2),
        ("X-run television", r"-run television", 2),
        ("pro-X television", r"\b[Pp]ro-[\w-]+ [\w ]*?(television|TV|channel|Radio)", 3),
        ("X's spokesman Y", r"(’s|'s|Its) spokes(man|woman),? [A-Z]", 3),
        ("quote, then its speaker", r",[”\"] (said|[A-Z][\w-]+ (said|told))", 3),
        ("speaker, then the quote", r"(said|saying)(: | in a statement: )[“\"]", 3),
        ("citing Z", r"\bciting\b", 3),
        ("denied a report by ... that", r"denied (on \w+ )?a report by", 2),
        ("denied it", r"denied it\b", 3),
        ("rejected that account/report/claim", r"rejected that", 3),
        ("on <weekday>", r"on (Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)", 10),
        ("last month", r"last month", 3),
        ("on <month> <day>", r"on (January|March|April|May|June|July|August|September|October) \d", 3),
        ("in <year>", r"in 20\d\d", 3),
        ("he/she said or added", r"\b([Hh]e|[Ss]he) (said|added|told)", 5),
        ("the spokeswoman added", r"[Tt]he spokes(man|woman) added", 2),
    ],
)
def test_the_corpus_uses_each_attribution_pattern_several_times(corpus, pattern, regex, at_least):
    _, articles = corpus
    count = sum(len(re.findall(regex, article.text)) for article in articles)
    assert count >= at_least, f"{pattern}: {count}"


def test_the_gold_links_denials_contradictions_and_support(corpus):
    _, articles = corpus
    relations = Counter(rel for a in articles for c in a.claims for rel, _ in c.links)
    assert relations["denies"] >= 8
    assert relations["contradicts"] >= 3
    assert relations["supports"] >= 3


def test_the_gold_has_dates_of_each_precision_and_before_publication(corpus):
    _, articles = corpus
    kinds = Counter()
    for a in articles:
        for c in a.claims:
            same_day = c.claimed_on == a.published_on.isoformat()
            kinds[c.precision if not same_day else "publication"] += 1
    assert kinds["publication"] >= 50
    assert kinds["day"] >= 10 and kinds["month"] >= 5 and kinds["year"] >= 2


# The loader refuses a malformed corpus.


def write_article(directory, slug, text, claims, record=()):
    (directory / "record.json").write_text(json.dumps(list(record)))
    (directory / f"{slug}.txt").write_text(text)
    gold = {"title": "t", "subject": "s", "published_on": "2026-01-07", "language": "en", "claims": claims}
    (directory / f"{slug}.json").write_text(json.dumps(gold))


def gold_claim(span, **fields):
    return {
        "source": {"name": "Ministry", "slug": None, "kind": "government"},
        "speaker": None,
        "via": None,
        "cue": "said",
        "span": span,
        "quote": "",
        "claimed_on": "2026-01-07",
        "claimed_on_precision": "day",
        "links": [],
        **fields,
    }


def test_it_refuses_a_span_that_is_not_in_the_text(tmp_path):
    write_article(tmp_path, "a", "The ministry said the bridge was safe.", [gold_claim("the bridge is safe")])
    with pytest.raises(CorpusError, match="span not found"):
        load_corpus(tmp_path)


def test_it_refuses_a_repeated_span_without_an_occurrence_and_places_one_with_it(tmp_path):
    text = "The ministry said it was safe. The union said it was safe."
    write_article(tmp_path, "a", text, [gold_claim("it was safe")])
    with pytest.raises(CorpusError, match="found 2 times"):
        load_corpus(tmp_path)
    write_article(tmp_path, "a", text, [gold_claim("it was safe", occurrence=1)])
    _, [article] = load_corpus(tmp_path)
    assert (article.claims[0].start, article.claims[0].end) == (46, 57)


def test_it_refuses_a_link_to_a_claim_that_does_not_exist(tmp_path):
    claim = gold_claim("the bridge was safe", links=[{"relation": "denies", "claim": 3}])
    write_article(tmp_path, "a", "The ministry said the bridge was safe.", [claim])
    with pytest.raises(CorpusError, match="link to claim 3"):
        load_corpus(tmp_path)


def test_it_refuses_a_slug_that_is_not_in_the_record(tmp_path):
    claim = gold_claim("the bridge was safe", source={"name": "Ministry", "slug": "ministry", "kind": "government"})
    write_article(tmp_path, "a", "The ministry said the bridge was safe.", [claim])
    with pytest.raises(CorpusError, match=r"not in record\.json"):
        load_corpus(tmp_path)


def test_it_refuses_an_impossible_date(tmp_path):
    claim = gold_claim("the bridge was safe", claimed_on="2026-02-30")
    write_article(tmp_path, "a", "The ministry said the bridge was safe.", [claim])
    with pytest.raises(CorpusError, match="claimed_on"):
        load_corpus(tmp_path)


# The scorer's matching, on drafts made by hand.

TEXT = "The ministry said the bridge was safe. The union said it was not. Police said nobody was hurt."


def gold(span, source, **fields):
    start = TEXT.index(span)
    values = {
        "speaker": None,
        "via": None,
        "quote": "",
        "claimed_on": "2026-01-07",
        "precision": "day",
        "links": set(),
        **fields,
    }
    return GoldClaim(source=source, start=start, end=start + len(span), **values)


def party(name, slug=None, kind="government"):
    return {"name": name, "slug": slug, "kind": kind}


def draft_party(name, slug=None, kind="government"):
    return {"name": name, "role": "", "kind": kind, "match": {"id": 1, "slug": slug, "name": name} if slug else None}


def draft(span, source, **fields):
    start = TEXT.index(span)
    values = {
        "text": span,
        "quote": "",
        "cue": "said",
        "span": {"start": start, "end": start + len(span)},
        "source": source,
        "speaker": None,
        "via": None,
        "claimed_on": "2026-01-07",
        "claimed_on_precision": "day",
        "links": [],
        **fields,
    }
    return values


MINISTRY = party("Ministry of Works", "ministry-of-works")
UNION = party("Bridge Workers' Union", kind="other")
GOLD = [
    gold("the bridge was safe", MINISTRY),
    gold("it was not", UNION, links={("contradicts", 0)}),
    gold("nobody was hurt", party("Police")),
]


def test_one_right_one_wrong_source_one_elsewhere_gives_a_third_of_each():
    drafts = [
        draft("the bridge was safe", draft_party("ministry", "ministry-of-works")),  # right
        draft("it was not", draft_party("Ministry of Works", "ministry-of-works")),  # wrong source
        draft("The ministry said", draft_party("Ministry of Works", "ministry-of-works")),  # no overlap
    ]
    result = score(drafts, GOLD)
    assert (result.gold, result.drafts, result.found) == (3, 3, 1)
    assert result.precision == pytest.approx(1 / 3)
    assert result.recall == pytest.approx(1 / 3)
    assert result.f1 == pytest.approx(1 / 3)


def test_a_gold_claim_is_found_by_one_draft_only_the_one_that_overlaps_most():
    drafts = [
        draft("bridge", draft_party("Ministry of Works", "ministry-of-works")),
        draft("the bridge was safe", draft_party("Ministry of Works", "ministry-of-works")),
    ]
    assert match_drafts(drafts, GOLD) == {1: 0}
    assert score(drafts, GOLD).precision == 0.5


def test_a_new_party_is_right_by_its_name_without_case_or_a_leading_the_and_never_by_a_wrong_row():
    assert score([draft("it was not", draft_party("the bridge workers’ union", kind="other"))], GOLD).found == 1
    assert score([draft("it was not", draft_party("Bridge Workers", kind="other"))], GOLD).found == 0
    wrongly_matched = draft_party("Bridge Workers' Union", "ministry-of-works", kind="other")
    assert score([draft("it was not", wrongly_matched)], GOLD).found == 0


def test_speaker_via_and_date_are_counted_among_found_claims_only():
    drafts = [
        draft("the bridge was safe", draft_party("Ministry", "ministry-of-works"), claimed_on="2026-01-06"),
        draft("nobody was hurt", draft_party("police"), speaker=draft_party("Officer"), claimed_on_precision="month"),
        draft("it was not", draft_party("Nobody", kind="other")),  # found nothing: not counted below
    ]
    result = score(drafts, GOLD)
    assert result.found == 2
    assert (result.speaker, result.via, result.date) == (1, 2, 0)


def test_links_are_right_when_they_point_to_the_draft_of_the_gold_target():
    union = draft_party("Bridge Workers' Union", kind="other")
    ministry = draft_party("Ministry", "ministry-of-works")
    right = [
        draft("it was not", union, links=[{"relation": "contradicts", "draft": 1}]),
        draft("the bridge was safe", ministry),
    ]
    assert score(right, GOLD).links == 2  # the union's link, and the ministry's absence of links
    wrong_relation = [draft("it was not", union, links=[{"relation": "denies", "draft": 1}]), right[1]]
    assert score(wrong_relation, GOLD).links == 1
    to_an_unmatched_draft = [
        draft("it was not", union, links=[{"relation": "contradicts", "draft": 1}]),
        draft("The ministry said", ministry),
    ]
    assert score(to_an_unmatched_draft, GOLD).links == 0


def test_the_kind_of_a_new_party_is_scored_where_the_party_is_right():
    result = score(
        [
            draft("it was not", draft_party("Bridge Workers' Union", kind="ngo")),
            draft("nobody was hurt", draft_party("Police", kind="government")),
        ],
        GOLD,
    )
    assert (result.kinds, result.kinds_right) == (2, 1)


def test_the_seed_gold_is_the_fixtures_eleven_claims_placed_in_the_article():
    if not bench.SEED_ARTICLE.exists():
        pytest.skip(f"{bench.SEED_ARTICLE} is not on this machine; the bench skips it too")
    record, article = load_seed()
    assert len(article.claims) == 11
    assert len(record) == 12
    assert sum(len(c.links) for c in article.claims) == 3
    assert all(article.text[c.start : c.end].strip() for c in article.claims)
    # The PMF's denial lies where the article says what it denies.
    assert "crossed the Syrian border" in article.text[article.claims[3].start : article.claims[3].end]


# The bench as a whole.


def test_the_bench_reports_every_target_and_exits_0_whatever_the_scores(tmp_path, capsys):
    results = tmp_path / "results.json"
    assert bench.main(["--runs", "2", "--json", str(results)]) == 0
    out = capsys.readouterr().out
    _, articles = load_corpus()
    assert f"| **corpus** | {sum(len(a.claims) for a in articles)} |" in out
    report = json.loads(results.read_text())
    # The thirteen of issue 14, and hostile texts read in time.
    assert len(report["targets"]) == 14
    assert all(target["met"] in (True, False, None) for target in report["targets"])
    assert report["timing"]["words"] > 950


def test_the_bench_stops_with_exit_code_2_on_a_malformed_corpus(tmp_path, capsys):
    write_article(tmp_path, "a", "The ministry said the bridge was safe.", [gold_claim("the bridge is safe")])
    assert bench.main(["--corpus", str(tmp_path)]) == 2
    assert "span not found" in capsys.readouterr().err


def test_an_article_extract_gets_stuck_on_is_reported_and_not_waited_for(monkeypatch):
    monkeypatch.setattr(bench, "TIME_LIMIT_S", 0.05)
    article = bench.Article("stuck", TEXT, datetime.date(2026, 1, 7), "en", "test", GOLD)

    def stuck(*args, **kwargs):
        time.sleep(5)

    started = time.perf_counter()
    drafts, result = bench.run_article(article, None, stuck)
    assert time.perf_counter() - started < 2
    assert drafts == [] and (result.gold, result.found) == (3, 0)
    assert "stopped" in result.errors[0]


def test_recall_is_reported_for_each_attribution_pattern_and_way_of_attributing():
    claims = [
        gold("the bridge was safe", MINISTRY, cue="said", quote="the bridge was safe"),
        gold("it was not", UNION, cue="citing", via=party("Radio", kind="media")),
        gold("nobody was hurt", party("Police"), cue="according to"),
    ]
    article = bench.Article("a", TEXT, datetime.date(2026, 1, 7), "en", "test", claims)
    table = {name: (n, found) for name, n, found in bench.recall_by_pattern([(article, {0, 1})])}
    assert table["said / says / added"] == (1, 1)
    assert table["citing"] == (1, 1)
    assert table["according to"] == (1, 0)
    assert table["quoted"] == (1, 1)
    assert table["through an outlet (via)"] == (1, 1)
    assert "with a speaker" not in table  # no gold claim has one
