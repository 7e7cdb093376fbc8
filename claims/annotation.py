"""Anchored claims as W3C Web Annotations (JSON-LD), the format annotation tools read.

Each appearance with an anchor is an Annotation whose target is the article, selected by both
a TextQuoteSelector and a TextPositionSelector, and whose body is the claim: its text, in its
language, and the address of its public page. docs/articles-and-anchors.md has the mapping.
"""

from django.urls import reverse

from claims.models import AnchorStatus, Appearance

CONTEXT = "http://www.w3.org/ns/anno.jsonld"


def is_annotation(appearance: Appearance) -> bool:
    """Whether the appearance points into its article's current text (an orphan no longer does)."""
    return appearance.status not in ("", AnchorStatus.ORPHANED)


def annotation(appearance: Appearance, *, build_absolute_uri, context: bool = True) -> dict:
    """The appearance (with its claim and article loaded) as a Web Annotation."""
    claim, article = appearance.claim, appearance.article
    node = {"@context": CONTEXT} if context else {}
    node.update(
        {
            "id": build_absolute_uri(reverse("appearance-detail", args=[appearance.pk])),
            "type": "Annotation",
            "motivation": "identifying",
            "created": appearance.created_at.isoformat(),
            "body": [
                {
                    "type": "TextualBody",
                    "value": claim.text,
                    "format": "text/plain",
                    "language": claim.language,
                    "purpose": "describing",
                },
                {"id": build_absolute_uri(reverse("claim-page", args=[claim.pk])), "purpose": "identifying"},
            ],
            "target": {
                "source": article.url or build_absolute_uri(reverse("article-page", args=[article.pk])),
                "selector": [
                    {
                        "type": "TextQuoteSelector",
                        "exact": appearance.exact,
                        "prefix": appearance.prefix,
                        "suffix": appearance.suffix,
                    },
                    {"type": "TextPositionSelector", "start": appearance.start, "end": appearance.end},
                ],
            },
        }
    )
    return node


def annotation_page(
    appearances,
    *,
    build_absolute_uri,
    page_url: str,
    collection_url: str,
    total: int,
    start_index: int,
    next_url: str | None,
    prev_url: str | None,
) -> dict:
    """A page of annotations as the Web Annotation Protocol's AnnotationPage, part of the article's collection."""
    node = {
        "@context": CONTEXT,
        "id": page_url,
        "type": "AnnotationPage",
        "partOf": {"id": collection_url, "type": "AnnotationCollection", "total": total},
        "startIndex": start_index,
        "items": [annotation(a, build_absolute_uri=build_absolute_uri, context=False) for a in appearances],
    }
    if next_url:
        node["next"] = next_url
    if prev_url:
        node["prev"] = prev_url
    return node
