"""Issuing, using and revoking API tokens."""

import datetime

from django.conf import settings
from django.db.models import Q
from django.utils import timezone
from knox.models import get_digest_token
from knox.settings import CONSTANTS

from claims.tokens.models import ApiToken

# A token's last use is written at most this often. Writing it on every request would turn every
# read into a write on the primary database, and make concurrent requests with one token queue on
# its row lock; "used a minute ago" is all that the owner deciding whether to revoke it needs.
LAST_USED_PRECISION = datetime.timedelta(minutes=1)


def token_prepare(token: ApiToken, *, expires_in_days: int | None = None) -> str:
    """Give an unsaved token a new secret's digest and its expiry; return the secret, which is not
    kept anywhere: whoever shows it to the owner shows it once."""
    digest, secret = get_digest_token()
    token.digest = digest
    token.token_key = secret[: CONSTANTS.TOKEN_KEY_LENGTH]
    token.expiry = timezone.now() + datetime.timedelta(days=expires_in_days or settings.TOKEN_EXPIRY_DAYS)
    return secret


def token_issue(*, user, name: str, scope: str, expires_in_days: int | None = None) -> tuple[ApiToken, str]:
    """A new token for `user`, and its secret (shown once, never stored)."""
    token = ApiToken(user=user, name=name, scope=scope)
    secret = token_prepare(token, expires_in_days=expires_in_days)
    token.save()
    return token, secret


def token_mark_used(token: ApiToken) -> None:
    """Record that `token` authenticated a request, unless that was recorded less than a minute ago."""
    now = timezone.now()
    if token.last_used is not None and now - token.last_used < LAST_USED_PRECISION:
        return
    # Conditional in SQL too: of several requests racing here, one writes.
    stale = Q(last_used__isnull=True) | Q(last_used__lt=now - LAST_USED_PRECISION)
    ApiToken.objects.filter(stale, pk=token.pk).update(last_used=now)
    token.last_used = now


def token_revoke(*, token: ApiToken) -> None:
    """Revoke `token`: it stops working at once (its row is deleted)."""
    token.delete()
