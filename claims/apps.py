from django.apps import AppConfig


class ClaimsConfig(AppConfig):
    """The claims app: the record of sourced claims and the API and admin over it."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "claims"
    verbose_name = "Claims"

    def ready(self):
        # Registers the OpenAPI description of our custom serializer fields.
        from claims.api import schema  # noqa: F401
