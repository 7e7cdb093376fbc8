"""Authenticating with an API token, and holding each request to the token's scope.

Both are in the REST framework's defaults (settings.REST_FRAMEWORK): ScopedTokenAuthentication
first among the authentication classes, TokenScopePermission first among the permission classes.
A view that sets its own permission classes keeps TokenScopePermission among them
(tests/test_tokens.py fails for one that does not).
"""

import re
from hmac import compare_digest

from django.utils import timezone
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from knox.auth import TokenAuthentication
from knox.crypto import hash_token
from knox.settings import CONSTANTS
from rest_framework.exceptions import AuthenticationFailed
from rest_framework.permissions import SAFE_METHODS, BasePermission

from claims.tokens.models import ApiToken, TokenScope
from claims.tokens.services import token_mark_used

# Our secrets are "fc_" and 64 hexadecimal digits; tokens moved from DRF's authtoken are 40 digits.
# Anything else is refused before it reaches the database, where text that cannot be a token (NUL,
# non-ASCII bytes) would be an error, not a 401.
TOKEN_SHAPE = re.compile(rb"[A-Za-z0-9_]{1,100}")


class ScopedTokenAuthentication(TokenAuthentication):
    """`Authorization: Token <secret>`: knox's header parsing and hashing, our lookup.

    knox's own lookup deletes the user's expired tokens on every request (a query, and writes); here
    an expired token is refused and kept, so that its owner still sees it in their list. A token
    that authenticates has its last use recorded, at most once a minute (services.token_mark_used).
    """

    def authenticate_credentials(self, token: bytes):
        if not TOKEN_SHAPE.fullmatch(token):
            raise AuthenticationFailed("Invalid token.")
        secret = token.decode("ascii")
        digest = hash_token(secret)
        # No ordering (the model's default would cost every request the compiling of an ORDER BY).
        candidates = (
            ApiToken.objects.filter(token_key=secret[: CONSTANTS.TOKEN_KEY_LENGTH]).select_related("user").order_by()
        )
        for candidate in candidates:
            if compare_digest(digest, candidate.digest):
                if candidate.expiry <= timezone.now():
                    raise AuthenticationFailed("This token has expired; issue a new one.")
                user, api_token = self.validate_user(candidate)
                token_mark_used(api_token)
                return user, api_token
        raise AuthenticationFailed("Invalid token.")


def required_scope(request, view) -> str:
    """The scope a request needs: read for safe methods; for others the view's `token_scope`, or write."""
    if request.method in SAFE_METHODS:
        return TokenScope.READ
    return getattr(view, "token_scope", TokenScope.WRITE)


class TokenScopePermission(BasePermission):
    """A request authenticated by a token does only what the token's scope allows.

    Requests without a token (anonymous, or a session in the admin or the browsable API) are not
    concerned: the other permission classes judge them, as they judge token requests that pass here.
    """

    def has_permission(self, request, view) -> bool:
        token = request.auth
        if not isinstance(token, ApiToken):
            return True
        needed = required_scope(request, view)
        if token.allows(needed):
            return True
        self.message = f"This token's scope is {token.scope}; a {request.method} here needs a {needed} token."
        return False


class ScopedTokenScheme(OpenApiAuthenticationExtension):
    """The security scheme of ScopedTokenAuthentication in the OpenAPI schema."""

    target_class = ScopedTokenAuthentication
    name = "tokenAuth"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": (
                'An API token, sent as "Token <secret>". Its scope limits it: read tokens may only '
                "GET, HEAD and OPTIONS; write tokens also create, change and delete records as the "
                "user's role allows; admin tokens also issue and revoke the user's tokens (/api/tokens/)."
            ),
        }
