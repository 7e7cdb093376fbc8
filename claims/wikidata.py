"""Wikidata item ids as addresses: what ClaimReview's `sameAs`, the public pages and the admin link to.

Only the id is stored (Source.wikidata, Topic.wikidata); nothing here reaches Wikidata. The address is
the item's page, https://www.wikidata.org/wiki/Q42, as schema.org's own `sameAs` example writes it
(docs/wikidata.md): `sameAs` is "the URL of a reference web page", and the page is what a reader opens.
"""

PAGE = "https://www.wikidata.org/wiki/"


def page_url(item_id: str) -> str:
    """The item's page, or "" for no id."""
    return f"{PAGE}{item_id}" if item_id else ""
