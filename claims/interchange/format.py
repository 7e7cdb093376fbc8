"""The file format: its columns, how a claim becomes a row, and how a row is read back.

One definition for both directions: the export writes rows with `claim_to_row` and
`rows_to_lines`; the import reads them with `read_rows`. A row that cannot be read
(a malformed date, a link that is not "relation ref") carries its errors, each for
one column; the importer (`claims.interchange.importer`) adds what only the
database can tell and runs the models' own validation.
"""

import csv
import datetime
import io
import json
import re
from collections.abc import Container, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from django.utils.text import slugify

from claims.models import ISO_DATE, TRANSLATION_KEYS, Claim, LinkRelation, check_translations, wikidata_id

# CSV header = JSON Lines keys, in this order.
COLUMNS = [
    "ref",
    "text",
    "quote",
    "language",
    "translations",
    "claimed_on",
    "claimed_on_precision",
    "status",
    "source",
    "source_name",
    "source_kind",
    "source_wikidata",
    "speaker",
    "speaker_name",
    "speaker_wikidata",
    "via",
    "via_name",
    "via_wikidata",
    "article_url",
    "article_title",
    "article_publisher",
    "article_publisher_wikidata",
    "article_published_on",
    "topics",
    "topics_wikidata",
    "links",
]
FORMATS = ("csv", "jsonl")

# The claim's identity (with the source): every row needs them.
REQUIRED = ("source", "claimed_on", "text")
# Claim fields a cell holds as it is (defaults for empty cells come from the model).
PLAIN_FIELDS = ("text", "quote", "language", "claimed_on_precision", "status")
# Words of the claim are kept exactly as written; every other cell is trimmed.
VERBATIM = {"text", "quote"}
ARTICLE_COLUMNS = ("article_url", "article_title", "article_publisher", "article_published_on")
# Source columns: (slug or name, name to create it with, kind to create it with). Each (and
# article_publisher) has a `<column>_wikidata` too: the source's Wikidata id, set on it when it has none.
SOURCE_COLUMNS = {
    "source": ("source_name", "source_kind"),
    "speaker": ("speaker_name", None),
    "via": ("via_name", None),
}

# Spreadsheets run a cell that starts with one of these as a formula. The export prefixes
# such a cell (and one already prefixed, so that the import's unprefixing is exact) with '.
_FORMULA = re.compile(r"^'*[=+\-@\t\r]")
_ESCAPED_FORMULA = re.compile(r"^'+[=+\-@\t\r]")
# Characters that some JSON Lines readers (str.splitlines) take for line ends; json.dumps leaves them raw.
_LINE_SEPARATORS = {"\u2028": "\\u2028", "\u2029": "\\u2029", "\x85": "\\u0085"}


def escape_cell(value: str) -> str:
    """A CSV cell as written by the export: a would-be formula gets a leading '."""
    return "'" + value if _FORMULA.match(value) else value


def unescape_cell(value: str) -> str:
    """A CSV cell as read by the import: the export's leading ' removed again."""
    return value[1:] if _ESCAPED_FORMULA.match(value) else value


# Writing


def claim_to_row(claim: Claim, refs_in_export: Container[int]) -> dict[str, str]:
    """The row of `claim`, every value a string ("" for none).

    `refs_in_export` holds the ids of the claims written to the same file: only
    links to those are written, since a link names its target by its ref in the file.
    Expects source, speaker, via and article (with publisher) joined, and topics
    and links_out prefetched (see `claims.selectors.claim_export_list`).
    """
    article = claim.article
    publisher = article.publisher if article is not None else None
    topics = list(claim.topics.all())
    return {
        "ref": str(claim.pk),
        "text": claim.text,
        "quote": claim.quote,
        "language": claim.language,
        "translations": translations_cell(claim.translations),
        "claimed_on": claim.claimed_on.isoformat(),
        "claimed_on_precision": claim.claimed_on_precision,
        "status": claim.status,
        "source": claim.source.slug,
        "source_name": claim.source.name,
        "source_kind": claim.source.kind,
        "speaker": claim.speaker.slug if claim.speaker else "",
        "speaker_name": claim.speaker.name if claim.speaker else "",
        "speaker_wikidata": claim.speaker.wikidata if claim.speaker else "",
        "source_wikidata": claim.source.wikidata,
        "via": claim.via.slug if claim.via else "",
        "via_name": claim.via.name if claim.via else "",
        "via_wikidata": claim.via.wikidata if claim.via else "",
        "article_url": article.url if article else "",
        "article_title": article.title if article else "",
        "article_publisher": publisher.slug if publisher else "",
        "article_publisher_wikidata": publisher.wikidata if publisher else "",
        "article_published_on": article.published_on.isoformat() if article and article.published_on else "",
        "topics": "; ".join(topic.slug for topic in topics),
        # Item by item as `topics`, "" for a topic without one; no cell at all when none has one.
        "topics_wikidata": "; ".join(topic.wikidata for topic in topics) if any(t.wikidata for t in topics) else "",
        "links": "; ".join(
            f"{link.relation} {link.to_claim_id}"
            for link in claim.links_out.all()
            if link.to_claim_id in refs_in_export
        ),
    }


def translations_cell(items: list[dict]) -> str:
    """A claim's translations as a cell: a JSON list of objects with TRANSLATION_KEYS, or "" for none."""
    if not items:
        return ""
    return json.dumps([{key: item[key] for key in TRANSLATION_KEYS} for item in items], ensure_ascii=False)


class _Echo:
    """A file whose write() hands back what it was given, so csv.writer makes lines for a stream."""

    def write(self, value: str) -> str:
        return value


def rows_to_lines(rows: Iterable[dict[str, str]], fmt: str) -> Iterator[str]:
    """The lines of a file in `fmt` holding `rows`: the CSV header first, then one line a row."""
    if fmt == "csv":
        writer = csv.writer(_Echo())
        yield writer.writerow(COLUMNS)
        for row in rows:
            yield writer.writerow([escape_cell(row[column]) for column in COLUMNS])
    else:
        for row in rows:
            line = json.dumps({column: row[column] for column in COLUMNS}, ensure_ascii=False)
            for char, escaped in _LINE_SEPARATORS.items():
                line = line.replace(char, escaped)
            yield line + "\n"


# Reading


@dataclass
class RowError:
    line: int
    column: str
    message: str

    def __str__(self):
        return f"line {self.line}: {self.column}: {self.message}"


@dataclass(eq=False)
class SourceMention:
    """A source named in a cell, by slug or by name (slugified)."""

    row: "Row"
    column: str  # source, speaker, via or article_publisher
    slug: str
    written: str  # the cell as written: an existing source with exactly this slug is taken first
    name: str | None  # from the name column, or the cell when it held a name
    name_from: str | None  # the column the name was written in
    kind: str | None = None  # from source_kind, for the source column
    wikidata: str = ""  # from <column>_wikidata


@dataclass(eq=False)
class TopicMention:
    row: "Row"
    slug: str
    written: str
    name: str | None  # the item when it was a name
    wikidata: str = ""  # its item in topics_wikidata


@dataclass(eq=False)
class ArticleMention:
    url: str
    title: str
    published_on: datetime.date | None
    publisher: SourceMention | None


@dataclass(eq=False)
class LinkMention:
    relation: str
    ref: str
    written: str  # "denies 3", for messages
    target: "Row | None" = None


@dataclass(eq=False)
class Row:
    """One row as read: what it states about its claim, and what is wrong with it.

    `values` has a key for each claim field whose column the row has: a column
    missing from the file leaves that field of an existing claim as it is.
    """

    line: int
    ref: str | None = None
    source: SourceMention | None = None
    values: dict[str, Any] = field(default_factory=dict)
    links: list[LinkMention] = field(default_factory=list)
    errors: list[tuple[str, str]] = field(default_factory=list)
    # Filled in by the importer.
    resolved: dict[str, Any] = field(default_factory=dict)
    claim: Claim | None = None

    def error(self, column: str, message: str) -> None:
        if (column, message) not in self.errors:
            self.errors.append((column, message))

    @property
    def ok(self) -> bool:
        return not self.errors

    def source_mentions(self) -> list[SourceMention]:
        mentions = [self.source, self.values.get("speaker"), self.values.get("via")]
        article = self.values.get("article")
        if article is not None:
            mentions.append(article.publisher)
        return [mention for mention in mentions if mention is not None]


def decode(data: bytes) -> tuple[str, RowError | None]:
    """The file's text (UTF-8, a byte-order mark dropped), or the line where it is not UTF-8."""
    try:
        return data.decode("utf-8-sig"), None
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        return "", RowError(line, "file", "is not UTF-8 text (save it as UTF-8 and import it again)")


def read_rows(data: bytes, fmt: str) -> tuple[list[Row], list[RowError]]:
    """The rows of a file, each with the errors found in its cells; and errors about the file itself."""
    text, error = decode(data)
    if error is not None:
        return [], [error]
    cells, errors = (_read_csv if fmt == "csv" else _read_jsonl)(text)
    return [parse_row(line, row, from_csv=fmt == "csv") for line, row in cells], errors


def _read_csv(text: str) -> tuple[list[tuple[int, dict[str, str]]], list[RowError]]:
    reader = csv.reader(io.StringIO(text, newline=""))
    rows, errors, header = [], [], None
    last_line = 0  # a record can span lines (a quoted cell with line breaks): it starts after the last one
    try:
        for record in reader:
            start, last_line = last_line + 1, reader.line_num
            if not any(cell.strip() for cell in record):
                continue  # a blank line, or a row of empty cells
            if header is None:
                header = [cell.strip() for cell in record]
                errors = _check_header(header, start)
                if errors:
                    return [], errors
                continue
            if len(record) != len(header):
                errors.append(RowError(start, "row", f"has {len(record)} cells; the header has {len(header)}"))
                continue
            rows.append((start, dict(zip(header, record, strict=True))))
    except csv.Error as exc:
        errors.append(RowError(reader.line_num, "row", f"is not valid CSV ({exc}); nothing after it was read"))
    if header is None and not errors:
        errors.append(RowError(1, "header", "the file is empty: its first line must name the columns"))
    return rows, errors


def _check_header(header: list[str], line: int) -> list[RowError]:
    errors = []
    for index, column in enumerate(header):
        if column not in COLUMNS:
            errors.append(
                RowError(line, column or f"column {index + 1}", f"unknown column (known: {', '.join(COLUMNS)})")
            )
        elif column in header[:index]:
            errors.append(RowError(line, column, "the column appears twice"))
    errors += [
        RowError(line, column, "missing column: every row needs it") for column in REQUIRED if column not in header
    ]
    return errors


def _read_jsonl(text: str) -> tuple[list[tuple[int, dict[str, str]]], list[RowError]]:
    rows, errors = [], []
    # Only "\n" ends a line: other line separators may stand unescaped inside a JSON string.
    for number, line in enumerate(text.split("\n"), start=1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            errors.append(RowError(number, "row", f"is not valid JSON: {exc.msg} (column {exc.colno})"))
            continue
        if not isinstance(obj, dict):
            errors.append(RowError(number, "row", "must be a JSON object, one per line"))
            continue
        cells = {}
        for key, value in obj.items():
            if key not in COLUMNS:
                errors.append(RowError(number, key, f"unknown key (known: {', '.join(COLUMNS)})"))
            elif value is None:
                cells[key] = ""
            elif isinstance(value, str):
                cells[key] = value
            elif key == "ref" and isinstance(value, int) and not isinstance(value, bool):
                cells[key] = str(value)
            else:
                errors.append(RowError(number, key, "must be a string (or null)"))
        rows.append((number, cells))
    return rows, errors


def parse_row(line: int, cells: dict[str, str], *, from_csv: bool) -> Row:
    """What a row states, from its cells (only the columns it has)."""
    row = Row(line)
    for column, value in list(cells.items()):
        if from_csv:
            value = cells[column] = unescape_cell(value)
        if "\x00" in value:
            row.error(column, "contains a NUL character, which cannot be stored")
        elif not _is_storable(value):
            row.error(column, "contains an invalid character (a lone UTF-16 surrogate)")
    if not row.ok:
        return row

    def cell(column: str) -> str:
        value = cells.get(column, "")
        return (value if value.strip() else "") if column in VERBATIM else value.strip()

    for column in REQUIRED:
        if not cell(column):
            row.error(column, "This field is required.")
    if cell("ref"):
        if re.search(r"[\s;]", cell("ref")):
            row.error("ref", "must not contain spaces or ';' (links name it as 'relation ref')")
        else:
            row.ref = cell("ref")
    for name in PLAIN_FIELDS:
        if name in cells:
            row.values[name] = cell(name) or Claim._meta.get_field(name).get_default()
    if "claimed_on" in cells:
        row.values["claimed_on"] = _date(row, "claimed_on", cell("claimed_on"))
    for column, (name_column, kind_column) in SOURCE_COLUMNS.items():
        if column in cells:
            mention = _source(row, column, cell(column), cell(name_column) or None, name_column)
            if kind_column is not None and mention is not None:
                mention.kind = cell(kind_column) or None
            item = _wikidata(row, f"{column}_wikidata", cell(f"{column}_wikidata"))
            if item and mention is None and cell(column) == "":
                row.error(f"{column}_wikidata", f"is given without {column}")
            elif item and mention is not None:
                mention.wikidata = item
            if column == "source":
                row.source = mention
            else:
                row.values[column] = mention
    if any(column in cells for column in ARTICLE_COLUMNS):
        article = row.values["article"] = _article(row, *(cell(column) for column in ARTICLE_COLUMNS))
        item = _wikidata(row, "article_publisher_wikidata", cell("article_publisher_wikidata"))
        if item and (article is None or article.publisher is None):
            if cell("article_publisher") == "":
                row.error("article_publisher_wikidata", "is given without article_publisher")
        elif item:
            article.publisher.wikidata = item
    elif cell("article_publisher_wikidata"):
        row.error("article_publisher_wikidata", "is given without article_publisher")
    if "translations" in cells:
        row.values["translations"] = _translations(row, cell("translations"), row.values.get("language"))
    if "topics" in cells:
        row.values["topics"] = _topics(row, cell("topics"), cell("topics_wikidata"))
    elif cell("topics_wikidata"):
        row.error("topics_wikidata", "is given without topics")
    if cell("links"):
        row.links = _links(row, cell("links"))
    return row


def _is_storable(value: str) -> bool:
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _date(row: Row, column: str, value: str) -> datetime.date | None:
    if not value:
        return None
    try:
        if not ISO_DATE.fullmatch(value):
            raise ValueError
        return datetime.date.fromisoformat(value)
    except ValueError:
        row.error(column, f"{value!r} is not a date as YYYY-MM-DD")
        return None


def name_from_slug(slug: str) -> str:
    """'popular-mobilisation-forces' -> 'Popular mobilisation forces'."""
    name = slug.replace("-", " ")
    return name[:1].upper() + name[1:]


def _slug_or_name(row: Row, column: str, value: str) -> tuple[str, str | None] | None:
    """(slug, name) for a cell: a slug-shaped value is a slug (no name), anything else a name."""
    slug = slugify(value)
    if not slug:
        row.error(column, f"no slug can be made of {value!r} (a slug keeps only a-z, 0-9, '-' and '_'): give the slug")
        return None
    return slug, (None if slug == value else value)


def _source(row, column, value, name, name_column) -> SourceMention | None:
    if not value:
        if name:
            row.error(name_column, f"is given without {column}")
        return None
    parsed = _slug_or_name(row, column, value)
    if parsed is None:
        return None
    slug, name_in_cell = parsed
    if name:
        return SourceMention(row, column, slug, value, name, name_column)
    return SourceMention(row, column, slug, value, name_in_cell, column if name_in_cell else None)


def _article(row, url, title, publisher, published_on) -> ArticleMention | None:
    published = _date(row, "article_published_on", published_on)
    if not url and not title:
        if publisher or published_on:
            row.error("article_title", "an article needs article_url or article_title to be found or created")
        return None
    publisher_mention = _source(row, "article_publisher", publisher, None, None)
    return ArticleMention(url, title, published, publisher_mention)


def _translations(row: Row, value: str, language: str | None) -> list[dict]:
    """The cell's JSON list of translations (empty: none), each fault named `translations.<index>.<field>`.

    Against the row's `language` when it has one; otherwise the claim's own language is checked when
    the claim is found (its model's rule).
    """
    if not value:
        return []
    try:
        items = json.loads(value)
    except json.JSONDecodeError as exc:
        row.error("translations", f"is not a JSON list: {exc.msg} (character {exc.pos + 1})")
        return []
    cleaned, errors = check_translations(items, claim_language=language)
    for path, (message, _code) in errors.items():
        row.error(f"translations.{path}" if path else "translations", message)
    return cleaned


def _wikidata(row: Row, column: str, value: str) -> str:
    """A Wikidata id cell: the id, or "" (empty, or malformed and reported)."""
    if value and not wikidata_id.regex.fullmatch(value):
        row.error(column, f"{value[:50]!r}: {wikidata_id.message}")
        return ""
    return value


def _topics(row: Row, value: str, wikidata: str) -> list[TopicMention]:
    items = [part.strip() for part in value.split(";")]
    # topics_wikidata holds one item per item of topics, in the same order ("" for none); an empty cell, none.
    ids = [part.strip() for part in wikidata.split(";")] if wikidata else [""] * len(items)
    if len(ids) != len(items):
        row.error("topics_wikidata", f"has {len(ids)} items; topics has {len(items)}: give one for each, in order")
        ids = [""] * len(items)
    topics: dict[str, TopicMention] = {}
    for item, item_id in zip(items, ids, strict=True):
        item_id = _wikidata(row, "topics_wikidata", item_id)
        if not item:
            if item_id:
                row.error("topics_wikidata", f"{item_id} stands for an empty item of topics")
            continue
        parsed = _slug_or_name(row, "topics", item)
        if parsed is None:
            continue
        mention = topics.setdefault(parsed[0], TopicMention(row, parsed[0], item, parsed[1]))
        if item_id and mention.wikidata and item_id != mention.wikidata:
            row.error("topics_wikidata", f"the topic {parsed[0]!r} is given two Wikidata ids")
        mention.wikidata = mention.wikidata or item_id
    return list(topics.values())


def _links(row: Row, value: str) -> list[LinkMention]:
    links = []
    for item in (part.strip() for part in value.split(";")):
        if not item:
            continue
        words = item.split()
        if len(words) != 2:
            row.error("links", f"{item!r} is not 'relation ref' (e.g. 'denies 3')")
            continue
        relation, ref = words[0].lower(), words[1]
        if relation not in LinkRelation.values:
            row.error("links", f"{item!r}: unknown relation {words[0]!r} (one of {', '.join(LinkRelation.values)})")
            continue
        if all((link.relation, link.ref) != (relation, ref) for link in links):
            links.append(LinkMention(relation, ref, item))
    return links
