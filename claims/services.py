"""Writes that carry a rule beyond one form or serializer."""

from collections.abc import Iterable

from django.core.exceptions import PermissionDenied
from django.db import transaction

from claims.models import Claim, ClaimStatus

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
