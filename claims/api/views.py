"""API endpoints: thin viewsets over the selectors, serializers and filtersets."""

from drf_spectacular.utils import extend_schema
from rest_framework.decorators import action
from rest_framework.response import Response

from claims import selectors
from claims.api import filtersets, serializers
from claims.api.base import RecordViewSet
from claims.models import Claim


class SourceViewSet(RecordViewSet):
    queryset = selectors.source_list()
    serializer_class = serializers.SourceSerializer
    filterset_class = filtersets.SourceFilterSet
    ordering_fields = ["name", "slug", "claim_count"]


class ArticleViewSet(RecordViewSet):
    queryset = selectors.article_list()
    serializer_class = serializers.ArticleSerializer
    filterset_class = filtersets.ArticleFilterSet
    ordering_fields = ["published_on", "title"]


class TopicViewSet(RecordViewSet):
    queryset = selectors.topic_list()
    serializer_class = serializers.TopicSerializer
    filterset_class = filtersets.TopicFilterSet
    ordering_fields = ["name", "slug"]


class ClaimViewSet(RecordViewSet):
    queryset = selectors.claim_list()
    serializer_class = serializers.ClaimSerializer
    filterset_class = filtersets.ClaimFilterSet
    ordering_fields = ["claimed_on", "created_at", "updated_at"]

    def get_queryset(self):
        if self.action == "thread":
            return Claim.objects.all()  # the thread fetches what it renders itself
        return super().get_queryset()

    def server_owned_fields(self):
        return {"created_by": self.request.user}

    @extend_schema(responses=serializers.ThreadSerializer, filters=False)
    @action(detail=True, filterset_class=None, pagination_class=None)
    def thread(self, request, pk=None):
        """The whole dispute: every claim linked to this one, directly or through others, and the links."""
        thread = selectors.claim_thread(self.get_object())
        return Response(serializers.ThreadSerializer(thread, context=self.get_serializer_context()).data)


class ClaimLinkViewSet(RecordViewSet):
    queryset = selectors.link_list()
    serializer_class = serializers.ClaimLinkSerializer
    filterset_class = filtersets.ClaimLinkFilterSet
    ordering_fields = ["id"]


class ReviewViewSet(RecordViewSet):
    queryset = selectors.review_list()
    serializer_class = serializers.ReviewSerializer
    filterset_class = filtersets.ReviewFilterSet
    ordering_fields = ["reviewed_on"]

    def server_owned_fields(self):
        return {"reviewer": self.request.user}
