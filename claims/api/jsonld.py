"""ClaimReview JSON-LD endpoints: per claim, per review, and a feed for crawlers."""

from django.db.models import Max
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import generics, permissions
from rest_framework.decorators import action
from rest_framework.response import Response

from claims import claimreview, selectors
from claims.api.base import ParametersMixin
from claims.api.conditional import ConditionalReadMixin
from claims.api.renderers import JSONRenderer
from claims.models import Review
from claims.tokens.auth import TokenScopePermission


class JSONLDRenderer(JSONRenderer):
    """JSON-LD is JSON with its own media type; clients asking for plain JSON still get it as JSON."""

    media_type = "application/ld+json"
    format = "jsonld"


JSONLD_RENDERERS = [JSONLDRenderer, JSONRenderer]

CLAIM_REVIEW_RESPONSE = OpenApiResponse(
    OpenApiTypes.OBJECT,
    "A schema.org ClaimReview in JSON-LD: claimReviewed, itemReviewed (a Claim with author, "
    "datePublished and appearance), reviewRating (alternateName; ratingValue on a 1-5 scale with "
    "bestRating and worstRating unless the verdict is unproven), author, datePublished and url.",
)


def claimreview_action(method):
    """Make `method` a viewset's detail route `claimreview/`, answering JSON-LD, documented as a ClaimReview."""
    route = action(detail=True, filterset_class=None, pagination_class=None, renderer_classes=JSONLD_RENDERERS)
    return extend_schema(responses={200: CLAIM_REVIEW_RESPONSE}, filters=False)(route(method))


def claim_review_data(request, review: Review) -> dict:
    return claimreview.claim_review(review, build_absolute_uri=request.build_absolute_uri)


def cache_key(request, pk) -> str:
    """What a ClaimReview depends on besides the record: its links are absolute, to this host."""
    return f"{pk}\0{request.build_absolute_uri('/')}"


@extend_schema(
    responses={
        200: OpenApiResponse(OpenApiTypes.OBJECT, "A schema.org DataFeed whose dataFeedElement are ClaimReviews.")
    },
    parameters=[
        OpenApiParameter(
            "page",
            {"type": "integer", "minimum": 1},
            description="Page number; the `Link` header gives the next and previous pages.",
        ),
        OpenApiParameter(
            "page_size", {"type": "integer", "minimum": 1}, description="Reviews per page (20; at most 100)."
        ),
    ],
)
class ClaimReviewFeed(ConditionalReadMixin, ParametersMixin, generics.GenericAPIView):
    """Every review as a ClaimReview, newest first: a feed for crawlers and fact-check aggregators.

    Pages through like the lists; `Link` headers (rel="next" / "prev") give the neighbouring pages.
    """

    permission_classes = [TokenScopePermission, permissions.AllowAny]
    renderer_classes = JSONLD_RENDERERS
    filter_backends = []
    queryset = selectors.review_markup_list()

    def get(self, request):
        reviews = self.paginate_queryset(self.get_queryset())
        modified = Review.objects.aggregate(latest=Max("reviewed_on"))["latest"]
        feed = claimreview.claim_review_feed(reviews, build_absolute_uri=request.build_absolute_uri, modified=modified)
        links = [
            f'<{url}>; rel="{rel}"'
            for url, rel in ((self.paginator.get_next_link(), "next"), (self.paginator.get_previous_link(), "prev"))
            if url
        ]
        headers = {"Link": ", ".join(links)} if links else {}
        headers["X-Total-Count"] = str(self.paginator.page.paginator.count)
        return Response(feed, headers=headers)
