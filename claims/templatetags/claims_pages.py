"""Template tags of the public pages."""

from django import template
from django.utils.html import format_html

from claims import wikidata

register = template.Library()


@register.simple_tag
def wikidata_link(record) -> str:
    """A source's or topic's Wikidata item as a visible link ("Wikidata Q42"), or nothing without an id.

    The same address as the page's JSON-LD `sameAs`, so a reader sees what machines are told.
    """
    if not record.wikidata:
        return ""
    return format_html(
        '<a class="wikidata" href="{}" rel="external">Wikidata {}</a>',
        wikidata.page_url(record.wikidata),
        record.wikidata,
    )
