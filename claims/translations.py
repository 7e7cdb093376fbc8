"""A claim's translations: the rules each one follows, read the same way by every entry point.

A claim keeps its text and quote as they were written, in `Claim.language`; `Claim.translations`
holds the same text and quote in other languages, each saying who translated it and whether a person
or a machine did (docs/translations.md). The API, the admin and the import all read a submitted list
with `check_translations`, which names each fault by its place (`1.language`), as the API's 400s and
the import's row errors show it; `claims.models.validate_translations` guards the stored list.

It also says which way a language is written (`direction`), for every page that shows one.
"""

from claims.models import (
    TRANSLATION_BY_MAX,
    TRANSLATION_KEYS,
    TRANSLATIONS_MAX,
    TranslationKind,
    language_code,
    not_blank,
)

TEXT_MAX = 2000  # as Claim.text
QUOTE_MAX = 5000  # as Claim.quote
LANGUAGE_MAX = 35  # as Claim.language
# What a client must give; `quote` and `by` may be left out (then empty): a claim need not have a quote,
# and who translated it may not be known.
REQUIRED_KEYS = ("language", "text", "kind")

# Languages written right to left, by their primary subtag: Arabic, Persian, Hebrew, Urdu, Kurdish
# (Sorani), Pashto, Yiddish, Dhivehi, Syriac. The one list every page reads.
RTL_LANGUAGES = frozenset({"ar", "fa", "he", "ur", "ckb", "ps", "yi", "dv", "syr"})
# Scripts written right to left, for a tag that names its script: 'ku-Arab' is Kurdish in Arabic script.
RTL_SCRIPTS = frozenset({"arab", "hebr", "thaa", "syrc", "nkoo", "adlm"})


def direction(language: str) -> str:
    """'rtl' or 'ltr' for a BCP 47 tag, or 'auto' when there is none to go by (the browser then decides).

    A script subtag wins over the language: 'az-Arab' is right to left, 'ku-Latn' left to right.
    """
    parts = (language or "").strip().lower().split("-")
    if not parts[0]:
        return "auto"
    scripts = [part for part in parts[1:] if len(part) == 4 and part.isalpha()]
    if scripts:
        return "rtl" if scripts[0] in RTL_SCRIPTS else "ltr"
    return "rtl" if parts[0] in RTL_LANGUAGES else "ltr"


# The code of a refusal by a rule between values that no schema can state (claims.api.exceptions).
CONFLICT = "conflict"


def own_language_message(language: str) -> str:
    return f"The claim itself is in '{language}': a translation is into another language."


def check_translations(value, *, claim_language: str | None = None) -> tuple[list[dict], dict[str, tuple[str, str]]]:
    """`value` (as submitted) as a list of complete translations, and what is wrong with it.

    `quote` and `by` default to empty. A translation given twice is refused; two into one language
    are not (the outlet's and ours, a person's and a machine's). With `claim_language`, a
    translation into the claim's own language is refused (the original is the text itself).

    The errors are keyed by where they are: "" for the list itself, "2" for an item, "2.language"
    for an item's field. Each is (message, code): CONFLICT for those two rules between values, which
    no schema can state (a 409 in the API, as a link from a claim to itself is), "invalid" otherwise.
    """
    if not isinstance(value, list):
        return [], {"": (f"Must be a list of translations, not a {type(value).__name__}.", "invalid")}
    if len(value) > TRANSLATIONS_MAX:
        return [], {"": (f"A claim has at most {TRANSLATIONS_MAX} translations; this has {len(value)}.", "invalid")}
    cleaned, errors, seen = [], {}, {}
    for index, item in enumerate(value):
        if not isinstance(item, dict):
            message = f"Must be an object with {', '.join(TRANSLATION_KEYS)}, not a {type(item).__name__}."
            errors[str(index)] = (message, "invalid")
            continue
        for key in sorted(set(item) - set(TRANSLATION_KEYS), key=str):
            errors[f"{index}.{key}"] = (f"Unknown field (known: {', '.join(TRANSLATION_KEYS)}).", "invalid")
        item = {"quote": "", "by": "", **item}
        for key in TRANSLATION_KEYS:
            problem = _field_problem(key, item.get(key))
            if problem:
                errors[f"{index}.{key}"] = (problem, "invalid")
        item = {key: item.get(key) for key in TRANSLATION_KEYS}
        if claim_language is not None and item["language"] == claim_language and f"{index}.language" not in errors:
            errors[f"{index}.language"] = (own_language_message(claim_language), CONFLICT)
        if not any(path.startswith(f"{index}.") for path in errors):
            # Two translations may share a language (the outlet's and ours), not every word and name.
            same = tuple(item.values())
            if same in seen:
                errors[str(index)] = ("This translation is given twice (every field the same): remove one.", CONFLICT)
            seen.setdefault(same, index)
        cleaned.append(item)
    return ([] if errors else cleaned), errors


def _field_problem(key: str, value) -> str | None:
    if value is None and key in REQUIRED_KEYS:
        return "This field is required."
    if not isinstance(value, str):
        return f"Not a string: a {type(value).__name__}."
    if "\x00" in value:
        return "Must not contain NUL characters."
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        # A "\\ud800" escape in an imported file's JSON: a string no database can store.
        return "Contains an invalid character (a lone UTF-16 surrogate)."
    if key == "language":
        if len(value) > LANGUAGE_MAX or not language_code.regex.fullmatch(value):
            return language_code.message
    elif key == "text":
        if not not_blank.regex.fullmatch(value):
            return not_blank.message
        if len(value) > TEXT_MAX:
            return f"At most {TEXT_MAX} characters (this has {len(value)})."
    elif key == "quote":
        if len(value) > QUOTE_MAX:
            return f"At most {QUOTE_MAX} characters (this has {len(value)})."
    elif key == "kind":
        if value not in TranslationKind.values:
            return f"One of {', '.join(TranslationKind.values)}: who translated it, a person or a machine."
    elif key == "by" and len(value) > TRANSLATION_BY_MAX:
        return f"At most {TRANSLATION_BY_MAX} characters (this has {len(value)})."
    return None


def translations_with_direction(claim) -> list[dict]:
    """The claim's translations, each with the `dir` its language is written in, for templates."""
    return [{**item, "dir": direction(item["language"])} for item in claim.translations]
