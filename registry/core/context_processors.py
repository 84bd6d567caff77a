from django.conf import settings
from django.utils.translation import gettext


def agency(request):
    """The name of the agency that runs the registry, shown in every page's header: AGENCY_NAME when the deployment
    sets it (a proper name, the same in every language), otherwise a description in the reader's language."""
    return {
        "AGENCY_NAME": settings.AGENCY_NAME or gettext("Certification agency for trusted cloud services"),
        # Whom to write to, on every page that tells people to contact the agency.
        "AGENCY_CONTACT_EMAIL": settings.AGENCY_CONTACT_EMAIL,
    }
