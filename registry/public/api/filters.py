"""The API's filters: the registry page's, except that a well-formed value nothing matches answers an empty list."""

import django_filters
from django.core.validators import RegexValidator
from django.utils.translation import gettext_lazy as _

from registry.public.filters import RegistryFilter

COUNTRY_CODE = "^[A-Z]{2}$"


class ApiRegistryFilter(RegistryFilter):
    """RegistryFilter, except that a provider, scheme or country no live certificate has matches no row (rather than
    answering 400); a malformed value (a country that is not two capital letters, a NUL) is still a 400.

    The page offers those three as lists to choose from, so an unknown value there is a forged URL. For a client of the
    API it is a question with an empty answer: a provider whose last certificate was withdrawn must not turn a poll
    that answered 200 yesterday into a 400 today, and the schema cannot list every slug that would be accepted.
    """

    provider = django_filters.CharFilter(field_name="provider_slug")
    scheme = django_filters.CharFilter(field_name="scheme__code")
    country = django_filters.CharFilter(
        method="stored_in",
        validators=[RegexValidator(COUNTRY_CODE, _("Enter an ISO 3166-1 alpha-2 code in capitals, e.g. FR."))],
    )
