"""Webhook subscriptions over the API (/api/webhooks/): a user's own, or every one for a superuser.

A subscription is versioned like the records (ETag, If-Match); its secret is in the responses that
make it (create, rotate-secret) and never again. Its deliveries, each with its attempts, are read at
/api/webhooks/{id}/deliveries/ and replayed from there.
"""

from django.db import transaction
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.permissions import DjangoModelPermissions
from rest_framework.response import Response

from claims.api.base import RecordViewSet
from claims.api.fields import NestedPrimaryKeyRelatedField, StrictCharField
from claims.api.pagination import PageNumberPagination
from claims.api.schema import ErrorSerializer
from claims.api.serializers import EditorSerializer, RecordSerializerMixin, SourceBriefSerializer, TopicBriefSerializer
from claims.events.models import ChangeAction, ChangeKind
from claims.models import Source, Topic, is_id
from claims.tokens.auth import TokenScopePermission
from claims.webhooks import services
from claims.webhooks.models import Attempt, Delivery, DeliveryStatus, Subscription
from claims.webhooks.ssrf import UnsafeURL, check_url

# What can be subscribed to: each change type the change record writes, and each kind's "*".
EVENT_TYPES = [f"{kind}.{act}" for kind in ChangeKind.values for act in [*ChangeAction.values, "*"]]


class SubscriptionPermission(DjangoModelPermissions):
    """Reading needs the view permission too: a subscription is not public, unlike the record."""

    perms_map = {**DjangoModelPermissions.perms_map, "GET": ["%(app_label)s.view_%(model_name)s"]}


class SubscriptionSerializer(RecordSerializerMixin, serializers.ModelSerializer):
    """A webhook subscription as its owner sees it: never its secret (only when it is made or rotated)."""

    owner = EditorSerializer(read_only=True)
    url = StrictCharField(
        max_length=2000, help_text="Where the changes are POSTed: http(s), on a public address (checked when saved)."
    )
    event_types = serializers.ListField(
        child=serializers.ChoiceField(EVENT_TYPES),
        min_length=1,
        max_length=len(EVENT_TYPES),
        help_text='Change types ("claim.created", "claim.updated", "claim.deleted") or all of a kind ("claim.*").',
    )
    topic = NestedPrimaryKeyRelatedField(
        TopicBriefSerializer, queryset=Topic.objects.all(), allow_null=True, required=False
    )
    source = NestedPrimaryKeyRelatedField(
        SourceBriefSerializer, queryset=Source.objects.select_related("affiliation"), allow_null=True, required=False
    )
    disabled_reason = serializers.CharField(
        read_only=True, help_text="Why the worker switched it off (after too many failures in a row); empty otherwise."
    )

    class Meta:
        model = Subscription
        fields = [
            "id",
            "owner",
            "url",
            "event_types",
            "topic",
            "source",
            "status",
            "active",
            "disabled_reason",
            "consecutive_failures",
            "created_at",
            "updated_at",
            "version",
        ]
        read_only_fields = ["consecutive_failures", "created_at", "updated_at", "version"]

    def validate_url(self, value: str) -> str:
        try:
            check_url(value)
        except UnsafeURL as exc:
            raise serializers.ValidationError(str(exc)) from None
        return value

    def validate_event_types(self, value: list[str]) -> list[str]:
        return sorted(set(value))

    def update(self, instance, validated_data):
        if not self._changes_anything(instance, validated_data):
            return instance
        fields = set(validated_data)
        if validated_data.get("active") and not instance.active:
            # Switched on again by its owner: the count of failures starts over.
            validated_data.update(consecutive_failures=0, disabled_reason="")
            fields |= {"consecutive_failures", "disabled_reason"}
        for name, value in validated_data.items():
            setattr(instance, name, value)
        # Only the fields the client changed: the worker's count of failures is saved beside them.
        instance.save(update_fields=[*fields, "updated_at"])
        return instance


class SubscriptionWithSecretSerializer(SubscriptionSerializer):
    """A subscription just made (or given a new secret), with its secret: the only responses that hold it."""

    secret = serializers.CharField(
        read_only=True,
        help_text="The signing secret (whsec_...), for checking webhook-signature. Shown this once: keep it.",
    )

    class Meta(SubscriptionSerializer.Meta):
        fields = [*SubscriptionSerializer.Meta.fields, "secret"]


class AttemptSerializer(serializers.ModelSerializer):
    class Meta:
        model = Attempt
        fields = ["number", "started_at", "status_code", "latency_ms", "error", "response_excerpt"]
        read_only_fields = fields


class DeliverySerializer(serializers.ModelSerializer):
    """One change sent to the subscription, with every attempt so far."""

    webhook_id = serializers.SerializerMethodField(help_text="The webhook-id header, the same in every attempt.")
    attempts = AttemptSerializer(many=True, read_only=True)

    class Meta:
        model = Delivery
        fields = [
            "id",
            "webhook_id",
            "change_id",
            "event_type",
            "subject",
            "event_time",
            "status",
            "attempt_count",
            "next_attempt_at",
            "created_at",
            "finished_at",
            "attempts",
        ]
        read_only_fields = fields

    def get_webhook_id(self, delivery) -> str:
        return f"msg_{delivery.webhook_id.hex}"


class ReplaySerializer(serializers.Serializer):
    since = serializers.DateTimeField(help_text="Replay the deliveries that failed and were made at or after this.")


class ReplayedSerializer(serializers.Serializer):
    replayed = serializers.IntegerField(help_text="How many deliveries were queued again.")


class SubscriptionViewSet(RecordViewSet):
    """Webhook subscriptions: each change to the record that a subscription asks for is POSTed to its
    URL as a CloudEvent, signed as Standard Webhooks says (docs/changes-and-webhooks.md). Your own
    subscriptions (a superuser's: everyone's); needs the webhook permissions (senior editors have them).
    Deleting a subscription deletes its deliveries and their attempts with it."""

    serializer_class = SubscriptionSerializer
    permission_classes = [TokenScopePermission, SubscriptionPermission]
    filter_backends = []
    filterset_class = None
    history = None  # a subscription is not part of the record: it keeps no revisions

    def get_queryset(self):
        queryset = Subscription.objects.select_related("owner__profile", "topic", "source__affiliation")
        if getattr(self, "swagger_fake_view", False):  # the schema is generated without a user
            return queryset.none()
        user = self.request.user
        return queryset if user.is_superuser else queryset.filter(owner=user)

    def server_owned_fields(self) -> dict:
        return {"owner": self.request.user}

    @extend_schema(responses={201: SubscriptionWithSecretSerializer})
    def create(self, request, *args, **kwargs):
        """Subscribe a URL. The response holds the signing secret, this once."""
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        self.perform_create(serializer)
        data = SubscriptionWithSecretSerializer(serializer.instance, context=self.get_serializer_context()).data
        response = Response(data, status=status.HTTP_201_CREATED)
        response["Location"] = f"{request.path}{serializer.instance.pk}/"
        return response

    @extend_schema(request=None, responses={200: SubscriptionWithSecretSerializer})
    @action(detail=True, methods=["post"], url_path="rotate-secret", filterset_class=None, pagination_class=None)
    def rotate_secret(self, request, pk=None):
        """Give the subscription a new signing secret (in this response, this once); the old one stops at once."""
        subscription = services.subscription_rotate_secret(subscription=self.get_object())
        return Response(SubscriptionWithSecretSerializer(subscription, context=self.get_serializer_context()).data)

    def _deliveries(self):
        subscription = self.get_object()
        return subscription.deliveries.prefetch_related("attempts").order_by("-id")

    @extend_schema(
        responses={200: DeliverySerializer(many=True)},
        filters=False,
        parameters=[
            OpenApiParameter("page", {"type": "integer", "minimum": 1}, description="Page number."),
            OpenApiParameter("page_size", {"type": "integer", "minimum": 1}, description="Per page (20; at most 100)."),
            OpenApiParameter("status", {"type": "string", "enum": DeliveryStatus.values}, description="Only these."),
        ],
    )
    @action(detail=True, filterset_class=None, pagination_class=PageNumberPagination)
    def deliveries(self, request, pk=None):
        """The subscription's deliveries, newest first, each with its attempts (time, status code, latency,
        error, the start of the answer)."""
        deliveries = self._deliveries()
        wanted = request.query_params.get("status")
        if wanted is not None:
            if wanted not in DeliveryStatus.values:
                raise serializers.ValidationError({"status": [f"One of {', '.join(DeliveryStatus.values)}."]})
            deliveries = deliveries.filter(status=wanted)
        page = self.paginate_queryset(deliveries)
        return self.get_paginated_response(DeliverySerializer(page, many=True).data)

    @extend_schema(
        request=None,
        parameters=[
            OpenApiParameter(
                "delivery_id", {"type": "integer", "minimum": 1}, OpenApiParameter.PATH, description="The delivery."
            )
        ],
        responses={
            200: ReplayedSerializer,
            404: OpenApiResponse(ErrorSerializer, "No such subscription, or no such delivery of it."),
        },
    )
    @action(
        detail=True,
        methods=["post"],
        url_path=r"deliveries/(?P<delivery_id>[^/.]+)/replay",
        filterset_class=None,
        pagination_class=None,
    )
    def replay_delivery(self, request, pk=None, delivery_id=None):
        """Send a delivered or failed delivery again (same webhook-id); a pending one is left to its retry."""
        if not is_id(delivery_id):
            raise NotFound()
        deliveries = self._deliveries().filter(pk=delivery_id)
        if not deliveries.exists():
            raise NotFound()
        return Response({"replayed": services.deliveries_replay(deliveries=deliveries)})

    @extend_schema(request=ReplaySerializer, responses={200: ReplayedSerializer})
    @action(detail=True, methods=["post"], filterset_class=None, pagination_class=None)
    def replay(self, request, pk=None):
        """Send again every delivery that failed and was made at or after `since` (after fixing a receiver)."""
        body = ReplaySerializer(data=request.data)
        body.is_valid(raise_exception=True)
        since = body.validated_data["since"]
        deliveries = self._deliveries().filter(status=DeliveryStatus.FAILED, created_at__gte=since)
        with transaction.atomic():
            replayed = services.deliveries_replay(deliveries=deliveries)
        return Response({"replayed": replayed})
