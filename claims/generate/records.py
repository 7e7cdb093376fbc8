"""The records of one run: how many of each (`Sizes`), and their rows from a seed (`Generator`).

Rows are produced as lines of PostgreSQL's COPY text format (tab-separated, NULL as \\N), since
that is what the fast path sends; the path for other databases splits the same lines into
parameters. No generated value contains a tab, newline or backslash, so no line needs escaping
(`Phrasebook` and `check_plain` make sure of it).

A module of its own, apart from `loaders`, because the rows depend only on the seed, the sizes and
the ids already taken, not on the database they go to. Worker processes (a forked pool) call
`_generate_block` of this module for blocks of claims.
"""

import json
import multiprocessing
from collections import defaultdict, deque
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from random import Random

from django.utils.text import slugify

from claims.generate.phrasebook import (
    ADJECTIVES,
    COUNTRIES,
    EVENTS,
    FIRST_NAMES,
    GROUP_WORDS,
    INTERNATIONAL_ORGS,
    LANGUAGE_SHARES,
    LAST_NAMES,
    MEDIA_WORDS,
    ORGANISATION_TOPICS,
    PHRASEBOOKS,
    PLACES,
    REVIEW_SUMMARIES,
    ROLES,
    SOURCE_DESCRIPTIONS,
    SOURCE_NAME_PATTERNS,
    THEMES,
    UNAFFILIATED_ROLES,
    Wordings,
)
from claims.models import (
    Article,
    Claim,
    ClaimLink,
    ClaimStatus,
    ClaimTopic,
    DatePrecision,
    LinkRelation,
    Review,
    ReviewRating,
    Source,
    SourceKind,
    Topic,
    TopicKind,
)

# Claims fall in these ten years, whatever the day the command runs: the same seed gives the same record.
FIRST_DAY = date(2016, 1, 1).toordinal()
LAST_DAY = date(2025, 12, 31).toordinal()

BLOCK = 25_000  # claims generated together, from a random stream of their own (see Generator.stories)

NULL = "\\N"

# -- What a run makes ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Sizes:
    """How many of each record a run of `claims` claims makes."""

    claims: int
    sources: int
    topics: int
    articles: int
    stories: int

    @classmethod
    def for_claims(cls, claims: int) -> "Sizes":
        return cls(
            claims=claims,
            sources=max(50, claims // 200),
            topics=min(400, max(40, claims // 2500)),
            articles=max(10, claims // 5),
            # A story is what a run of claims is about (a siege, a strike): its topics, place and parties.
            stories=max(10, claims // 40),
        )


# Tables in the order they are written, each with the columns the generator fills.
COLUMNS = {
    Source: [
        "id",
        "slug",
        "name",
        "kind",
        "description",
        "role",
        "affiliation_id",
        "country",
        "url",
        "aliases",
        "version",
    ],
    Topic: ["id", "slug", "name", "kind", "aliases", "version"],
    Article: ["id", "title", "url", "publisher_id", "published_on", "dateline", "language", "version"],
    Claim: [
        "id",
        "text",
        "quote",
        "language",
        "claimed_on",
        "claimed_on_precision",
        "status",
        "created_at",
        "updated_at",
        "article_id",
        "created_by_id",
        "source_id",
        "speaker_id",
        "via_id",
        "version",
        "translations",
    ],
    # Numbered by the database, in the order given:
    ClaimTopic: ["claim_id", "topic_id"],
    ClaimLink: ["from_claim_id", "to_claim_id", "relation", "note", "version"],
    Review: ["claim_id", "rating", "summary", "url", "reviewer_id", "reviewed_on", "version"],
}
ROW_NAMES = {
    Source: "sources",
    Topic: "topics",
    Article: "articles",
    Claim: "claims",
    ClaimTopic: "claim topics",
    ClaimLink: "links",
    Review: "reviews",
}


def _table(weights: Iterable[tuple[str, int]]) -> tuple[str, ...]:
    """Values repeated by their (whole-number) weights: an index drawn uniformly picks by weight."""
    return tuple(value for value, weight in weights for _ in range(weight))


def _pick(table: tuple, rng: Random):
    return table[int(rng.random() * len(table))]


def _acronym(name: str) -> str:
    return "".join(word[0] for word in name.replace("-", " ").split() if word[0].isupper())


def _json(values: list[str]) -> str:
    # As UnicodeJSONEncoder writes it: Arabic stays Arabic, so substring search finds it on SQLite.
    return json.dumps(values, ensure_ascii=False)


LANGUAGES = _table(LANGUAGE_SHARES)
BODY_KINDS = _table(
    [
        (SourceKind.GOVERNMENT, 30),
        (SourceKind.MILITARY, 20),
        (SourceKind.ARMED_GROUP, 25),
        (SourceKind.NGO, 12),
        (SourceKind.INTERNATIONAL_ORG, 6),
        (SourceKind.OTHER, 7),
    ]
)
STATUSES = _table(
    [
        (ClaimStatus.UNVERIFIED, 52),
        (ClaimStatus.DISPUTED, 18),
        (ClaimStatus.CONFIRMED, 14),
        (ClaimStatus.REFUTED, 14),
        (ClaimStatus.RETRACTED, 2),
    ]
)
PRECISIONS = _table([(DatePrecision.DAY, 92), (DatePrecision.MONTH, 6), (DatePrecision.YEAR, 2)])
# What a new claim does, per thousand: most say something new; some answer a recent claim of their story.
RELATIONS = _table(
    [
        ("", 915),
        (LinkRelation.DENIES, 50),
        (LinkRelation.SUPPORTS, 20),
        (LinkRelation.CONTRADICTS, 10),
        (LinkRelation.CLARIFIES, 5),
    ]
)
RATINGS = {
    ClaimStatus.CONFIRMED: (ReviewRating.TRUE, ReviewRating.MOSTLY_TRUE),
    ClaimStatus.REFUTED: (ReviewRating.FALSE, ReviewRating.MOSTLY_FALSE),
}
OTHER_RATINGS = (ReviewRating.MIXED, ReviewRating.UNPROVEN, ReviewRating.MOSTLY_FALSE, ReviewRating.TRUE)


class Generator:
    """The rows of one run, as COPY text lines, from a seed and the ids already taken.

    Call `sources()`, `topics()`, `stories()`, then consume `articles()` and `claims()` in that
    order: every draw comes from one `Random(seed)`, so the order of calls is part of the record.
    """

    def __init__(self, sizes: Sizes, seed: int, bases: dict, users: list[int], taken_slugs: dict, block=BLOCK):
        self.sizes = sizes
        self.seed = seed
        self.block = block
        self.rng = Random(seed)
        self.bases = bases  # per model, the highest id already used: new ids follow it
        self.users = users
        self.taken_slugs = taken_slugs
        self.days = [date.fromordinal(d).isoformat() for d in range(FIRST_DAY, LAST_DAY + 40)]
        self.clock = [f"{s // 3600:02d}:{s // 60 % 60:02d}:{s % 60:02d}" for s in range(86400)]
        self.counts = dict.fromkeys(COLUMNS, 0)

    def _slug(self, model, name: str) -> str:
        base = slugify(name)[:90] or model.__name__.lower()
        taken = self.taken_slugs[model]
        slug, n = base, 1
        while slug in taken:
            n += 1
            slug = f"{base}-{n}"
        taken.add(slug)
        return slug

    # -- sources ------------------------------------------------------------------------------

    def sources(self) -> list[str]:
        """Organisations and outlets, then the people affiliated to them (so affiliations point back)."""
        rng, n, base = self.rng, self.sizes.sources, self.bases[Source]
        countries = _table((code, weight) for code, _, weight in COUNTRIES)
        bodies, outlets = int(n * 0.4), max(3, int(n * 0.2))
        self.orgs: list[int] = []  # sources that make claims as bodies
        self.outlets: list[int] = []
        self.people: list[int] = []  # people who speak for no body: they make claims themselves
        self.affiliates: dict[int, list[int]] = defaultdict(list)
        self.favourite_outlets: dict[int, list[int]] = {}
        self.domains: dict[int, str] = {}
        lines, country_of, kind_of = [], {}, {}
        for i in range(bodies + outlets):
            sid = base + 1 + i
            kind = SourceKind.MEDIA if i >= bodies else _pick(BODY_KINDS, rng)
            country = "" if kind == SourceKind.INTERNATIONAL_ORG else _pick(countries, rng)
            name = self._body_name(kind, country)
            acronym = _acronym(name)
            aliases = [acronym] if len(acronym) >= 2 and acronym != name and rng.random() < 0.6 else []
            slug = self._slug(Source, name)
            self.domains[sid] = slug
            url = f"https://{slug}.example/" if rng.random() < 0.75 else ""
            description = rng.choice(SOURCE_DESCRIPTIONS[kind]) if rng.random() < 0.4 else ""
            lines.append(
                f"{sid}\t{slug}\t{name}\t{kind}\t{description}\t\t{NULL}\t{country}\t{url}\t{_json(aliases)}\t1\n"
            )
            (self.outlets if kind == SourceKind.MEDIA else self.orgs).append(sid)
            country_of[sid], kind_of[sid] = country, kind
        outlets_of = defaultdict(list)
        for sid in self.outlets:
            outlets_of[country_of[sid]].append(sid)
        for sid in self.orgs + self.outlets:
            # A body's claims are relayed by a few outlets, mostly its own country's: state media
            # relays the ministry. That also keeps the distinct (source, speaker, via) few.
            home = [o for o in outlets_of[country_of[sid]] if o != sid]
            pool = home if home and rng.random() < 0.7 else [o for o in self.outlets if o != sid]
            self.favourite_outlets[sid] = rng.sample(pool, min(len(pool), rng.randint(1, 3)))
        for i in range(n - bodies - outlets):
            sid = base + 1 + bodies + outlets + i
            first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
            name = f"{first} {last}"
            if rng.random() < 0.9:
                body = rng.choice(self.orgs if rng.random() < 0.8 else self.outlets)
                role, affiliation, country = rng.choice(ROLES[kind_of[body]]), str(body), country_of[body]
                self.affiliates[body].append(sid)
            else:
                role, affiliation, country = rng.choice(UNAFFILIATED_ROLES), NULL, _pick(countries, rng)
                self.people.append(sid)
            aliases = []
            if rng.random() < 0.15:
                aliases.append(f"Abu {rng.choice(FIRST_NAMES)}")
            if rng.random() < 0.1:
                aliases.append(f"{first[0]}. {last}")
            slug = self._slug(Source, name)
            lines.append(
                f"{sid}\t{slug}\t{name}\t{SourceKind.PERSON}\t\t{role}\t{affiliation}\t{country}\t\t{_json(aliases)}\t1\n"
            )
        # Every (source, speaker, via) a claim can have, keyed: the names part of the search document
        # is computed once per key.
        self.name_keys: dict[tuple, int] = {}
        for source in self.orgs + self.people:
            for speaker in (None, *self.affiliates.get(source, ())):
                for via in (None, *self.favourite_outlets.get(source, ())):
                    self.name_keys[(source, speaker, via)] = len(self.name_keys) + 1
        self.counts[Source] = len(lines)
        return lines

    def _body_name(self, kind: str, country: str) -> str:
        rng = self.rng
        place = rng.choice(PLACES)[0]
        if kind == SourceKind.INTERNATIONAL_ORG:
            return rng.choice(INTERNATIONAL_ORGS).format(place=place)
        return rng.choice(SOURCE_NAME_PATTERNS[kind]).format(
            adj=ADJECTIVES[country],
            place=place,
            word=rng.choice(MEDIA_WORDS if kind == SourceKind.MEDIA else GROUP_WORDS),
            nth=rng.choice(("1st", "3rd", "4th", "5th", "7th", "9th", "11th", "17th")),
        )

    # -- topics and stories ---------------------------------------------------------------------

    def topics(self) -> list[str]:
        """Places (their names in other scripts as aliases), organisations, themes, then events and people."""
        rng, n, base = self.rng, self.sizes.topics, self.bases[Topic]
        candidates = [
            (place[0], TopicKind.PLACE, list(dict.fromkeys(a for a in place[1:] if a and a != place[0])), place)
            for place in PLACES
        ]
        candidates += [(name, TopicKind.ORGANIZATION, aliases, None) for name, aliases in ORGANISATION_TOPICS]
        candidates += [(name, TopicKind.THEME, [], None) for name in THEMES]
        rng.shuffle(candidates)
        del candidates[n * 2 // 3 :]
        while len(candidates) < n:
            if rng.random() < 0.7:
                place = rng.choice(PLACES)
                year = rng.randint(date.fromordinal(FIRST_DAY).year, date.fromordinal(LAST_DAY).year)
                candidates.append((f"{place[0]} {rng.choice(EVENTS)} {year}", TopicKind.EVENT, [], place))
            else:
                candidates.append((f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}", TopicKind.PERSON, [], None))
        lines = []
        self.topic_places: list[tuple | None] = []  # the place a topic is about, for the claims' wording
        for i, (name, kind, aliases, place) in enumerate(candidates):
            lines.append(f"{base + 1 + i}\t{self._slug(Topic, name)}\t{name}\t{kind}\t{_json(aliases)}\t1\n")
            self.topic_places.append(place)
        self.counts[Topic] = len(lines)
        return lines

    def stories(self) -> None:
        """What runs of claims are about: 1 to 3 topics, a place, the day it began, the parties."""
        rng, base = self.rng, self.bases[Topic]
        about_places = [i for i, place in enumerate(self.topic_places) if place is not None]
        about_others = [i for i, place in enumerate(self.topic_places) if place is None] or about_places
        self.story_topics: list[list[int]] = []
        self.story_place: list[int] = []  # index in PLACES
        self.story_day: list[int] = []
        self.story_parties: list[list[int]] = []
        for _ in range(self.sizes.stories):
            chosen = {rng.choice(about_places)} if about_places and rng.random() < 0.9 else set()
            wanted = rng.choice((1, 2, 2, 3))
            while len(chosen) < wanted:
                chosen.add(rng.choice(about_others))
            # Ascending ids: the order in which the search document lists topic names (see _insert_claims).
            self.story_topics.append(sorted(base + 1 + t for t in chosen))
            places = [self.topic_places[t] for t in sorted(chosen) if self.topic_places[t] is not None]
            self.story_place.append(PLACES.index(places[0]) if places else rng.randrange(len(PLACES)))
            self.story_day.append(rng.randint(FIRST_DAY, LAST_DAY - 30))
            self.story_parties.append(rng.sample(self.orgs, min(len(self.orgs), rng.randint(2, 6))))
        self.wordings = Wordings(places=set(self.story_place))
        # How many claims each story gets: a few stories get many, most a few (a heavy-tailed share).
        weights = [rng.paretovariate(1.2) for _ in range(self.sizes.stories)]
        total, claims = sum(weights), self.sizes.claims
        self.story_size = [int(claims * w / total) for w in weights]
        for i in range(claims - sum(self.story_size)):
            self.story_size[i % len(weights)] += 1
        # Which story each article is about, and when it appeared (its words come in `articles`).
        n = self.sizes.articles
        self.article_story = [rng.randrange(self.sizes.stories) for _ in range(n)]
        self.article_day = [self.story_day[s] + rng.randint(0, 20) for s in self.article_story]
        self.story_articles: list[list[int]] = [[] for _ in range(self.sizes.stories)]
        for article, story in enumerate(self.article_story):
            self.story_articles[story].append(article)
        # Blocks of consecutive stories, about `block` claims each: generated independently (in worker
        # processes on PostgreSQL), each from a random stream of its own, so the record does not
        # depend on how many processes made it. Claims are numbered story by story.
        self.blocks: list[tuple[int, int, int]] = []  # (first story, story after the last, first claim)
        first, claims, in_block = 0, 0, 0
        for story, size in enumerate(self.story_size):
            in_block += size
            if in_block >= self.block or story == len(weights) - 1:
                self.blocks.append((first, story + 1, claims))
                first, claims, in_block = story + 1, claims + in_block, 0

    # -- articles -------------------------------------------------------------------------------

    def articles(self) -> Iterator[str]:
        """Articles by outlets, each about a story, published in the days after it began."""
        rng, n, base = self.rng, self.sizes.articles, self.bases[Article]
        outlets, texts = self.outlets, self.wordings.texts
        slugs: dict[int, str] = {}  # slugify is slow, and the same words make many titles
        for i in range(n):
            aid = base + 1 + i
            publisher = outlets[int(rng.random() * len(outlets))]
            book = PHRASEBOOKS[language := _pick(LANGUAGES, rng)]
            p = self.story_place[self.article_story[i]]
            place = PLACES[p]
            head = _pick(self.wordings.heads[language][p], rng)
            tail = _pick(self.wordings.tails[language][p], rng)
            title = f"{book.place_name(place)}: {texts[head]} {texts[tail]}"
            day = self.days[self.article_day[i] - FIRST_DAY]
            url = ""
            if rng.random() < 0.95:
                # The id makes it unique; the words make it look like an outlet's address.
                for key in (head, tail):
                    if key not in slugs:
                        slugs[key] = slugify(texts[key])
                words = f"{slugs[head]}-{slugs[tail]}"[:60].strip("-") or "article"
                url = f"https://{self.domains[publisher]}.example/{day.replace('-', '/')}/{words}-{aid}"
            dateline = book.dateline(place) if rng.random() < 0.7 else ""
            yield f"{aid}\t{title}\t{url}\t{publisher}\t{day}\t{dateline}\t{language}\t1\n"
        self.counts[Article] = n

    # -- claims, and what hangs off them ----------------------------------------------------------

    @contextmanager
    def claims(self, progress: Callable[[int], None] = lambda n: None, processes: int = 1):
        """Claim lines a block at a time (see `block_lines`), as an iterator.

        With `processes`, that many worker processes start generating blocks at once (the caller
        can meanwhile do other work), until the context ends. Claim topics, links and reviews
        collect, a block a string, in `claim_topics`, `links` and `reviews`.
        """
        self.claim_topics: list[str] = []
        self.links: list[str] = []
        self.reviews: list[str] = []
        self.linked_keys: set[int] = set()
        if processes > 1 and len(self.blocks) > 1:
            global _GENERATOR
            _GENERATOR = self  # what forked workers find (they share the parent's memory)
            try:
                with multiprocessing.get_context("fork").Pool(processes) as pool:
                    yield self._collect(pool.imap(_generate_block, range(len(self.blocks))), progress)
            finally:
                _GENERATOR = None
        else:
            yield self._collect(map(self.block_lines, range(len(self.blocks))), progress)

    def _collect(self, blocks: Iterable[tuple], progress: Callable[[int], None]) -> Iterator[str]:
        self.counts[Claim] = self.sizes.claims
        for claims, claim_topics, links, reviews, linked_keys, counts in blocks:
            self.claim_topics.append(claim_topics)
            self.links.append(links)
            self.reviews.append(reviews)
            self.linked_keys |= linked_keys
            for model, count in zip((ClaimTopic, ClaimLink, Review), counts[1:], strict=True):
                self.counts[model] += count
            yield claims
            progress(counts[0])

    def block_lines(self, index: int) -> tuple:
        """The lines of one block's claims, claim topics, links and reviews, the linked-text keys they
        use and their counts.

        Claim lines have six more columns for PostgreSQL's search documents: the keys of the
        claim's names, story, context (its article, or its story when in none), text head and
        tail, and quote. Claim topics, links and reviews have no id: the database numbers them
        in order. One long loop on purpose: this is the hot path of a million-claim run.
        """
        first_story, end_story, first_claim = self.blocks[index]
        rng = Random(f"{self.seed}/{index}")
        random = rng.random
        cid = self.bases[Claim] + first_claim
        article_base = self.bases[Article]
        days, clock, first_day, last_day = self.days, self.clock, FIRST_DAY, LAST_DAY
        users, orgs, people = self.users, self.orgs, self.people or self.orgs
        affiliates, favourites, name_keys = self.affiliates, self.favourite_outlets, self.name_keys
        wordings = self.wordings
        text, heads, tails, ended, quotes, rebuttals = (
            wordings.text,
            wordings.heads,
            wordings.tails,
            wordings.ended,
            wordings.quotes,
            wordings.rebuttals,
        )
        article_day = self.article_day
        languages, statuses, precisions, relations = LANGUAGES, STATUSES, PRECISIONS, RELATIONS
        rebutting = (LinkRelation.DENIES, LinkRelation.CONTRADICTS)
        lines, topic_lines, link_lines, review_lines, linked_keys = [], [], [], [], set()
        for story in range(first_story, end_story):
            articles, parties, place = self.story_articles[story], self.story_parties[story], self.story_place[story]
            story_day, story_key = self.story_day[story], story + 1
            topic_ends = [f"\t{topic}\n" for topic in self.story_topics[story]]
            # The story's last claims (id, source, language, head, tail): what later claims deny or support.
            recent = deque(maxlen=6)
            # Claims generated as retracted wait for a later claim of their own source to retract them.
            awaiting_retraction = defaultdict(list)
            for _ in range(self.story_size[story]):
                cid += 1
                if articles and random() < 0.9:
                    a = articles[int(random() * len(articles))]
                    article = context = article_base + 1 + a
                    day = article_day[a] - int(random() * 3)
                else:
                    article, context, day = NULL, -story_key, story_day + int(random() * 20)
                u = random()
                if u < 0.1:
                    source, speaker, via = people[int(random() * len(people))], None, None
                else:
                    bodies = parties if u < 0.8 else orgs
                    source = bodies[int(random() * len(bodies))]
                    staff = affiliates.get(source)
                    speaker = staff[int(random() * len(staff))] if staff and random() < 0.45 else None
                    outlets = favourites[source]
                    via = outlets[int(random() * len(outlets))] if outlets and random() < 0.3 else None
                status = statuses[int(random() * 100)]
                relation = relations[int(random() * 1000)]
                target = None
                if relation:
                    others = [c for c in recent if c[1] != source]
                    target = others[int(random() * len(others))] if others else None
                waiting = awaiting_retraction.get(source)
                if target is None and waiting and random() < 0.5:
                    target, relation = waiting.pop(), LinkRelation.RETRACTS
                translated_head = translated_tail = 0
                translated = "[]"
                if target is not None:
                    language = target[2]
                    head, tail = wordings.linked(relation, target[3], target[4])
                    linked_keys.add(head)
                    linked_keys.add(tail)
                    if relation in rebutting:
                        choices = rebuttals[language]
                        quote = choices[int(random() * len(choices))]
                    else:
                        quote = 0
                    link_lines.append(f"{cid}\t{target[0]}\t{relation}\t\t1\n")
                else:
                    language = languages[int(random() * 100)]
                    choices = heads[language][place]
                    head = choices[h := int(random() * len(choices))]
                    choices = tails[language][place]
                    tail = choices[t := int(random() * len(choices))]
                    # One claim in five not in English gets an English text about the same place, as a
                    # machine translation: drawn from the draws above, so the rest of the record is as before.
                    if language != "en" and cid % 5 == 0:
                        choices = heads["en"][place]
                        translated_head = choices[h % len(choices)]
                        choices = tails["en"][place]
                        translated_tail = ended[choices[t % len(choices)]]
                        translated = _translation_json(f"{text(translated_head)} {text(translated_tail)}")
                    if random() < 0.6:
                        choices = quotes[language][place][random() < 0.3]  # one sentence, or two
                        quote = choices[int(random() * len(choices))]
                    else:
                        quote = 0
                    recent.append((cid, source, language, head, tail))
                    if status == ClaimStatus.RETRACTED:
                        awaiting_retraction[source].append((cid, source, language, head, tail))
                    tail = ended[tail]
                claimed = days[day - first_day]
                precision = precisions[int(random() * 100)]
                if precision == DatePrecision.MONTH:
                    claimed = claimed[:8] + "01"
                elif precision == DatePrecision.YEAR:
                    claimed = claimed[:5] + "01-01"
                moment = int(random() * 345600)  # within four days of the claim
                created = f"{days[day - first_day + moment // 86400]} {clock[moment % 86400]}"
                if random() < 0.2:
                    moment = int(random() * 2592000)  # edited within a month
                    updated = f"{days[day - first_day + 4 + moment // 86400]} {clock[moment % 86400]}"
                else:
                    updated = created
                author = users[int(random() * len(users))] if random() < 0.7 else NULL
                lines.append(
                    f"{cid}\t{text(head)} {text(tail)}\t{text(quote)}\t{language}\t{claimed}\t{precision}\t"
                    f"{status}\t{created}\t{updated}\t{article}\t{author}\t{source}\t"
                    f"{NULL if speaker is None else speaker}\t{NULL if via is None else via}\t1\t{translated}\t"
                    f"{name_keys[(source, speaker, via)]}\t{story_key}\t{context}\t{head}\t{tail}\t{quote or NULL}\t"
                    f"{translated_head or NULL}\t{translated_tail or NULL}\n"
                )
                for end in topic_ends:
                    topic_lines.append(f"{cid}{end}")
                if random() < 0.03:
                    rating = rng.choice(RATINGS.get(status, OTHER_RATINGS))
                    summary = REVIEW_SUMMARIES[int(random() * len(REVIEW_SUMMARIES))]
                    url = f"https://review.example/claims/{cid}" if random() < 0.7 else ""
                    reviewer = users[int(random() * len(users))]
                    reviewed = days[min(day + 1 + int(random() * 60), last_day) - first_day]
                    review_lines.append(f"{cid}\t{rating}\t{summary}\t{url}\t{reviewer}\t{reviewed}\t1\n")
        counts = (len(lines), len(topic_lines), len(link_lines), len(review_lines))
        texts = ("".join(lines), "".join(topic_lines), "".join(link_lines), "".join(review_lines))
        return (*texts, linked_keys, counts)

    def name_key_lines(self) -> Iterator[str]:
        """(key, source, speaker, via) for each attribution a claim can have."""
        for (source, speaker, via), key in self.name_keys.items():
            yield f"{key}\t{source}\t{NULL if speaker is None else speaker}\t{NULL if via is None else via}\n"

    def story_key_lines(self) -> Iterator[str]:
        """(key, topic ids) for each story: the topics its claims carry."""
        for i, topics in enumerate(self.story_topics):
            yield f"{i + 1}\t{{{','.join(map(str, topics))}}}\n"

    def segment_lines(self, linked: bool = False) -> Iterator[str]:
        """(key, is a head, language, text) for each head, tail and quote of claims (see Wordings); with
        `linked`, for those of claims about others that the claims use."""
        wordings = self.wordings
        for key in sorted(self.linked_keys) if linked else range(1, wordings.count):
            own = key % wordings.count
            yield f"{key}\t{'t' if wordings.is_head[own] else 'f'}\t{wordings.language[own]}\t{wordings.text(key)}\n"

    def article_story_lines(self) -> Iterator[str]:
        """(article id, story key) for each article."""
        base = self.bases[Article]
        for i, story in enumerate(self.article_story):
            yield f"{base + 1 + i}\t{story + 1}\n"


def _translation_json(text: str) -> str:
    """A claim's translations as the database stores them: one English text, a machine translation.

    Bank texts hold no quote, backslash or control character (check_plain), so the JSON needs no
    escape that COPY's text format would read."""
    return json.dumps([{"language": "en", "text": text, "quote": "", "kind": "machine", "by": ""}], ensure_ascii=False)


_GENERATOR: Generator | None = None


def _generate_block(index: int) -> tuple:
    """In a worker process: one block of the generator the parent set up before forking."""
    return _GENERATOR.block_lines(index)
