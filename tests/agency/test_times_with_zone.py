"""Every time the workspace shows names its zone: a reviewer in Paris and an auditor reading UTC logs must not guess."""

import re

import pytest
from django.urls import reverse
from django.utils import timezone

from registry.notifications.models import DeliveryFailure
from registry.qualification.models import Dossier
from registry.qualification.services import dossiers as svc
from tests import factories as f

# "3 Dec 2026, 16:59 CET" (or CEST in summer): the time, then the zone's name.
ZONED = r"\d{1,2}:\d{2}\s+CES?T"


def shown(html: str, label: str) -> str:
    """The text of the read-only field labelled `label` on an admin page."""
    match = re.search(rf"<label>{re.escape(label)}:</label>\s*<div class=\"readonly\">(.*?)</div>", html, re.DOTALL)
    assert match, f"no read-only field {label!r}"
    return match.group(1).strip()


@pytest.fixture
def in_review(complete_draft, walk):
    return walk(complete_draft, Dossier.Status.IN_REVIEW)


def test_the_dossier_overview_names_the_zone_of_its_times(client, in_review, reviewer, settings):
    settings.TIME_ZONE = "Europe/Paris"
    f.login_with_mfa(client, reviewer)
    html = client.get(reverse("admin:registry_dossier_change", args=[in_review.pk])).content.decode()
    for label in ("In this status since", "Declaration signed", "Created"):
        assert re.search(ZONED, shown(html, label)), label


def test_the_certificate_page_names_the_zone(client, complete_draft, editor, reviewer, decision_maker, center):
    d = svc.dossier_submit(dossier=complete_draft, by=editor)
    svc.dossier_take(dossier=d, by=reviewer)
    svc.dossier_admit(dossier=d, by=reviewer)
    f.contracted(d, provider_user=editor, reviewer=reviewer, center=center)
    f.evaluated(d, reviewer=reviewer)
    svc.dossier_report(dossier=d, by=reviewer, recommendation="qualify")
    certificate = svc.dossier_qualify(dossier=d, by=decision_maker, scope="Compute")
    f.login_with_mfa(client, decision_maker)
    html = client.get(reverse("admin:registry_certificate_change", args=[certificate.pk])).content.decode()
    assert re.search(ZONED, shown(html, "In this status since"))


def test_the_failed_deliveries_list_names_the_zone(client, administrator):
    DeliveryFailure.objects.create(task="registry.notifications.tasks.send", arguments="[1]", error="SMTP down")
    f.login_with_mfa(client, administrator)
    html = client.get(reverse("admin:registry_deliveryfailure_changelist")).content.decode()
    assert re.search(ZONED, html)
    assert timezone.localtime().tzname() in html
