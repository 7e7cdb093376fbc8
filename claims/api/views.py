"""API endpoints: thin viewsets over the selectors, serializers and filtersets."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.decorators import action
from rest_framework.exceptions import ErrorDetail, NotFound, PermissionDenied, ValidationError
from rest_framework.generics import GenericAPIView
from rest_framework.permissions import BasePermission
from rest_framework.response import Response
from rest_framework.settings import api_settings

from claims import annotation, extraction, search, selectors
from claims.api import drafts, filtersets, jsonld, serializers
from claims.api.base import ParametersMixin, RecordViewSet
from claims.api.claim_rows import claim_detail, claim_rows, claims_from_rows
from claims.api.pagination import AnnotationPagination, KeysetPagination
from claims.extraction import accept
from claims.interchange import export
from claims.models import Claim, is_id
from claims.read_cache import cached_read
from claims.tokens.auth import TokenScopePermission


class AcceptDraftsPermission(BasePermission):
    """Accepting drafts adds claims, sources, anchors and links: it takes the right to add each."""

    PERMISSIONS = accept.PERMISSIONS

    def has_permission(self, request, view):
        return bool(request.user and request.user.is_authenticated and request.user.has_perms(self.PERMISSIONS))


class ExtractView(ParametersMixin, GenericAPIView):
    """Drafts of who said what in a text; writes nothing."""

    permission_classes = [TokenScopePermission, AcceptDraftsPermission]
    serializer_class = drafts.ExtractSerializer
    filter_backends = []
    pagination_class = None

    @extend_schema(request=drafts.ExtractSerializer, responses={200: drafts.DraftsSerializer})
    def post(self, request):
        """Find attributed statements in `text`: each draft names its source, speaker and outlet (matched to the
        record's sources where the text uses their names or aliases), the statement and where it lies in the
        text, its date (read against `published_on`) and what it denies or supports. Nothing is written: send
        the drafts to `POST /api/articles/{id}/accept/` to create them. Rules for English news writing
        (docs/extraction.md); a text in another language gets few or no drafts.
        """
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        found = extraction.extract_from_record(
            data["text"], published_on=data["published_on"], language=data["language"]
        )
        return Response({"drafts": found})


def drafts_action(func):
    """A POST on an article that extraction's drafts go through: the editors' rights, and the token's scope.

    A new `action` for each view: DRF keeps an action's options in one dict, where drf-spectacular also
    puts the view's schema, so one shared decorator gave `extract` the schema of `accept` (a 201).
    """
    return action(
        detail=True,
        methods=["post"],
        filterset_class=None,
        pagination_class=None,
        permission_classes=[TokenScopePermission, AcceptDraftsPermission],
    )(func)


ANNOTATION_RESPONSE = OpenApiResponse(
    OpenApiTypes.OBJECT,
    "A W3C Web Annotation (JSON-LD, http://www.w3.org/ns/anno.jsonld): the claim as its body, the article as "
    "its target, selected by a TextQuoteSelector (exact, prefix, suffix) and a TextPositionSelector (start, end).",
)


def annotation_page_response() -> dict:
    return {
        200: OpenApiResponse(
            OpenApiTypes.OBJECT,
            "A W3C AnnotationPage (JSON-LD): `items` are Web Annotations; `partOf` gives the collection's "
            "`total`; `next` and `prev` the neighbouring pages.",
        )
    }


class SourceViewSet(RecordViewSet):
    queryset = selectors.source_list()
    serializer_class = serializers.SourceSerializer
    filterset_class = filtersets.SourceFilterSet
    ordering_fields = ["name", "slug", "claim_count"]

    @extend_schema(responses=serializers.SourceRecordSerializer, filters=False)
    @action(detail=True, filterset_class=None, pagination_class=None)
    def record(self, request, pk=None):
        """The source's track record: its claims by status and by verdict, and the denials either way."""
        source = self.get_object()

        def build():
            return serializers.SourceRecordSerializer(selectors.source_record(source)).data

        # Cached under the database's state, as threads are: a record counts over every claim of the source
        # (200 ms for one of 15,000 claims at a million), and changes only when something commits.
        return Response(cached_read("source-record", f"{source.pk}", build))


class ArticleViewSet(RecordViewSet):
    queryset = selectors.article_list()
    serializer_class = serializers.ArticleSerializer
    filterset_class = filtersets.ArticleFilterSet
    ordering_fields = ["published_on", "title"]

    def get_queryset(self):
        return selectors.article_summaries() if self.action == "list" else super().get_queryset()

    def get_serializer_class(self):
        return serializers.ArticleSummarySerializer if self.action == "list" else super().get_serializer_class()

    @extend_schema(responses=annotation_page_response(), filters=False)
    @action(
        detail=True,
        filterset_class=None,
        pagination_class=AnnotationPagination,
        renderer_classes=jsonld.JSONLD_RENDERERS,
    )
    def annotations(self, request, pk=None):
        """The claims anchored in this article's text, as W3C Web Annotations, a page at a time, in text order.

        Orphaned anchors (whose passage an edit removed) are left out: they point nowhere in the current text.
        """
        article = self.get_object()
        page = self.paginate_queryset(selectors.article_annotations(article))
        return self.paginator.get_paginated_response(page)

    @extend_schema(request=None, responses={200: drafts.DraftsSerializer}, filters=False)
    @drafts_action
    def extract(self, request, pk=None):
        """Drafts of the claims in this article's text, read against its publication date. Writes nothing.

        Send the drafts (edited or not) to `accept/` to create them. 409 when the article has no text
        or no publication date (relative dates like "on Tuesday" are read against it).
        """
        article = self.get_object()
        # What the article lacks is the record's state, not the request's fault: 409, as elsewhere.
        if not article.body:
            raise ValidationError({"body": [ErrorDetail(f"Article #{article.pk} has no text to read.", "conflict")]})
        if article.published_on is None:
            message = f"Article #{article.pk} has no publication date to read dates against."
            raise ValidationError({"published_on": [ErrorDetail(message, "conflict")]})
        found = extraction.extract_from_record(
            article.body, published_on=article.published_on, language=article.language
        )
        return Response({"drafts": found})

    @extend_schema(
        request=drafts.AcceptSerializer,
        responses={201: drafts.AcceptedSerializer},
        filters=False,
    )
    @drafts_action
    def accept(self, request, pk=None):
        """Create the claims of `drafts` (as extraction returned them, possibly edited) in this article.

        Every claim, new source, anchor and link is created in one transaction, each revision marked
        "Extracted from article #N". A party with a `match` is that source; one without is made from
        its `name`, `role` and `kind`. If any draft is wrong, nothing is created and the 400 names the
        draft's index and the field: `{"drafts": {"2": {"source.match.id": ["No source has the id 9."]}}}`.
        """
        article = self.get_object()
        if not isinstance(request.data, dict) or set(request.data) - {"drafts"}:
            raise ValidationError({"drafts": ["Send an object with one field, drafts."]})
        try:
            accepted = accept.drafts_accept(article=article, drafts=request.data.get("drafts"), user=request.user)
        except accept.DraftsInvalid as exc:
            codes = {code for fields in exc.errors.values() for _, code in fields.values()}
            if codes == {"permission"}:
                raise PermissionDenied(next(iter(exc.errors.values()))["status"][0]) from exc
            errors = {
                str(index): {path or "draft": [ErrorDetail(message, code)] for path, (message, code) in fields.items()}
                for index, fields in exc.errors.items()
            }
            # All of it a clash with the record (an unknown id, a span past the text): 409, as elsewhere.
            raise ValidationError({"drafts": errors}) from exc
        return Response({"claims": accepted.claims, "links": accepted.links, "sources": accepted.sources}, status=201)


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
    # The claims table grows without bound: pages by key, as fast deep in the record as at its start.
    pagination_class = KeysetPagination
    # The list also downloads as a file in the import format (?format=csv or jsonl): see list().
    renderer_classes = [*api_settings.DEFAULT_RENDERER_CLASSES, *export.RENDERERS]

    def get_renderers(self):
        renderers = super().get_renderers()
        if self.action == "list":
            return renderers
        return [renderer for renderer in renderers if not isinstance(renderer, export.ExportRenderer)]

    @extend_schema(parameters=[export.FORMAT_PARAMETER], responses=export.list_responses(serializers.ClaimSerializer))
    def list(self, request, *args, **kwargs):
        """Claims, filtered and ordered, a page at a time; or with `format=csv` or `jsonl`, all of them as a file.

        The file has the columns that `manage.py import_claims` reads (docs/import-export.md), is streamed,
        and holds every claim that matches the filters, in the requested `ordering`.
        """
        if isinstance(request.accepted_renderer, export.ExportRenderer):
            self.paginator.check_parameters(request)  # ignored by an export, but documented: still checked
            claims = self.filter_queryset(selectors.claim_export_list())
            return export.export_response(claims, request.accepted_renderer)
        rows = self.paginate_queryset(claim_rows(self.filter_queryset(Claim.objects.all())))
        return self.get_paginated_response(claims_from_rows(rows))

    def retrieve(self, request, *args, **kwargs):
        """A claim with its attribution, topics, reviews and links."""
        pk = kwargs[self.lookup_url_kwarg or self.lookup_field]
        # Cached under the database's state, as threads are (claims.read_cache): one query instead of seven.
        claim = cached_read("claim", pk, lambda: claim_detail(int(pk))) if is_id(pk) else None
        if claim is None:
            raise NotFound(f"No {Claim._meta.object_name} matches the given query.")
        return Response(claim)

    def get_queryset(self):
        if self.action in ("thread", "similar", "claimreview", "annotation"):
            return Claim.objects.all()  # these fetch what they render themselves
        return super().get_queryset()

    def server_owned_fields(self):
        return {"created_by": self.request.user}

    @extend_schema(responses=serializers.ThreadSerializer, filters=False)
    @action(detail=True, filterset_class=None, pagination_class=None)
    def thread(self, request, pk=None):
        """The whole dispute: every claim linked to this one, directly or through others, and the links."""

        def build():
            thread = selectors.claim_thread(self.get_object())
            return serializers.ThreadSerializer(thread, context=self.get_serializer_context()).data

        return Response(cached_read("thread", f"{pk}", build))

    @extend_schema(
        operation_id="claims_similar_to_claim", responses=serializers.SimilarClaimSerializer(many=True), filters=False
    )
    @action(detail=True, url_path="similar", filterset_class=None, pagination_class=None)
    def similar(self, request, pk=None):
        """The existing claims most like this one (at most 10, most similar first): likely duplicates."""
        claim = self.get_object()

        def build():
            found = search.similar_claims(
                claim.text, exclude=claim.pk, language=claim.language, translations=claim.translations
            )
            return serializers.SimilarClaimSerializer(found, many=True).data

        # A claim's neighbours change only when something commits: cached as its thread is (claims.read_cache).
        return Response(cached_read("similar", f"{claim.pk}", build))

    @extend_schema(
        operation_id="claims_similar_to_text",
        parameters=[serializers.SimilarQuerySerializer],
        responses=serializers.SimilarClaimSerializer(many=True),
        filters=False,
    )
    @action(detail=False, url_path="similar", filterset_class=None, pagination_class=None)
    def similar_to_text(self, request):
        """The existing claims most like `text` (at most 10, most similar first): check before adding a claim."""
        query = serializers.SimilarQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        found = search.similar_claims(query.validated_data["text"], exclude=query.validated_data.get("exclude"))
        return Response(serializers.SimilarClaimSerializer(found, many=True).data)

    @extend_schema(responses={200: ANNOTATION_RESPONSE}, filters=False)
    @action(detail=True, filterset_class=None, pagination_class=None, renderer_classes=jsonld.JSONLD_RENDERERS)
    def annotation(self, request, pk=None):
        """Where the claim lies in its article's text, as a W3C Web Annotation (JSON-LD).

        404 when the claim has no article, its article has no text, or its passage was not found
        in the text after an edit (an orphaned anchor: the claim's `anchor` says so).
        """
        claim = self.get_object()
        found = selectors.appearance_list().filter(claim=claim, article_id=claim.article_id).first()
        if found is None or not annotation.is_annotation(found):
            reason = "is orphaned" if found is not None and found.status else "is not anchored in an article's text"
            raise NotFound(f"Claim #{claim.pk} {reason}.")
        return Response(annotation.annotation(found, build_absolute_uri=request.build_absolute_uri))

    @jsonld.claimreview_action
    def claimreview(self, request, pk=None):
        """The claim's current verdict (its latest review) as a schema.org ClaimReview in JSON-LD."""

        def build():
            claim = self.get_object()
            review = selectors.review_markup_list().filter(claim=claim).first()
            if review is None:
                raise NotFound(f"Claim #{claim.pk} has no review yet.")
            return jsonld.claim_review_data(request, review)

        return Response(cached_read("claimreview", jsonld.cache_key(request, pk), build))


class AppearanceViewSet(RecordViewSet):
    queryset = selectors.appearance_list()
    serializer_class = serializers.AppearanceSerializer
    filterset_class = filtersets.AppearanceFilterSet
    ordering_fields = ["id", "start"]


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

    @jsonld.claimreview_action
    def claimreview(self, request, pk=None):
        """This review as a schema.org ClaimReview in JSON-LD."""

        def build():
            self.get_object()  # 404 for an unknown id, as every detail route
            return jsonld.claim_review_data(request, selectors.review_markup_list().get(pk=pk))

        return Response(cached_read("review-claimreview", jsonld.cache_key(request, pk), build))
