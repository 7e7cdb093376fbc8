from django.apps import AppConfig


class ClaimsConfig(AppConfig):
    """The claims app: the record of sourced claims and the API and admin over it."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "claims"
    verbose_name = "Claims"

    def ready(self):
        from django.contrib.auth import get_user_model
        from django.db.models.signals import post_migrate, pre_delete

        # Registers the OpenAPI description of our custom serializer fields.
        from claims import checks  # noqa: F401
        from claims.api import schema  # noqa: F401
        from claims.history import protect_history_authors
        from claims.names import install_name_triggers
        from claims.roles import ensure_role_groups

        post_migrate.connect(ensure_role_groups, sender=self)
        post_migrate.connect(install_name_triggers, sender=self)
        pre_delete.connect(protect_history_authors, sender=get_user_model())
