"""Public, read-only HTML pages: what readers and search engines see of a claim.

No script runs on these pages; the verdicts are also embedded as ClaimReview
JSON-LD, which is how search engines read fact checks.
"""

import json
import sys

from django.http import Http404, HttpResponse, HttpResponseServerError, JsonResponse
from django.shortcuts import render
from django.utils.safestring import mark_safe

from claims import anchoring, claimreview, selectors, translations
from claims.api.conditional import conditional_page
from claims.db import unavailable_message
from claims.diagram import format_claim_date, thread_context
from claims.middleware import service_unavailable
from claims.models import AnchorStatus, Appearance, Article, Claim, ClaimStatus, is_id

# What must not appear raw inside <script>: '</script>' or '<!--' would end or change the block.
_SCRIPT_ESCAPES = {ord("<"): "\\u003C", ord(">"): "\\u003E", ord("&"): "\\u0026"}


def json_for_script(value) -> str:
    """JSON that is safe to place inside a <script> element (still the same JSON to a parser)."""
    return mark_safe(json.dumps(value, ensure_ascii=False, indent=2).translate(_SCRIPT_ESCAPES))


@conditional_page
def claim_page(request, pk):
    """A claim with its attribution, its verdicts and its thread."""
    if not is_id(pk):
        raise Http404("No such claim.")
    try:
        claim = selectors.claim_detail().prefetch_related("topics").get(pk=pk)
    except Claim.DoesNotExist as exc:
        raise Http404("No such claim.") from exc
    reviews = list(selectors.review_markup_list().filter(claim=claim))
    context = {
        "claim": claim,
        "topics": list(claim.topics.all()),
        "passage": _passage(claim),
        "translations": translations.translations_with_direction(claim),
        "claim_date": format_claim_date(claim.claimed_on, claim.claimed_on_precision),
        "reviews": reviews,
        "markup": [
            json_for_script(claimreview.claim_review(review, build_absolute_uri=request.build_absolute_uri))
            for review in reviews
        ],
        **thread_context(claim, url_for=lambda c: claimreview.claim_page_path(c.pk)),
        "publisher": claimreview.publisher(),
    }
    return render(request, "claims/claim_page.html", context)


def _passage(claim: Claim) -> dict | None:
    """Where the claim lies in its article's text, with the text around it, or None if not anchored."""
    if claim.article_id is None:
        return None
    appearance = (
        Appearance.objects.filter(claim=claim, article_id=claim.article_id, start__isnull=False)
        .select_related("article")
        .first()
    )
    if appearance is None:
        return None
    before, exact, after = anchoring.in_context(appearance.article.body, appearance.start, appearance.end)
    return {"before": before, "exact": exact, "after": after, "appearance": appearance}


@conditional_page
def article_page(request, pk):
    """An article's text with each anchored claim highlighted, coloured by status and linked to its page."""
    if not is_id(pk):
        raise Http404("No such article.")
    try:
        article = Article.objects.select_related("publisher").get(pk=pk)
    except Article.DoesNotExist as exc:
        raise Http404("No such article.") from exc
    appearances = list(selectors.article_annotations(article))
    denied = set(
        Claim.objects.filter(selectors.claims_with_denial(), pk__in=[a.claim_id for a in appearances]).values_list(
            "pk", flat=True
        )
    )
    for appearance in appearances:
        appearance.denied = appearance.claim_id in denied
    orphaned = Appearance.objects.filter(article=article, status=AnchorStatus.ORPHANED).select_related("claim__source")
    context = {
        "article": article,
        "segments": anchoring.segments(article.body, [(a.start, a.end, a) for a in appearances]),
        "appearances": appearances,
        "orphaned": list(orphaned),
        "statuses": ClaimStatus.choices,
        "publisher": claimreview.publisher(),
    }
    return render(request, "claims/article_page.html", context)


def health(request):
    """For load balancers: 200 while this process serves requests. Touches no database and no cache,
    and is not throttled, so one failing part does not take every app server out of the pool."""
    return HttpResponse("ok\n", content_type="text/plain")


def server_error(request):
    """The 500 handler (DEBUG off): an unavailable database is a 503 here too, wherever it failed."""
    message = unavailable_message(sys.exc_info()[1])
    if message is not None:
        return service_unavailable(request, message)
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": "Server error: it has been logged."}, status=500)
    return HttpResponseServerError("500 Server Error\n\nIt has been logged.\n", content_type="text/plain")
