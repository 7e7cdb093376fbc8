"""API tokens over the API: a user's own tokens (/api/tokens/), and a token for a password
(/api/auth/token/). A token's secret is in the one response that issues it, never again."""

from django.conf import settings
from django.http import QueryDict
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins, parsers, serializers, status, viewsets
from rest_framework.authtoken.serializers import AuthTokenSerializer
from rest_framework.exceptions import AuthenticationFailed, NotFound, ValidationError
from rest_framework.generics import GenericAPIView
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.settings import api_settings

from claims.api.base import ParametersMixin
from claims.api.conditional import ConditionalReadMixin
from claims.api.fields import StrictCharField, StrictChoiceField
from claims.api.schema import AutoSchema, ErrorSerializer
from claims.api.throttling import AnonThrottle, LoginAccountThrottle, LoginThrottle, UserThrottle
from claims.models import is_id, not_blank
from claims.tokens.auth import TokenScopePermission
from claims.tokens.models import ApiToken, TokenScope
from claims.tokens.services import token_issue, token_revoke


class ApiTokenSerializer(serializers.ModelSerializer):
    """A token as its owner sees it in a list: never its secret."""

    class Meta:
        model = ApiToken
        fields = ["id", "name", "scope", "created", "expiry", "last_used"]
        read_only_fields = fields


class IssuedTokenSerializer(ApiTokenSerializer):
    """A token just issued, with its secret: the only response that ever holds it."""

    token = serializers.CharField(
        read_only=True, help_text='The secret, for "Authorization: Token <secret>". Shown this once: keep it.'
    )

    class Meta(ApiTokenSerializer.Meta):
        fields = ["token", *ApiTokenSerializer.Meta.fields]
        read_only_fields = fields


class WholeDaysField(serializers.IntegerField):
    """A JSON integer, as the schema says: DRF's field also takes "5", 5.0 and true. From a form, where
    every value is text, its digits (the token endpoint takes forms)."""

    def to_internal_value(self, data):
        from_form = isinstance(getattr(self.root, "initial_data", None), QueryDict)
        if isinstance(data, bool) or not isinstance(data, int | str) or (isinstance(data, str) and not from_form):
            self.fail("invalid")
        return super().to_internal_value(data)


class TokenSettingsSerializer(serializers.Serializer):
    """What a new token is: its name, its scope, how many days it lasts."""

    name = StrictCharField(
        max_length=100, validators=[not_blank], help_text="What the token is for, to recognise it by."
    )
    scope = StrictChoiceField(TokenScope.choices)

    def get_fields(self):
        fields = super().get_fields()
        # Built here, not in the class body, so that the bounds are the settings in force.
        fields["expires_in_days"] = WholeDaysField(
            min_value=1,
            max_value=settings.TOKEN_MAX_EXPIRY_DAYS,
            required=False,
            help_text=f"Days until the token stops working ({settings.TOKEN_EXPIRY_DAYS} if not given).",
        )
        return fields


def issue(user, data: dict) -> dict:
    """Issue the token `data` describes and answer with it, secret included."""
    token, secret = token_issue(user=user, **data)
    token.token = secret
    return IssuedTokenSerializer(token).data


class TokenSchema(AutoSchema):
    """Tokens have no versions (no If-Match, no 409 or 412), and reading them needs a user (401)."""

    def _error_codes(self) -> list[str]:
        codes = [code for code in super()._error_codes() if code not in ("409", "412")]
        return codes if "401" in codes else [*codes, "401"]

    def get_override_parameters(self):
        return [p for p in super().get_override_parameters() if getattr(p, "name", None) != "If-Match"]


class TokenViewSet(
    ConditionalReadMixin,
    ParametersMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """Your own API tokens: list them (never their secrets), issue one (its secret is in that
    response only), revoke one (it stops working at once). Reading needs any token or a session;
    issuing and revoking need an admin token or a session. Superusers manage other users' tokens
    in the admin."""

    serializer_class = ApiTokenSerializer
    permission_classes = [TokenScopePermission, IsAuthenticated]
    token_scope = TokenScope.ADMIN
    no_store = True  # an issued token's secret, and who holds which token
    filter_backends = []
    schema = TokenSchema()

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # the schema is generated without a user
            return ApiToken.objects.none()
        return ApiToken.objects.filter(user=self.request.user)

    def get_object(self):
        if not is_id(self.kwargs.get("pk", "")):
            raise NotFound()
        return super().get_object()

    @extend_schema(request=TokenSettingsSerializer, responses={201: IssuedTokenSerializer})
    def create(self, request, *args, **kwargs):
        """Issue a token to yourself. The response holds its secret, this once."""
        serializer = TokenSettingsSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        return Response(issue(request.user, serializer.validated_data), status=status.HTTP_201_CREATED)

    def perform_destroy(self, instance):
        token_revoke(token=instance)


class TokenLoginSerializer(AuthTokenSerializer, TokenSettingsSerializer):
    """A username and password, and optionally what the new token is to be."""

    # As sent, and JSON strings only: DRF's would trim " \r" to a blank username (a 400 for a request
    # the schema calls valid) and take 0 as "0".
    username = StrictCharField(write_only=True)
    password = StrictCharField(write_only=True, style={"input_type": "password"})
    name = StrictCharField(
        max_length=100, validators=[not_blank], default="token endpoint", help_text="What the token is for."
    )
    scope = StrictChoiceField(
        TokenScope.choices, default=TokenScope.WRITE, help_text="What the token may do (write if not given)."
    )


class ObtainToken(ConditionalReadMixin, GenericAPIView):
    """`POST` a `username` and `password` (JSON or a form), get a new token: `{"token": ...}` is the
    secret for `Authorization: Token <secret>`, shown this once. Optionally `name` it, choose its
    `scope` (write if not given) and `expires_in_days`. Wrong credentials are a 401, as any failed
    authentication; a missing or bad field is a 400 naming it. Throttled per client more tightly
    than other requests."""

    serializer_class = TokenLoginSerializer
    no_store = True  # a new token's secret
    # The password is the credential here: an Authorization header is not read, so any scope's token
    # neither helps nor hinders.
    authentication_classes = []
    permission_classes = []
    parser_classes = [parsers.JSONParser, parsers.FormParser]
    throttle_classes = [AnonThrottle, UserThrottle, LoginThrottle, LoginAccountThrottle]
    throttle_scope = "login"

    def get_authenticate_header(self, request):
        # Wrong credentials stay a 401 (DRF makes them 403 without an authentication class), naming the
        # scheme the issued token is for.
        return "Token"

    @extend_schema(
        request=TokenLoginSerializer,
        responses={
            200: IssuedTokenSerializer,
            401: OpenApiResponse(ErrorSerializer, "Unknown username, wrong password, or an inactive account."),
        },
    )
    def post(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        if not serializer.is_valid():
            refusals = serializer.errors.get(api_settings.NON_FIELD_ERRORS_KEY, [])
            if any(getattr(refusal, "code", None) == "authorization" for refusal in refusals):
                raise AuthenticationFailed(refusals[0])
            raise ValidationError(serializer.errors)
        data = dict(serializer.validated_data)
        user = data.pop("user")
        data.pop("username", None)
        data.pop("password", None)
        return Response(issue(user, data))
