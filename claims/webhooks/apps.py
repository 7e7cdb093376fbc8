from django.apps import AppConfig


class WebhooksConfig(AppConfig):
    """Webhooks (claims.webhooks): subscriptions, the outbox of deliveries, and the worker's task."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "claims.webhooks"
    label = "webhooks"
    verbose_name = "Webhooks"

    def ready(self):
        from django.db.models.signals import post_migrate

        from claims.roles import ensure_role_groups

        # The role groups get this app's permissions too, which exist only once its own migrate is done.
        post_migrate.connect(ensure_role_groups, sender=self)
        from claims.events.signals import change_recorded
        from claims.webhooks.services import on_change_recorded

        change_recorded.connect(on_change_recorded, dispatch_uid="webhooks-outbox")
