"""System checks of a deployment (`manage.py check --deploy`)."""

from django.conf import settings
from django.core.checks import Warning, register


@register(deploy=True)
def shared_cache(app_configs, **kwargs):
    """Under gunicorn there are several processes: without a shared cache each counts its own throttles."""
    if settings.CACHES["default"]["BACKEND"].endswith("RedisCache"):
        return []
    return [
        Warning(
            "REDIS_URL is not set: throttle counts are kept per process, so each gunicorn worker and "
            "app server allows a client the full rate again.",
            hint="Set REDIS_URL (docs/deployment.md).",
            id="factcheck.W001",
        )
    ]
