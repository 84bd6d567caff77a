"""The Atom feed of certificate status changes and accepted changes, newest first, from the public history
(CertificateEvent, and the certified record's versions an accepted change notice made).

Each entry links to the service's public page and carries the published reason (or the change's public summary); the
actor and anything else of a change notice are never shown.
"""

import re

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed
from django.utils.html import escape
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from registry.certificates import rules
from registry.certificates.choices import CertificateStatus
from registry.certificates.selectors import event_change
from registry.core.bilingual import Text, text_in
from registry.public.history import AcceptedChange, latest_history
from registry.public.identifiers import certificate_urn, service_urn
from registry.public.rules import CHANGE

FEED_LENGTH = 100

# What an entry says happened, in the words of registry.certificates.rules.change_of().
CHANGES = {
    rules.QUALIFIED: pgettext_lazy("feed entry", "qualified"),
    rules.REINSTATED: pgettext_lazy("feed entry", "reinstated"),
    CertificateStatus.SUSPENDED: pgettext_lazy("feed entry", "suspended"),
    CertificateStatus.WITHDRAWN: pgettext_lazy("feed entry", "withdrawn"),
    CertificateStatus.EXPIRED: pgettext_lazy("feed entry", "expired"),
    # Superseded tells a relying party following a certificate that a renewal replaced it (the reason names it).
    CertificateStatus.SUPERSEDED: pgettext_lazy("feed entry", "superseded"),
}

# XML 1.0 cannot carry these; a reason pasted from elsewhere might.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def _clean(text: str) -> str:
    return _CONTROL.sub("", text)


class StatusChangesFeed(Feed):
    feed_type = Atom1Feed
    title = gettext_lazy("Trusted Cloud Registry: certificate status changes")
    subtitle = gettext_lazy(
        "Qualifications, suspensions, reinstatements, withdrawals and expiries, and the changes to certified services "
        "the agency accepted, newest first."
    )
    author_name = gettext_lazy("Trusted Cloud Registry")

    def link(self):
        return reverse("registry:list")

    def feed_url(self):
        return reverse("registry:feed")

    def items(self):
        return latest_history(FEED_LENGTH)

    def item_title(self, event):
        # Atom titles are plain text (the XML writer escapes them): no HTML escaping here, unlike RSS.
        certificate = event.certificate
        names = {
            "service": certificate.service.name,
            "provider": certificate.service.provider.legal_name,
            "number": certificate.number,
        }
        if isinstance(event, AcceptedChange):
            return _clean(
                _("%(service)s (%(provider)s): certificate %(number)s, change accepted: %(kind)s")
                % (names | {"kind": event.change.kind_label})
            )
        return _clean(
            _("%(service)s (%(provider)s): certificate %(number)s %(change)s")
            % (names | {"change": CHANGES[event_change(event)]})
        )

    def item_description(self, event):
        # Atom's summary is sent as type="html": the reason, written by the agency, is escaped so it stays text.
        # In the feed's language (the page's, get_language()): the other language's text, standing in, is marked.
        certificate = event.certificate
        if isinstance(event, AcceptedChange):
            text = text_in(event.change, "summary") or Text(_("No public summary given."), "", False)
        else:
            text = event.reason_text or Text(_("No reason given."), "", False)
        return _clean(
            "<p{}>{}</p><p>{}</p>".format(
                f' lang="{text.lang}"' if text.fallback else "",
                escape(text.text),
                escape(
                    _("Certificate %(number)s, %(scheme)s, issued %(issued)s, expires %(expires)s.")
                    % {
                        "number": certificate.number,
                        "scheme": certificate.scheme,
                        "issued": certificate.issued_on.isoformat(),
                        "expires": certificate.expires_on.isoformat(),
                    }
                ),
            )
        )

    def item_link(self, event):
        return reverse("registry:service", args=[event.certificate.service.slug])

    def item_guid(self, event):
        # Permanent and unique per event, whatever becomes of the service's slug.
        if isinstance(event, AcceptedChange):
            return f"{settings.SITE_URL}{reverse('registry:feed')}#change-{event.change.pk}"
        return f"{settings.SITE_URL}{reverse('registry:feed')}#event-{event.pk}"

    item_guid_is_permalink = False

    def item_pubdate(self, event):
        return event.change.adopted_at if isinstance(event, AcceptedChange) else event.created_at

    def item_updateddate(self, event):
        return self.item_pubdate(event)

    def item_categories(self, event):
        # A change entry: "change" and its kind (e.g. location), so a reader can follow one kind of change. Then the
        # certificate's and the service's stable identifiers (registry.public.identifiers), so that a program can
        # follow one certificate or one service by what never changes.
        certificate = event.certificate
        urns = [certificate_urn(certificate.number), service_urn(certificate.service.slug)]
        if isinstance(event, AcceptedChange):
            return [CHANGE, event.change.kind, *urns]
        return [event_change(event), *urns]


status_feed = StatusChangesFeed()
