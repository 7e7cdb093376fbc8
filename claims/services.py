"""Writes that carry a rule beyond one form or serializer."""

from collections.abc import Iterable

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from claims import anchoring
from claims.models import Article, Claim, ClaimStatus

# Statuses that state a verdict: only senior editors set them, or move a claim away from them.
FINAL_STATUSES = {ClaimStatus.CONFIRMED, ClaimStatus.REFUTED}
FINAL_STATUS_PERMISSION = "claims.set_final_status"
FINAL_STATUS_MESSAGE = "Only senior editors may set a claim to confirmed or refuted, or change it from those."


def claim_status_change_allowed(user, old: str | None, new: str) -> bool:
    """Whether `user` may move a claim from status `old` (None for a new claim) to `new`."""
    if old == new or (new not in FINAL_STATUSES and old not in FINAL_STATUSES):
        return True
    return user.has_perm(FINAL_STATUS_PERMISSION)


@transaction.atomic
def claims_set_status(*, claims: Iterable[Claim], status: str, user, reason: str) -> int:
    """Set `status` on every claim, all or none, each change a revision with `reason`.

    Saves one claim at a time (not QuerySet.update) so that each change is
    version-checked and recorded in the history like an edit in the form.
    Returns how many claims changed.
    """
    claims = list(claims)
    if any(not claim_status_change_allowed(user, claim.status, status) for claim in claims):
        raise PermissionDenied(FINAL_STATUS_MESSAGE)
    changed = 0
    for claim in claims:
        if claim.status == status:
            continue
        claim.status = status
        claim._change_reason = reason
        claim.save(update_fields=["status", "updated_at"])
        changed += 1
    return changed


def appearance_anchor(article: Article | None, *, start: int | None, end: int | None, exact: str) -> dict:
    """The anchor fields of an appearance in `article`: by position (`start`, `end`, and `exact`
    if given must be the text there) or by `exact` alone (found in the text); none when all are empty.

    Raises a ValidationError naming the field when the passage cannot be in the article's text: code
    "conflict" when it is the article's text that does not allow it (none, too short, other words: a 409
    in the API), "invalid" when the request itself is wrong (one end without the other, start not before
    end). The API and the admin both anchor through here.
    """
    body = article.body if article is not None else ""

    def refuse(field: str, message: str, code: str = "conflict"):
        raise ValidationError({field: ValidationError(message, code=code)})

    if start is None and end is None and not exact:
        anchor = anchoring.Anchor(None, None)
    elif start is not None or end is not None:
        if start is None or end is None:
            refuse("start" if start is None else "end", "Give both start and end.", "invalid")
        if not start < end:
            refuse("end", "The passage's end must come after its start.", "invalid")
        if not body:
            refuse("start", f"Article #{article.pk if article else '?'} has no text to anchor in.")
        if end > len(body):
            refuse("end", f"The passage must lie within the article's text (0 to {len(body)}).")
        if exact and exact != body[start:end]:
            refuse("exact", "This is not the text between start and end.")
        anchor = anchoring.describe(body, start, end)
    else:
        if not body:
            refuse("exact", f"Article #{article.pk if article else '?'} has no text to anchor in.")
        found = anchoring.locate_quote(body, exact)
        if found is None:
            refuse("exact", f"Not found in article #{article.pk}'s text.")
        anchor = anchoring.describe(body, found, found + len(exact))
    return anchor.as_fields()
