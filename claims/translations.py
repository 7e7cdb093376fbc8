"""A claim's translations on the page: which way each is written.

A claim keeps its text and quote as they were written, in `Claim.language`; `Claim.translations`
holds the same text and quote in other languages, each saying who translated it and whether a person
or a machine did (docs/translations.md). The API, the admin and the import all read a submitted list
with `claims.models.check_translations`, which names each fault by its place (`1.language`), as the
API's 400s and the import's row errors show it; `claims.models.validate_translations` guards the stored
list with the same rules.

This module says which way a language is written (`direction`), for every page that shows one.
"""

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


def translations_with_direction(claim) -> list[dict]:
    """The claim's translations, each with the `dir` its language is written in, for templates."""
    return [{**item, "dir": direction(item["language"])} for item in claim.translations]
