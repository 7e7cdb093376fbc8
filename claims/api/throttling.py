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

import contextlib
import hashlib
import logging
import math
import unicodedata
from collections.abc import Mapping

from django.conf import settings
from rest_framework.throttling import AnonRateThrottle, ScopedRateThrottle, SimpleRateThrottle, UserRateThrottle

log = logging.getLogger("factcheck.cache")


class SlidingWindowThrottle(SimpleRateThrottle):
    """Counts with the cache's atomic increment (see the module).

    A request this throttle refuses is not counted by it (other throttles on the view count it).
    """

    def get_rate(self):
        return settings.FACTCHECK_THROTTLE_RATES.get(self.scope)

    def allow_request(self, request, view):
        if self.rate is None:
            return True
        self.key = self.get_cache_key(request, view)
        if self.key is None:
            return True
        try:
            return self._allow(self.timer())
        except Exception:
            # The shared cache is down. Refusing everyone would turn its outage into the service's;
            # the requests go through, and the log says that nothing is being counted.
            log.exception("cache unavailable: %s throttle not applied", self.scope)
            return True

    def _allow(self, now: float) -> bool:
        window, elapsed = divmod(now, self.duration)
        current = f"{self.key}:{int(window)}"
        count = self._increment(current)
        earlier = self.cache.get(f"{self.key}:{int(window) - 1}", 0)
        if count + earlier * (1 - elapsed / self.duration) <= self.num_requests:
            return True
        with contextlib.suppress(ValueError):  # evicted meanwhile: nothing left to take back
            self.cache.decr(current)
        self.wait_seconds = self._wait(count - 1, earlier, elapsed)
        return False

    def _increment(self, key: str) -> int:
        # Kept for two windows: the next window weighs this one. add() does nothing if the key exists.
        for _ in range(3):
            self.cache.add(key, 0, 2 * self.duration)
            try:
                return self.cache.incr(key)
            except ValueError:  # expired or evicted between add() and incr(): add it again
                continue
        raise RuntimeError(f"throttle counter {key} vanished three times")

    def _wait(self, counted: int, earlier: int, elapsed: float) -> float:
        """Seconds until one more request fits, if the client sends none meanwhile."""
        rate, duration = self.num_requests, self.duration
        if counted >= rate:
            # This window is full: wait for it to end, then for its weight to fall enough.
            wait = duration - elapsed + duration * (1 - (rate - 1) / counted)
        else:
            # The previous window's weight must fall enough; at the latest this window's end will do.
            wait = min(duration * (1 - (rate - 1 - counted) / earlier) - elapsed, duration - elapsed)
        return max(wait, 1)

    def wait(self):
        return math.ceil(self.wait_seconds)


class AnonThrottle(AnonRateThrottle, SlidingWindowThrottle):
    """Anonymous clients, by IP address."""


class UserThrottle(UserRateThrottle, SlidingWindowThrottle):
    """Authenticated clients, by account."""


class LoginThrottle(ScopedRateThrottle, SlidingWindowThrottle):
    """Token requests and admin logins (password guesses), per client, under the `login` rate."""


def submitted_username(request) -> str | None:
    """The username a login request names (an API request's body, or an admin login form), if any."""
    data = request.data if hasattr(request, "data") else request.POST
    username = data.get("username") if isinstance(data, Mapping) else None
    return username if isinstance(username, str) and username else None


class LoginAccountThrottle(SlidingWindowThrottle):
    """Password guesses at one account, from any number of addresses, under the `login_account` rate.

    Counted by the username as submitted, whether or not there is such an account, so a refusal
    says nothing about which names are accounts; the counter's key is a digest, so login names are
    not kept in the cache. Names that differ only in case or Unicode form share one count: a guesser
    gains nothing by varying them.
    """

    scope = "login_account"

    def get_cache_key(self, request, view):
        username = submitted_username(request)
        if username is None:
            return None  # refused as a missing field; nothing to guess at
        name = unicodedata.normalize("NFKC", username).casefold()
        digest = hashlib.sha256(name.encode("utf-8", "surrogatepass")).hexdigest()
        return self.cache_format % {"scope": self.scope, "ident": digest}
