"""Request rates per client, read from settings.FACTCHECK_THROTTLE_RATES when each request comes.

DRF's throttles read their rates once, at import; reading them per request lets
a deployment (or a test) change them without a restart of the class.
"""

from django.conf import settings
from rest_framework.throttling import AnonRateThrottle, ScopedRateThrottle, UserRateThrottle


class SettingsRateMixin:
    def get_rate(self):
        return settings.FACTCHECK_THROTTLE_RATES.get(self.scope)


class AnonThrottle(SettingsRateMixin, AnonRateThrottle):
    """Anonymous clients, by IP address."""


class UserThrottle(SettingsRateMixin, UserRateThrottle):
    """Authenticated clients, by account."""


class LoginThrottle(SettingsRateMixin, ScopedRateThrottle):
    """Token requests (password guesses), per client, under the `login` rate."""
