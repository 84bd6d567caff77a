"""Security incidents in the portal: who reads and writes them, the declaration and the reports through the forms
(with the refusals a person reads next to the field), the timeline, the documents, and the list's queries."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from registry.certificates.choices import IncidentStage
from registry.certificates.models import Incident
from tests import factories as f

pytestmark = pytest.mark.django_db

ROLES = ["anonymous", "viewer", "editor", "owner", "other_owner", "reviewer", "decision_maker", "administrator"]
LOGIN = "login"
NOBODY_ELSE = [404, 404, 404, 404]  # another provider's owner and the agency's three groups: not their pages

# name -> (method, answer per role in ROLES order)
MATRIX = {
    "incidents": ("get", [LOGIN, 200, 200, 200, *NOBODY_ELSE]),
    "incident-new": ("get", [LOGIN, 403, 200, 200, *NOBODY_ELSE]),
    "incident-new (POST)": ("post", [LOGIN, 403, 302, 302, *NOBODY_ELSE]),
    "incident": ("get", [LOGIN, 200, 200, 200, *NOBODY_ELSE]),
    "incident (POST)": ("post", [LOGIN, 403, 302, 302, *NOBODY_ELSE]),
}


def local(moment) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%dT%H:%M")


def ago(**kw):
    return timezone.now() - datetime.timedelta(**kw)


@pytest.fixture
def certificate(service):
    return f.certificate(service)


@pytest.fixture
def incident(certificate, owner):
    return f.incident(certificate, owner)


@pytest.fixture
def people(portal_people, decision_maker, administrator):
    return portal_people | {"decision_maker": decision_maker, "administrator": administrator}


def declaration(certificate, **fields) -> dict:
    return {
        "certificate": certificate.pk,
        "title": "Data exfiltration attempt",
        "detected_at": local(ago(hours=1)),
        "started_at": local(ago(hours=3)),
        "impact": "Object storage API slowed for two hours.",
        "body": "Blocked at the edge; logs under analysis.",
    } | fields


def report(**fields) -> dict:
    return {"stage": "ongoing", "impact": "Object storage API slowed.", "body": "Root cause identified."} | fields


def url_of(name, provider, incident):
    if name.startswith("incident-new"):
        return reverse("portal:incident-new", args=[provider.slug])
    if name.startswith("incident "):
        return reverse("portal:incident", args=[provider.slug, incident.reference])
    if name == "incident":
        return reverse("portal:incident", args=[provider.slug, incident.reference])
    return reverse("portal:incidents", args=[provider.slug])


@pytest.mark.parametrize("name", MATRIX)
@pytest.mark.parametrize("role", ROLES)
def test_permission_matrix(client, people, provider, certificate, incident, name, role):
    method, answers = MATRIX[name]
    if people[role]:
        f.login_with_mfa(client, people[role])
    data = declaration(certificate) if name.startswith("incident-new") else report()
    response = getattr(client, method)(url_of(name, provider, incident), data if method == "post" else None)
    expected = answers[ROLES.index(role)]
    if expected == LOGIN:
        assert response.status_code == 302 and response["Location"].startswith(reverse("account_login"))
    else:
        assert response.status_code == expected, response.content[:300]
    if expected != 302 and method == "post":
        assert Incident.objects.count() == 1 and incident.updates.count() == 1


def test_another_providers_incident_is_not_found_under_ones_own_organisation(
    client, incident, other_provider, other_owner
):
    f.login_with_mfa(client, other_owner)
    url = reverse("portal:incident", args=[other_provider.slug, incident.reference])
    assert client.get(url).status_code == 404
    assert client.post(url, report()).status_code == 404


def test_an_editor_declares_an_incident_and_reads_its_timeline(client, editor, provider, certificate):
    f.login_with_mfa(client, editor)
    page = client.get(reverse("portal:incident-new", args=[provider.slug]))
    assert f"Nuage Compute – {certificate.number}" in page.text
    response = client.post(
        reverse("portal:incident-new", args=[provider.slug]),
        declaration(certificate, sovereignty_affected="on", document_title="SOC alert", document=f.pdf()),
    )
    incident = Incident.objects.get()
    assert response["Location"] == reverse("portal:incident", args=[provider.slug, incident.reference])
    assert incident.sovereignty_affected and not incident.customer_data_affected
    assert incident.documents.get().title == "SOC alert"
    page = client.get(response["Location"])
    assert "Data exfiltration attempt" in page.text
    assert "Blocked at the edge; logs under analysis." in page.text
    assert "SOC alert" in page.text
    listing = client.get(reverse("portal:incidents", args=[provider.slug]))
    assert incident.reference in listing.text


def test_updates_and_the_final_report_appear_in_order_and_close_the_form(client, owner, provider, incident):
    f.login_with_mfa(client, owner)
    url = reverse("portal:incident", args=[provider.slug, incident.reference])
    assert client.post(url, report(body="First update.")).status_code == 302
    final = report(stage="final", body="All clear.", ended_at=local(ago(minutes=5)), customer_data_affected="on")
    assert client.post(url, final).status_code == 302
    incident.refresh_from_db()
    assert incident.stage == IncidentStage.FINAL and incident.customer_data_affected
    page = client.get(url).text
    assert page.index("Alerts from the SOC") < page.index("First update.") < page.index("All clear.")
    assert "This incident is closed" in page and "File the report" not in page
    # A report posted after the final one (an old tab) is refused with the reason, and nothing is added.
    response = client.post(url, report(body="Late."), follow=True)
    assert "nothing is reported after it" in response.text
    assert incident.updates.count() == 3


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"stage": "final"}, "ended_at", "A final report gives the time the incident ended."),
        ({"ended_at": "past"}, "ended_at", "The end time goes with the final report"),
        ({"stage": "final", "ended_at": "before start"}, "ended_at", "The end cannot be before the start"),
        ({"stage": "final", "ended_at": "tomorrow"}, "ended_at", "This time is in the future."),
        ({"stage": "initial"}, "stage", "Select a valid choice."),
        ({"body": ""}, "body", "This field is required."),
        ({"document_title": "Notes"}, "document", "Please choose the file"),
    ],
)
def test_a_wrong_report_is_refused_next_to_its_field(client, owner, provider, incident, fields, field, message):
    moments = {
        "past": local(ago(minutes=1)),
        "before start": local(incident.started_at - datetime.timedelta(hours=1)),
        "tomorrow": local(timezone.now() + datetime.timedelta(days=1)),
    }
    data = report(**{k: moments.get(v, v) for k, v in fields.items()})
    f.login_with_mfa(client, owner)
    response = client.post(reverse("portal:incident", args=[provider.slug, incident.reference]), data)
    assert response.status_code == 200
    assert message in " ".join(response.context["form"].errors[field])
    assert incident.updates.count() == 1


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"started_at": "after detection"}, "started_at", "cannot start after it was detected"),
        ({"detected_at": "tomorrow"}, "detected_at", "This time is in the future."),
        ({"title": "Two\nlines"}, "title", ""),
        ({"detected_at": "not a time"}, "detected_at", "Enter a valid date/time."),
        ({"document": "text file", "document_title": "Notes"}, "document", "not accepted"),
    ],
)
def test_a_wrong_declaration_is_refused_next_to_its_field(client, owner, provider, certificate, fields, field, message):
    from django.core.files.uploadedfile import SimpleUploadedFile

    values = {
        "after detection": local(ago(minutes=1)),
        "tomorrow": local(timezone.now() + datetime.timedelta(days=1)),
        "text file": SimpleUploadedFile("notes.txt", b"plain text", content_type="text/plain"),
    }
    f.login_with_mfa(client, owner)
    data = declaration(certificate, **{k: values.get(v, v) for k, v in fields.items()})
    response = client.post(reverse("portal:incident-new", args=[provider.slug]), data)
    assert response.status_code == 200
    assert message in " ".join(response.context["form"].errors[field])
    assert not Incident.objects.exists()


def test_only_certified_services_can_be_chosen(client, owner, provider, certificate):
    uncertified = f.service(provider, name="Nuage Storage", slug="nuage-storage")
    withdrawn = f.certificate(f.service(provider, name="Nuage Old", slug="nuage-old"), status="withdrawn")
    other = f.certificate(f.service(f.provider()))
    f.login_with_mfa(client, owner)
    page = client.get(reverse("portal:incident-new", args=[provider.slug])).text
    assert certificate.number in page
    assert uncertified.name not in page and withdrawn.number not in page and other.number not in page
    response = client.post(reverse("portal:incident-new", args=[provider.slug]), declaration(other))
    assert "certificate" in response.context["form"].errors
    assert not Incident.objects.exists()


def test_without_a_certified_service_the_page_says_so(client, owner, provider):
    f.login_with_mfa(client, owner)
    page = client.get(reverse("portal:incident-new", args=[provider.slug])).text
    assert "None of your services holds an active or suspended certificate" in page


def test_a_viewer_reads_without_the_forms(client, viewer, provider, incident):
    f.login_with_mfa(client, viewer)
    listing = client.get(reverse("portal:incidents", args=[provider.slug])).text
    assert incident.reference in listing and "Declare an incident" not in listing
    page = client.get(reverse("portal:incident", args=[provider.slug, incident.reference])).text
    assert incident.title in page and "File the report" not in page


def test_open_incidents_come_first_in_the_list(client, owner, provider, certificate):
    closed = f.incident(certificate, owner, title="Closed one")
    from registry.certificates.incidents import incident_report

    incident_report(incident=closed, by=owner, stage="final", body="Done.", ended_at=ago(minutes=1))
    opened = f.incident(certificate, owner, title="Still open")
    incident_report(incident=opened, by=owner, stage="ongoing", body="Going on.")
    f.login_with_mfa(client, owner)
    page = client.get(reverse("portal:incidents", args=[provider.slug])).text
    assert page.index("Still open") < page.index("Closed one")


def list_queries(client, url) -> int:
    assert client.get(url).status_code == 200
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def test_the_list_costs_the_same_queries_with_2_and_12_incidents(client, owner, provider, certificate):
    url = reverse("portal:incidents", args=[provider.slug])
    for _ in range(2):
        f.incident(certificate, owner)
    f.login_with_mfa(client, owner)
    small = list_queries(client, url)
    # session, user, the provider by membership, the member's role and groups (actor), the incidents with their
    # service and certificate, and the session's own bookkeeping (allauth's user session).
    assert small <= 9
    for _ in range(10):
        f.incident(certificate, owner)
    assert list_queries(client, url) == small


def test_the_incident_page_costs_the_same_queries_with_more_reports_and_documents(client, owner, provider, certificate):
    from registry.certificates.incidents import incident_report

    incident = f.incident(certificate, owner)
    url = reverse("portal:incident", args=[provider.slug, incident.reference])
    f.login_with_mfa(client, owner)
    small = list_queries(client, url)
    for i in range(5):
        incident_report(
            incident=incident, by=owner, stage="ongoing", body=f"Update {i}.", documents=[(f"Doc {i}", f.pdf())]
        )
    assert list_queries(client, url) == small
