from django.apps import AppConfig


class TokensConfig(AppConfig):
    """API tokens (claims.tokens): the model, its admin, and the authentication that reads it."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "claims.tokens"
    label = "tokens"
    verbose_name = "API tokens"
