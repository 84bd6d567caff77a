from rest_framework.settings import api_settings
from rest_framework.throttling import AnonRateThrottle

from registry.core.cache import count_within, seconds_left
from registry.core.client_address import client_ip, limit_key


class AnonymousRateThrottle(AnonRateThrottle):
    """AnonRateThrottle that reads its rate from the settings on each request, counts per client address as every other
    limit does, and counts with one counter per client rather than a list of every request's time.

    DRF's own copies DEFAULT_THROTTLE_RATES into a class attribute once, at import: a rate changed later (a test's
    settings, a settings reload) would go unnoticed. Its address, with NUM_PROXIES unset, is the whole X-Forwarded-For
    a client wrote (a new value, a new allowance); here it is registry/core/client_address.py's, TRUSTED_PROXY_COUNT.

    The count: DRF keeps each client's request times in one cache entry, read, trimmed and written back whole on every
    request (two round trips, and a list as long as the rate: 10,000 times for a partner allowed 10,000 a minute,
    pickled twice a request). Here a counter starts with a client's first request and ends one period later
    (registry.core.cache.count_within: one Redis round trip, whatever the rate); a client is refused once it has made
    the rate's number of requests in its current period, and told to come back when the period ends (Retry-After).
    A client may thus make up to twice the rate across the end of one period and the start of the next, never more.
    """

    # Not DRF's key: a counter is not a list of times (a list left by DRF's throttle would make INCR fail).
    cache_format = "throttle_%(scope)s_count_%(ident)s"

    def get_rate(self):
        self.THROTTLE_RATES = api_settings.DEFAULT_THROTTLE_RATES
        return super().get_rate()

    def get_ident(self, request):
        ip = client_ip(request)
        return limit_key(ip) if ip else ""

    def allow_request(self, request, view):
        if self.rate is None:
            return True
        self.key = self.get_cache_key(request, view)
        if self.key is None:
            return True
        return count_within(self.key, self.duration, using=self.cache) <= self.num_requests

    def wait(self):
        return seconds_left(self.key, self.duration, using=self.cache)
