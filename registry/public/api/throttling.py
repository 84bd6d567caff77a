from rest_framework.settings import api_settings
from rest_framework.throttling import AnonRateThrottle


class AnonymousRateThrottle(AnonRateThrottle):
    """AnonRateThrottle that reads its rate from the settings on each request.

    DRF's own copies DEFAULT_THROTTLE_RATES into a class attribute once, at import: a rate changed later (a test's
    settings, a settings reload) would go unnoticed.
    """

    def get_rate(self):
        self.THROTTLE_RATES = api_settings.DEFAULT_THROTTLE_RATES
        return super().get_rate()
