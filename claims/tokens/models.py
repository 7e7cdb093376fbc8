"""The API token: knox's digest and key prefix, with a name, a scope and the time of last use."""

from django.db import models
from knox.models import AbstractAuthToken
from knox.settings import CONSTANTS


class TokenScope(models.TextChoices):
    """What a token may do, each scope including the ones before it. A scope only narrows: a token
    never does more than its user's role allows."""

    READ = "read", "read: GET, HEAD and OPTIONS only"
    WRITE = "write", "write: also create, change and delete records, as the user's role allows"
    ADMIN = "admin", "admin: also issue and revoke the user's tokens"


SCOPE_ORDER = [TokenScope.READ, TokenScope.WRITE, TokenScope.ADMIN]


class ApiToken(AbstractAuthToken):
    """A user's API token. Only the SHA-512 digest of the secret is stored (`digest`), with the
    secret's first characters (`token_key`) to find the row; the secret itself is shown once, when
    the token is issued (claims.tokens.services.token_issue)."""

    # knox makes the digest the primary key; a plain id keeps it out of URLs, forms and logs.
    id = models.BigAutoField(primary_key=True)
    digest = models.CharField(max_length=CONSTANTS.DIGEST_LENGTH, unique=True)
    name = models.CharField(max_length=100, help_text="What the token is for, to recognise it by.")
    scope = models.CharField(max_length=5, choices=TokenScope.choices)
    # Every token expires: knox allows none, we do not (settings.TOKEN_MAX_EXPIRY_DAYS).
    expiry = models.DateTimeField()
    last_used = models.DateTimeField(
        null=True, blank=True, help_text="To the minute: a token's use is recorded at most once a minute."
    )

    class Meta:
        verbose_name = "API token"
        ordering = ["-created", "-id"]

    def __str__(self) -> str:
        return f"{self.name} ({self.scope}, {self.user})"

    def allows(self, scope: str) -> bool:
        """Whether this token's scope includes `scope`."""
        return SCOPE_ORDER.index(self.scope) >= SCOPE_ORDER.index(scope)
