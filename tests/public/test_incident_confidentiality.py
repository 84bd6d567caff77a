"""An incident is confidential: the provider's members and the agency read it, nobody else. A unique marker is written
in every text an incident and its suspension proposal hold (title, impact, each report, a document's title and file
name, the proposal's reason and its dismissal); then every public URL (each named URL of the registry's and the API's
namespaces, walked so that a new one is covered), the signed snapshot, the exports, the feed, the badge, /verify/ and
the API are read, and none of them carries the marker nor the incident's reference. Another provider's members get
404 on it, and no subscriber is e-mailed."""

import datetime

import pytest
from django.core import mail
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from registry.certificates.incidents import incident_report
from registry.certificates.models import CertificateEvent
from registry.certificates.services import certificate_dismiss_suspension_proposal, certificate_propose_suspension
from registry.notifications.models import OutgoingEmail
from registry.public.models import RegistrySnapshot, Subscription, TrustedListIssue
from registry.public.snapshots import snapshot_issue
from registry.public.trusted_lists import trusted_list_issue
from tests import factories as f
from tests.project.test_url_matrix import named_urls

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("eager_tasks")]

MARKER = "ZQX7-CONFIDENTIAL-INCIDENT"


@pytest.fixture(autouse=True)
def _development_key(settings):
    settings.SNAPSHOT_SIGNING_KEY = ""  # the development key, generated in the test's private storage


def marked(what: str) -> str:
    return f"{what} {MARKER}-{what.upper()}"


@pytest.fixture
def world(django_capture_on_commit_callbacks, provider, owner, editor, service, reviewer, decision_maker):
    certificate = f.certificate(service, conditions="Paris region only.")
    CertificateEvent.objects.create(certificate=certificate, status="active", reason="Qualification granted.")
    subscription = Subscription.objects.create(
        email="follower@x.test", scope=Subscription.Scope.REGISTRY, confirmed_at=timezone.now()
    )
    now = timezone.now()
    with django_capture_on_commit_callbacks(execute=True):
        incidents = [
            f.incident(
                certificate,
                owner,
                title=marked(f"title{i}"),
                impact=marked(f"impact{i}"),
                body=marked(f"initial{i}"),
                customer_data_affected=True,
                sovereignty_affected=True,
                documents=[(marked(f"document{i}"), f.pdf(name=f"{MARKER}-{i}.pdf"))],
            )
            for i in range(2)
        ]
        incident_report(
            incident=incidents[0], by=editor, stage="ongoing", body=marked("update"), impact=marked("impact-bis")
        )
        incident_report(
            incident=incidents[0],
            by=owner,
            stage="final",
            body=marked("final"),
            ended_at=now - datetime.timedelta(minutes=1),
            documents=[(marked("final-document"), f.pdf(name=f"{MARKER}-final.pdf"))],
        )
        certificate_propose_suspension(
            certificate=certificate, by=reviewer, reason=f"{incidents[1].reference}: {marked('proposal')}"
        )
        certificate_dismiss_suspension_proposal(certificate=certificate, by=decision_maker, reason=marked("dismissal"))
        certificate_propose_suspension(
            certificate=certificate, by=reviewer, reason=f"{incidents[1].reference}: {marked('second-proposal')}"
        )
    for document in (d for incident in incidents for d in incident.documents.all()):
        f.checked(document)
    snapshot = snapshot_issue(force=True)
    trusted_list_issue(force=True)
    return {
        "certificate": certificate,
        "service": service,
        "provider": provider,
        "incidents": incidents,
        "subscription": subscription,
        "snapshot": snapshot,
    }


def public_urls(w) -> dict[str, str]:
    """Every named URL of the public registry and the API, with the world's objects for its arguments."""
    certificate, snapshot = w["certificate"], w["snapshot"]
    arguments = {
        "registry:service": [w["service"].slug],
        "registry:provider": [w["provider"].slug],
        "registry:verify-number": [certificate.number],
        "registry:certificate-pdf": [certificate.number],
        "registry:badge": [certificate.number],
        "registry:snapshot-numbered": [snapshot.sequence],
        "registry:snapshot-numbered-signature": [snapshot.sequence],
        "registry:published-key": [snapshot.key_id],
        "registry:subscription-confirm": [w["subscription"].token],
        "registry:subscription-unsubscribe": [w["subscription"].token],
        "api:service-detail": [w["service"].slug],
        "api:provider-detail": [w["provider"].slug],
        "api:certificate-detail": [certificate.number],
        "api:certificate-history": [certificate.number],
    }
    urls = {}
    for name in sorted(set(named_urls())):
        if name.split(":")[0] not in ("registry", "api"):
            continue
        try:
            urls[name] = reverse(name, args=arguments.get(name, []))
        except NoReverseMatch:
            urls[name] = "/api/v1/nothing-here/"  # api:not-found: any unknown address under the API
    # The searches a relying party could try with the words of an incident (not the marker: a search repeats its
    # words on the page, and a match would show the incident's full text with it).
    for name in ("registry:list", "registry:archive", "api:certificate-list", "api:service-list"):
        urls[f"{name}?q"] = reverse(name) + "?q=title0"
    urls["registry:verify?number"] = reverse("registry:verify") + "?number=title0"
    return urls


# Public URLs that answer a POST only (a GET is a 405), with what their form sends.
POST_ONLY = {"registry:subscribe-start": {"scope": "registry", "email": "reader@example.org"}}


def test_no_public_output_carries_an_incident_or_its_proposal(client, world):
    urls = public_urls(world)
    # Every public URL is walked: a new one is in the list without anyone adding it here.
    assert {"registry:snapshot", "registry:export-csv", "registry:export-json", "registry:feed", "registry:badge",
            "registry:verify-number", "api:certificate-detail", "api:certificate-history"} <= set(urls)  # fmt: skip
    secrets = [MARKER, *(incident.reference for incident in world["incidents"])]
    read = 0
    for name, url in urls.items():
        response = client.post(url, POST_ONLY[name]) if name in POST_ONLY else client.get(url)
        assert response.status_code in (200, 302, 404), f"{name}: {response.status_code}"
        body = b"".join(response.streaming_content) if response.streaming else response.content
        text = body.decode("utf-8", errors="replace")
        for secret in secrets:
            assert secret not in text, f"{name} ({url}) shows {secret}"
        read += response.status_code == 200
    assert read >= 30  # the walk really read the registry: nearly every URL answered with content
    # The signed snapshot as stored, every one issued, not only the latest's bytes served.
    for snapshot in RegistrySnapshot.objects.all():
        assert MARKER not in snapshot.body
        assert world["certificate"].number in snapshot.body
    # And every trusted list issued.
    for issue in TrustedListIssue.objects.all():
        assert MARKER not in issue.document
        assert world["certificate"].number in issue.document


def test_the_public_pages_still_show_the_certificate(client, world):
    """The walk above is meaningful: the pages it read carry the certificate the incidents are on."""
    assert world["certificate"].number in client.get(reverse("registry:service", args=[world["service"].slug])).text
    export = client.get(reverse("registry:export-csv"))
    assert world["certificate"].number in b"".join(export.streaming_content).decode()


def test_no_subscriber_hears_of_an_incident(world):
    assert not OutgoingEmail.objects.filter(recipient=world["subscription"].email).exists()
    assert not [m for m in mail.outbox if world["subscription"].email in m.to]


def test_another_providers_members_get_404_on_the_incident_and_its_documents(
    client, world, other_provider, other_owner
):
    incident = world["incidents"][0]
    f.login_with_mfa(client, other_owner)
    for slug in (world["provider"].slug, other_provider.slug):
        assert client.get(reverse("portal:incident", args=[slug, incident.reference])).status_code == 404
        assert client.get(reverse("portal:incidents", args=[slug])).status_code in (200, 404)
        assert MARKER not in client.get(reverse("portal:incidents", args=[slug])).text
    for document in incident.documents.all():
        assert client.get(reverse("portal:document-download", args=[document.pk])).status_code == 404


def test_the_provider_and_the_agency_do_read_it(client, world, viewer, reviewer):
    incident = world["incidents"][0]
    f.login_with_mfa(client, viewer)
    assert (
        marked("final")
        in client.get(reverse("portal:incident", args=[world["provider"].slug, incident.reference])).text
    )
    client.logout()
    f.login_with_mfa(client, reviewer)
    assert marked("final") in client.get(reverse("admin:registry_incident_change", args=[incident.pk])).text
