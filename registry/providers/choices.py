"""The service models a cloud offering is qualified under."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class ServiceModel(models.TextChoices):
    IAAS = "iaas", _("IaaS – infrastructure")
    CAAS = "caas", _("CaaS – containers")
    PAAS = "paas", _("PaaS – platform")
    SAAS = "saas", _("SaaS – software")
