"""What the public sees of a certificate's life after qualification: when it was last surveilled and when the next audit
is due, and the changes the agency accepted in its public history; and that nothing confidential of that life (an
incident, a condition's text, an audit's findings, a change notice's own account, an internal note) is ever public."""

import csv
import datetime
import io
import json

import feedparser
import pytest
from django.urls import reverse
from django.utils import timezone

from registry.certificates.models import CertificateEvent, Condition, Incident, IncidentUpdate
from registry.public.snapshots import snapshot_issue
from registry.qualification.choices import DocumentKind
from registry.qualification.models import Document
from tests import factories as f
from tests.public.test_public_pages import certified

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()


@pytest.fixture(autouse=True)
def _development_key(settings):
    # The snapshot is signed with the development key, made in this test's private storage.
    settings.SNAPSHOT_SIGNING_KEY = ""


def at(day: datetime.date, hour: int = 12) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))


@pytest.fixture
def surveilled():
    """A certificate issued a year and a half ago: its first audit recorded, its second due in six months."""
    certificate = certified("Nuage Compute", issued_on=TODAY - datetime.timedelta(days=540))
    f.surveillance_audit_row(
        certificate, due_on=TODAY - datetime.timedelta(days=175), performed_on=TODAY - datetime.timedelta(days=180),
        outcome="maintained",
    )  # fmt: skip
    f.surveillance_audit_row(certificate, due_on=TODAY + datetime.timedelta(days=190))
    return certificate


LAST, NEXT = (TODAY - datetime.timedelta(days=180)).isoformat(), (TODAY + datetime.timedelta(days=190)).isoformat()


def export_rows(client, name):
    response = client.get(reverse(name))
    assert response.status_code == 200
    content = b"".join(response.streaming_content).decode("utf-8-sig")
    if name.endswith("csv"):
        return list(csv.DictReader(io.StringIO(content, newline="")))
    return json.loads(content)["rows"]


def snapshot(client) -> dict:
    snapshot_issue(force=True)
    return json.loads(client.get(reverse("registry:snapshot")).content)


# --- Surveillance dates ---


def test_the_service_page_and_the_verification_show_the_last_and_the_next_audit(client, surveilled):
    for url in (
        reverse("registry:service", args=[surveilled.service.slug]),
        reverse("registry:verify-number", args=[surveilled.number]),
    ):
        page = client.get(url).content.decode()

        assert "Last surveillance audit" in page and f'<time datetime="{LAST}">' in page
        assert "Next surveillance audit due" in page and f'<time datetime="{NEXT}">' in page


def test_before_any_audit_the_pages_say_none_yet(client):
    certificate = certified("Nuage Neuf")

    for url in (
        reverse("registry:service", args=[certificate.service.slug]),
        reverse("registry:verify-number", args=[certificate.number]),
    ):
        page = client.get(url).content.decode()
        assert 'Last surveillance audit</dt><dd class="col-sm-8">None yet</dd>' in page
        assert 'Next surveillance audit due</dt><dd class="col-sm-8">None planned</dd>' in page


def test_the_api_and_the_exports_carry_the_dates_as_iso_days(client, surveilled):
    bare = certified("Nuage Neuf")
    expected = {surveilled.number: (LAST, NEXT), bare.number: (None, None)}

    def dates(row):
        return row["last_surveillance_on"], row["next_surveillance_due"]

    api = client.get("/api/v1/certificates/").json()["results"]
    assert {row["certificate"]: dates(row) for row in api} == expected
    assert dates(client.get(f"/api/v1/certificates/{surveilled.number}/").json()) == (LAST, NEXT)
    service = client.get(f"/api/v1/services/{surveilled.service.slug}/").json()
    assert dates(service["certificate"]) == (LAST, NEXT)
    assert [dates(c) for c in service["certificates"]] == [(LAST, NEXT)]
    services = {s["slug"]: s for s in client.get("/api/v1/services/").json()["results"]}
    assert [dates(c) for c in services[bare.service.slug]["certificates"]] == [(None, None)]
    assert {row["certificate"]: dates(row) for row in export_rows(client, "registry:export-json")} == expected
    # The CSV writes no date as an empty cell, and adds its two columns after the others.
    csv_rows = export_rows(client, "registry:export-csv")
    assert {row["certificate"]: dates(row) for row in csv_rows} == {
        surveilled.number: (LAST, NEXT),
        bare.number: ("", ""),
    }
    assert list(csv_rows[0])[-9:-6] == ["url", "last_surveillance_on", "next_surveillance_due"]
    assert list(csv_rows[0])[-6:-3] == ["scope", "scope_fr", "conditions_fr"]  # then the texts in both languages
    assert list(csv_rows[0])[-3:] == ["certificate_urn", "service_urn", "provider_urn"]  # then the identifiers
    assert {row["certificate"]: dates(row) for row in snapshot(client)["registry"]["certificates"]} == expected


def test_the_last_audit_is_the_latest_with_an_outcome_and_the_next_the_earliest_without(client):
    certificate = certified("Nuage Compute", issued_on=TODAY - datetime.timedelta(days=900))
    for days, outcome in ((-720, "maintained"), (-360, "maintained_with_conditions"), (-10, ""), (350, "")):
        f.surveillance_audit_row(certificate, due_on=TODAY + datetime.timedelta(days=days), outcome=outcome)

    row = client.get(f"/api/v1/certificates/{certificate.number}/").json()

    # The audit due ten days ago and not yet recorded is the next one due: overdue, not skipped.
    assert row["last_surveillance_on"] == (TODAY - datetime.timedelta(days=360)).isoformat()
    assert row["next_surveillance_due"] == (TODAY - datetime.timedelta(days=10)).isoformat()


def test_a_certificate_no_longer_live_keeps_its_last_audit_but_has_none_due(client, surveilled, administrator):
    from registry.certificates.services import certificate_withdraw

    certificate_withdraw(certificate=surveilled, by=administrator, reason="The provider gave the label up.")

    row = client.get(f"/api/v1/certificates/{surveilled.number}/").json()
    assert (row["status"], row["last_surveillance_on"], row["next_surveillance_due"]) == ("withdrawn", LAST, None)
    page = client.get(reverse("registry:verify-number", args=[surveilled.number])).content.decode()
    assert f'<time datetime="{LAST}">' in page and f'<time datetime="{NEXT}">' not in page


def test_the_schema_declares_the_dates_as_nullable_days(client):
    schemas = client.get("/api/schema/", {"format": "json"}).json()["components"]["schemas"]

    for component in ("RegistryRow", "CertificateDetail", "HeldCertificate"):
        for field in ("last_surveillance_on", "next_surveillance_due"):
            declared = schemas[component]["properties"][field]
            assert (declared["type"], declared["format"], declared.get("nullable")) == ("string", "date", True)
    event = schemas["CertificateEvent"]["properties"]
    assert event["status"].get("nullable") and event["change"].get("nullable")


# --- Accepted changes in the public history ---


@pytest.fixture
def changed(administrator):
    """Qualified 60 days ago, a location change accepted 40 days ago, suspended 20 days ago, an ownership change
    accepted 10 days ago."""
    from registry.certificates.services import certificate_suspend

    certificate = certified("Nuage Compute", issued_on=timezone.localdate() - datetime.timedelta(days=60))
    now = timezone.now()
    f.accepted_change_record(
        certificate, kind="location", summary="A second storage site, in Lyon.", adopted_at=now - datetime.timedelta(days=40)
    )  # fmt: skip
    certificate_suspend(
        certificate=certificate, by=administrator, reason="Backups not audited.", review_on=f.review_date()
    )
    CertificateEvent.objects.filter(certificate=certificate, status="suspended").update(
        created_at=now - datetime.timedelta(days=20)
    )
    f.accepted_change_record(
        certificate, kind="ownership", summary="A new shareholder, Nuage Holding SA (FR).",
        adopted_at=now - datetime.timedelta(days=10),
    )  # fmt: skip
    return certificate


EXPECTED_HISTORY = [
    ("status", "active", "Qualification granted."),
    ("change", "location", "A second storage site, in Lyon."),
    ("status", "suspended", "Backups not audited."),
    ("change", "ownership", "A new shareholder, Nuage Holding SA (FR)."),
]


def test_the_api_history_merges_the_accepted_changes_in_time_order(client, changed):
    for history in (
        client.get(f"/api/v1/certificates/{changed.number}/history/").json(),
        client.get(f"/api/v1/certificates/{changed.number}/").json()["history"],
    ):
        assert [
            (e["type"], e["status"] or e["change"]["kind"], e["reason"] or (e["change"] or {}).get("summary"))
            for e in history
        ] == EXPECTED_HISTORY
        change = history[1]
        assert (change["status"], change["reason"], change["effective_on"]) == (None, "", None)
        assert change["change"] == {"kind": "location", "summary": "A second storage site, in Lyon.", "summary_fr": ""}
        assert [e["time"] for e in history] == sorted(e["time"] for e in history)


def test_the_snapshot_history_says_the_same_as_the_api(client, changed):
    [entry] = snapshot(client)["registry"]["history"]
    api = client.get(f"/api/v1/certificates/{changed.number}/history/").json()

    assert [(e["type"], e["status"], e["reason"], e["change"]) for e in entry["events"]] == [
        (e["type"], e["status"], e["reason"], e["change"]) for e in api
    ]
    assert [e["at"] for e in entry["events"]] == [
        datetime.datetime.fromisoformat(e["time"]).astimezone(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ") for e in api
    ]


@pytest.mark.parametrize("name", ["registry:service", "registry:verify-number"])
def test_the_pages_show_the_accepted_changes_newest_first_with_their_kind_and_summary(client, changed, name):
    page = client.get(reverse(name, args=[changed.service.slug if name == "registry:service" else changed.number]))
    text = page.content.decode()
    history = text[text.index('<ol class="tcr-timeline">') :]

    positions = [
        history.index(words)
        for words in (
            "A new shareholder, Nuage Holding SA (FR).",
            "Backups not audited.",
            "A second storage site, in Lyon.",
            "Qualification granted.",
        )
    ]
    assert positions == sorted(positions)
    assert history.count("Change accepted") == 2
    assert "Ownership or control (19.6.f)" in history and "Location of data or operations" in history


def test_the_feed_has_an_entry_per_accepted_change(client, changed):
    parsed = feedparser.parse(client.get(reverse("registry:feed")).content)

    # What happened, then the certificate's and the service's stable identifiers.
    assert [tuple(t.term for t in e.tags if not t.term.startswith("urn:")) for e in parsed.entries] == [
        ("change", "ownership"),
        ("suspended",),
        ("change", "location"),
        ("qualified",),
    ]
    for entry in parsed.entries:
        assert [t.term.split(":")[2] for t in entry.tags if t.term.startswith("urn:tcr:")] == ["certificate", "service"]
    newest = parsed.entries[0]
    assert newest.title == (
        f"Nuage Compute (Nuage Compute SAS): certificate {changed.number}, change accepted: Ownership or control (19.6.f)"
    )
    assert "A new shareholder, Nuage Holding SA (FR)." in newest.summary
    assert newest.id.endswith(f"#change-{changed.records.order_by('-version').first().pk}")
    assert newest.link.endswith(reverse("registry:service", args=[changed.service.slug]))


def test_a_change_notice_not_accepted_is_never_in_the_public_history(client, changed):
    from registry.certificates.choices import ChangeStatus

    # Even a version written under a notice that is not accepted (which acceptance alone writes) is not shown.
    f.accepted_change_record(changed, status=ChangeStatus.REFUSED, summary="Moving the backups to Virginia.")

    assert len(client.get(f"/api/v1/certificates/{changed.number}/history/").json()) == len(EXPECTED_HISTORY)
    assert "Virginia" not in client.get(reverse("registry:service", args=[changed.service.slug])).content.decode()


# --- Nothing confidential ---


def public_answers(client, certificate) -> dict[str, str]:
    """Every public face that shows this certificate or its service, as text."""
    snapshot_issue(force=True)
    slug, number, provider = certificate.service.slug, certificate.number, certificate.service.provider.slug
    answers = {}
    for url in (
        reverse("registry:home"),
        reverse("registry:list"),
        reverse("registry:service", args=[slug]),
        reverse("registry:provider", args=[provider]),
        reverse("registry:verify-number", args=[number]),
        reverse("registry:feed"),
        reverse("registry:snapshot"),
        "/api/v1/certificates/?page_size=200",
        f"/api/v1/certificates/{number}/",
        f"/api/v1/certificates/{number}/history/",
        f"/api/v1/services/{slug}/",
        "/api/v1/services/",
        f"/api/v1/providers/{provider}/",
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        answers[url] = response.content.decode()
    for name in ("registry:export-csv", "registry:export-json"):
        answers[name] = b"".join(client.get(reverse(name)).streaming_content).decode("utf-8-sig")
    return answers


def test_nothing_confidential_of_the_life_after_qualification_is_ever_public(client, changed, provider, owner):
    from registry.certificates.choices import ChangeStatus
    from registry.certificates.models import Certificate

    record = changed.records.get(change_notice__kind="ownership")
    notice = record.change_notice
    notice.description, notice.outcome_note = "SECRET-notice-description", "SECRET-notice-outcome"
    notice.proposed = {"provider": {"legal_name": "SECRET-proposed-name"}}
    notice.save()
    Document.objects.create(
        dossier=changed.dossier, kind=DocumentKind.CHANGE_EVIDENCE, title="SECRET-document-title",
        file="documents/evidence.pdf", original_name="SECRET-document-file.pdf", sha256="0" * 64, size=1,
        content_type="application/pdf", uploaded_by=owner, change_notice=notice,
    )  # fmt: skip
    f.accepted_change_record(changed, status=ChangeStatus.FILED, summary="SECRET-filed-summary")
    f.surveillance_audit_row(changed, due_on=TODAY, outcome="maintained_with_conditions", findings="SECRET-findings")
    Condition.objects.create(
        certificate=changed, text="SECRET-condition-text", due_on=TODAY, response="SECRET-condition-answer",
        closing_note="SECRET-condition-note",
    )  # fmt: skip
    incident = Incident.objects.create(
        reference="INC-2026-00001", provider=changed.service.provider, service=changed.service, certificate=changed,
        title="SECRET-incident-title", detected_at=timezone.now(), impact="SECRET-incident-impact",
        customer_data_affected=True, sovereignty_affected=True, stage="final", created_by=owner,
    )  # fmt: skip
    IncidentUpdate.objects.create(incident=incident, stage="final", body="SECRET-incident-report", author=owner)
    CertificateEvent.objects.create(
        certificate=changed, status="active", reason="Backups audited.", internal_note="SECRET-internal-note"
    )
    Certificate.objects.filter(pk=changed.pk).update(suspension_proposal="SECRET-suspension-proposal")

    answers = public_answers(client, changed)

    for url, text in answers.items():
        assert "SECRET-" not in text, (url, text[text.index("SECRET-") - 200 : text.index("SECRET-") + 100])
        assert notice.reference not in text, url
    # What is public of the change is there: its kind and its public summary, where the history is shown.
    for url in (reverse("registry:service", args=[changed.service.slug]), reverse("registry:feed")):
        assert "A new shareholder, Nuage Holding SA (FR)." in answers[url]


def test_a_change_accepted_through_the_workflow_reaches_the_public_history(
    client, django_capture_on_commit_callbacks, eager_tasks
):
    """The whole path, through the change notices' services: filed by the provider, accepted by a reviewer; the public
    history then shows its kind and public summary, and never the provider's account of it."""
    from registry.certificates import changes
    from registry.qualification.workflow import REVIEWERS

    certificate = certified("Alpha Cloud")
    owner = f.member(certificate.service.provider, "owner")
    reviewer = f.user(groups=[REVIEWERS])
    notice = changes.notice_open(provider=certificate.service.provider, service=certificate.service, by=owner)
    sites = [*notice.proposed["sites"], {"role": "storage", "country": "FR", "city": "Lyon", "operations": ""}]
    changes.notice_propose_service(
        notice=notice, by=owner, values=notice.proposed["service"], sites=sites, third_parties=[]
    )
    changes.notice_file(notice=notice, by=owner, kind="location", change_type="adaptive",
                        effective_on=timezone.localdate(), description="SECRET-our-own-account")  # fmt: skip
    changes.notice_take(notice=notice, by=reviewer)
    snapshot_issue(force=True)
    with django_capture_on_commit_callbacks(execute=True):
        changes.notice_accept(notice=notice, by=reviewer, public_summary="A second storage site, in Lyon.")

    [change] = [e for e in client.get(f"/api/v1/certificates/{certificate.number}/history/").json() if e["change"]]
    assert change["change"] == {"kind": "location", "summary": "A second storage site, in Lyon.", "summary_fr": ""}
    page = client.get(reverse("registry:service", args=[certificate.service.slug])).content.decode()
    assert "A second storage site, in Lyon." in page and "SECRET-" not in page
    # The acceptance published: a new snapshot was issued with the change in the certificate's history.
    latest = json.loads(client.get(reverse("registry:snapshot")).content)
    assert latest["sequence"] == 2
    [entry] = latest["registry"]["history"]
    assert [e["change"] for e in entry["events"] if e["type"] == "change"] == [change["change"]]


def test_an_audit_outcome_recorded_shows_at_once_and_issues_a_snapshot(
    client, reviewer, django_capture_on_commit_callbacks, eager_tasks
):
    """Recording an outcome is a public change: the pages kept for visitors are dropped and a snapshot is issued."""
    from registry.certificates import surveillance

    certificate = certified("Alpha Cloud", issued_on=TODAY - datetime.timedelta(days=400))
    audit = f.surveillance_audit_row(certificate, due_on=TODAY - datetime.timedelta(days=35))
    following = f.surveillance_audit_row(certificate, due_on=TODAY + datetime.timedelta(days=330))
    centre = f.evaluation_center()
    surveillance.audit_assign(audit_obj=audit, by=reviewer, evaluation_center=centre, reviewer=reviewer)
    f.audited(audit, f.evaluator(centre).user, reviewer)  # the centre's plan, verdict and report
    url = reverse("registry:verify-number", args=[certificate.number])
    assert "None yet" in client.get(url).content.decode()  # kept for the next visitors
    snapshot_issue(force=True)

    with django_capture_on_commit_callbacks(execute=True):
        surveillance.audit_record_outcome(
            audit_obj=audit, by=reviewer, performed_on=TODAY - datetime.timedelta(days=3), outcome="maintained",
            findings="SECRET-findings",
        )  # fmt: skip

    page = client.get(url).content.decode()
    last = (TODAY - datetime.timedelta(days=3)).isoformat()
    assert f'<time datetime="{last}">' in page and f'<time datetime="{following.due_on.isoformat()}">' in page
    latest = json.loads(client.get(reverse("registry:snapshot")).content)
    assert latest["sequence"] == 2
    assert [
        (row["last_surveillance_on"], row["next_surveillance_due"]) for row in latest["registry"]["certificates"]
    ] == [(last, following.due_on.isoformat())]
    assert "SECRET-" not in page and "SECRET-" not in json.dumps(latest)
