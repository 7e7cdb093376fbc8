"""Request rates per client, counted atomically in the shared cache.

DRF's throttles keep each client's request times as one list in the cache, read and written
back by each request: two servers answering the same client at once each write their own
list, and one request goes uncounted. With several app servers, that is how a password
guesser gets past the login rate. Here each request is one atomic increment (Redis INCR) of a
counter for the current window, and the rate is held over a sliding window: the previous
window's count, weighted by how much of it still lies within the last `duration` seconds, is
added to the current one's.

The rates are read from settings.FACTCHECK_THROTTLE_RATES at each request (DRF reads them
once, at import), so a deployment or a test can change them without a restart.
"""

import math

from django.conf import settings
from rest_framework.throttling import AnonRateThrottle, ScopedRateThrottle, SimpleRateThrottle, UserRateThrottle


class SlidingWindowThrottle(SimpleRateThrottle):
    """Counts with the cache's atomic increment (see the module); refused requests are not counted."""

    def get_rate(self):
        return settings.FACTCHECK_THROTTLE_RATES.get(self.scope)

    def allow_request(self, request, view):
        if self.rate is None:
            return True
        self.key = self.get_cache_key(request, view)
        if self.key is None:
            return True
        now = self.timer()
        window, elapsed = divmod(now, self.duration)
        current = f"{self.key}:{int(window)}"
        # Kept for two windows: the next window weighs this one.
        self.cache.add(current, 0, 2 * self.duration)
        try:
            count = self.cache.incr(current)
        except ValueError:  # expired between add() and incr(): a window ago, so start it again
            self.cache.set(current, 1, 2 * self.duration)
            count = 1
        earlier = self.cache.get(f"{self.key}:{int(window) - 1}", 0)
        if count + earlier * (1 - elapsed / self.duration) <= self.num_requests:
            return True
        self.cache.decr(current)
        self.wait_seconds = self._wait(count - 1, earlier, elapsed)
        return False

    def _wait(self, counted: int, earlier: int, elapsed: float) -> float:
        """Seconds until one more request fits, if the client sends none meanwhile."""
        rate, duration = self.num_requests, self.duration
        if counted >= rate:
            # This window is full: wait for it to end, then for its weight to fall enough.
            wait = duration - elapsed + duration * (1 - (rate - 1) / counted)
        else:
            wait = duration * (1 - (rate - 1 - counted) / earlier) - elapsed
        return min(max(wait, 1), duration)

    def wait(self):
        return math.ceil(self.wait_seconds)


class AnonThrottle(AnonRateThrottle, SlidingWindowThrottle):
    """Anonymous clients, by IP address."""


class UserThrottle(UserRateThrottle, SlidingWindowThrottle):
    """Authenticated clients, by account."""


class LoginThrottle(ScopedRateThrottle, SlidingWindowThrottle):
    """Token requests (password guesses), per client, under the `login` rate."""
