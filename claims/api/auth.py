"""Getting an API token with a username and password."""

from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_serializer, inline_serializer
from rest_framework import parsers, serializers
from rest_framework.authtoken.models import Token
from rest_framework.authtoken.serializers import AuthTokenSerializer
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.exceptions import AuthenticationFailed, ValidationError
from rest_framework.response import Response
from rest_framework.settings import api_settings

from claims.api.schema import ErrorSerializer
from claims.api.throttling import AnonThrottle, LoginAccountThrottle, LoginThrottle, UserThrottle
from claims.models import not_blank


@extend_schema_serializer(component_name="AuthToken")
class TokenRequestSerializer(AuthTokenSerializer):
    """A username (some visible character: spaces around it are trimmed) and a password."""

    # DRF's username, trimmed and then refused when blank, gave the schema no pattern: a username of
    # spaces was valid there and a 400 here (Schemathesis found it).
    username = serializers.CharField(label="Username", write_only=True, validators=[not_blank])


class ObtainToken(ObtainAuthToken):
    """`POST` a `username` and `password` (JSON or a form), get `{"token": ...}`, the key for
    `Authorization: Token <key>`. Wrong credentials are a 401, as any failed authentication; a
    missing field is a 400 naming it. Throttled more tightly than other requests, per client and per
    account (whichever address the guesses come from); the 429 is the same whether or not the account
    exists.
    """

    parser_classes = [parsers.JSONParser, parsers.FormParser]
    serializer_class = TokenRequestSerializer
    throttle_classes = [AnonThrottle, UserThrottle, LoginThrottle, LoginAccountThrottle]
    throttle_scope = "login"

    @extend_schema(
        request=TokenRequestSerializer,
        responses={
            200: inline_serializer("Token", {"token": serializers.CharField()}),
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
        token, _ = Token.objects.get_or_create(user=serializer.validated_data["user"])
        return Response({"token": token.key})
