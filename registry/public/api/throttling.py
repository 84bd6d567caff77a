from rest_framework.settings import api_settings
from rest_framework.throttling import AnonRateThrottle

from registry.core.client_address import client_ip, limit_key


class AnonymousRateThrottle(AnonRateThrottle):
    """AnonRateThrottle that reads its rate from the settings on each request, and counts per client address as every
    other limit does.

    DRF's own copies DEFAULT_THROTTLE_RATES into a class attribute once, at import: a rate changed later (a test's
    settings, a settings reload) would go unnoticed. Its address, with NUM_PROXIES unset, is the whole X-Forwarded-For
    a client wrote (a new value, a new allowance); here it is registry/core/client_address.py's, TRUSTED_PROXY_COUNT.
    """

    def get_rate(self):
        self.THROTTLE_RATES = api_settings.DEFAULT_THROTTLE_RATES
        return super().get_rate()

    def get_ident(self, request):
        ip = client_ip(request)
        return limit_key(ip) if ip else ""
