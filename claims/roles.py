"""The editorial roles, as Django groups.

Migration 0002 creates the editors group; this receiver creates both groups
if missing and keeps them whole after every `migrate` (and after a test
database flush), adding any permission a role lacks, including those of models
added later. Permissions an administrator added by hand are left alone.
"""

MODELS = ["source", "article", "topic", "claim", "claimtopic", "claimlink", "review", "appearance"]
# Webhook subscriptions send the record out of the building: senior editors decide that, for their own
# subscriptions (claims.webhooks; an admin manages everyone's).
WEBHOOK_PERMISSIONS = [f"webhooks.{action}_subscription" for action in ("view", "add", "change", "delete")]

ROLES = {
    # Add and change everything; taking a topic off a claim deletes a ClaimTopic row but is an edit.
    "editors": [f"{action}_{model}" for model in MODELS for action in ("view", "add", "change")]
    + ["delete_claimtopic"],
    # Everything editors do, plus deleting and setting or lifting the verdict statuses.
    "senior editors": [f"{action}_{model}" for model in MODELS for action in ("view", "add", "change", "delete")]
    + ["set_final_status"]
    + WEBHOOK_PERMISSIONS,
}


def ensure_role_groups(**kwargs) -> None:
    """post_migrate receiver: create the role groups and give them their permissions."""
    from django.contrib.auth.models import Group, Permission

    for name, codenames in ROLES.items():
        group, _ = Group.objects.get_or_create(name=name)
        # "app.codename" names another app's permission; a bare codename is the claims app's.
        by_app: dict[str, list[str]] = {}
        for entry in codenames:
            app_label, _, codename = entry.rpartition(".")
            by_app.setdefault(app_label or "claims", []).append(codename)
        for app_label, names in by_app.items():
            group.permissions.add(*Permission.objects.filter(content_type__app_label=app_label, codename__in=names))
