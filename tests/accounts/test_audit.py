"""The security audit log: each hook writes its line (who, what, when, from where), the log cannot be changed, and the
agency reads it in the admin while nobody else does."""

import datetime

import pytest
import time_machine
from allauth.account.models import EmailAddress
from django.db import DatabaseError, connection, transaction
from django.test import Client
from django.urls import reverse

from registry.accounts import audit
from registry.accounts.models import AuditEvent
from registry.certificates import services as certificate_services
from registry.qualification.models import Dossier
from registry.qualification.services import dossiers as svc
from registry.qualification.workflow import Refused
from tests import factories as f

pytestmark = pytest.mark.django_db

BROWSER = {"REMOTE_ADDR": "203.0.113.7", "HTTP_USER_AGENT": "Mozilla/5.0 (audit test)"}


def events(action=None):
    qs = AuditEvent.objects.order_by("pk")
    return list(qs.filter(action=action) if action else qs)


def only(action):
    found = events(action)
    assert len(found) == 1, f"{len(found)} {action!r} events"
    return found[0]


def signed_in_request(rf, user, path):
    """A request as the signal's senders have it: with a session (other receivers read it) and the user."""
    from django.contrib.sessions.middleware import SessionMiddleware

    request = rf.post(path, **BROWSER)
    SessionMiddleware(lambda r: None).process_request(request)
    request.user = user
    return request


def rows(response) -> str:
    """The change list's table only (the filters beside it name every person and action)."""
    text = response.content.decode()
    start = text.find('<table id="result_list"')
    return text[start : text.find("</table>", start)] if start >= 0 else ""


def verified(user):
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    return user


# Sign-in, sign-out, failures, account changes


def test_a_sign_in_is_recorded_with_who_when_and_from_where(client, owner):
    verified(owner)
    before = datetime.datetime.now(datetime.UTC)
    response = client.post(reverse("account_login"), {"login": owner.email, "password": f.PASSWORD}, **BROWSER)
    assert response.status_code == 302
    event = only("login")
    assert event.actor == owner and event.actor_label == owner.email
    assert event.ip == "203.0.113.7" and event.user_agent == "Mozilla/5.0 (audit test)"
    assert event.at.utcoffset() == datetime.timedelta(0) and event.at >= before - datetime.timedelta(seconds=1)


def test_a_failed_sign_in_records_the_identifier_typed_and_never_the_password(client, owner):
    verified(owner)
    client.post(reverse("account_login"), {"login": owner.email, "password": "wrong-password-1"}, **BROWSER)
    event = only("login.failed")
    assert event.actor is None and event.actor_label == owner.email
    assert event.ip == "203.0.113.7"
    assert "wrong-password-1" not in str(event.detail) and "wrong-password-1" not in event.actor_label
    assert not events("login")


def test_a_failed_sign_in_at_the_admins_door_is_recorded_too(client, reviewer):
    # The admin's login goes through allauth's (one door); whichever form answers, the failure is recorded.
    client.post(reverse("admin:login"), {"username": reviewer.email, "password": "nope"}, follow=True, **BROWSER)
    client.post(reverse("account_login"), {"login": reviewer.email, "password": "nope"}, **BROWSER)
    assert events("login.failed")
    assert all(e.actor_label == reviewer.email for e in events("login.failed"))


def test_a_sign_out_is_recorded(client, owner):
    client.force_login(owner)
    client.post(reverse("account_logout"), **BROWSER)
    event = only("logout")
    assert event.actor == owner and event.ip == "203.0.113.7"


@pytest.mark.parametrize(
    "signal, action",
    [
        ("password_changed", "password.changed"),
        ("password_set", "password.set"),
        ("password_reset", "password.reset"),
    ],
)
def test_password_changes_are_recorded(rf, owner, signal, action):
    from allauth.account import signals

    request = signed_in_request(rf, owner, "/accounts/password/change/")
    getattr(signals, signal).send(sender=type(owner), request=request, user=owner)
    event = only(action)
    assert event.actor == owner and event.ip == "203.0.113.7"


def test_an_email_change_is_recorded_with_both_addresses(rf, owner):
    from allauth.account import signals

    old = EmailAddress.objects.create(user=owner, email=owner.email, verified=True, primary=True)
    new = EmailAddress.objects.create(user=owner, email="new@nuage.test", verified=True)
    request = signed_in_request(rf, owner, "/accounts/email/")
    signals.email_changed.send(
        sender=EmailAddress, request=request, user=owner, from_email_address=old, to_email_address=new
    )
    event = only("email.changed")
    assert event.detail["from_email_address"] == owner.email
    assert event.detail["to_email_address"] == "new@nuage.test"


@pytest.mark.parametrize(
    "signal, action",
    [
        ("authenticator_added", "mfa.added"),
        ("authenticator_removed", "mfa.removed"),
        ("authenticator_reset", "mfa.reset"),
        ("authentication_failed", "mfa.failed"),
    ],
)
def test_second_factor_changes_and_failures_are_recorded(rf, reviewer, signal, action):
    from allauth.mfa import signals

    authenticator = f.totp_authenticator(reviewer)
    request = signed_in_request(rf, reviewer, "/accounts/2fa/")
    getattr(signals, signal).send(
        sender=type(authenticator), request=request, user=reviewer, authenticator=authenticator
    )
    event = only(action)
    assert event.actor == reviewer and event.detail == {"type": "totp"}


# Denied access


def test_a_403_in_the_portal_is_recorded(client, viewer, provider):
    client.force_login(viewer)
    url = reverse("portal:provider-edit", args=[provider.slug])
    assert client.get(url, **BROWSER).status_code == 403
    event = only("access.denied")
    assert event.actor == viewer and event.detail["path"] == url and event.ip == "203.0.113.7"


def test_a_403_in_the_admin_is_recorded(client):
    staff = f.user(staff=True)
    f.login_with_mfa(client, staff)
    url = reverse("admin:registry_dossier_changelist")
    assert client.get(url).status_code == 403
    assert only("access.denied").detail["path"] == url


def test_another_providers_dossier_answers_404_and_the_attempt_is_recorded(client, other_owner, complete_draft):
    client.force_login(other_owner)
    url = reverse("portal:dossier", args=[complete_draft.reference])
    response = client.get(url, **BROWSER)
    assert response.status_code == 404
    event = only("access.not_found")
    assert event.actor == other_owner and event.detail["path"] == url


def test_anonymous_and_public_404s_are_not_recorded(client, owner):
    assert client.get("/portal/dossiers/DOS-2026-99999/").status_code == 302  # anonymous: the sign-in first
    assert client.get("/no-such-page/").status_code == 404
    client.force_login(owner)
    assert client.get(reverse("registry:service", args=["no-such-service"])).status_code == 404
    assert not events("access.not_found")


def test_a_csrf_failure_is_recorded(owner):
    client = Client(enforce_csrf_checks=True)
    client.force_login(owner)
    response = client.post(reverse("portal:provider-new"), {"legal_name": "X"}, **BROWSER)
    assert response.status_code == 403
    event = only("access.csrf_failed")
    assert event.actor == owner and event.ip == "203.0.113.7"


# Workflow moves


def test_every_move_of_a_dossier_and_certificate_is_recorded_with_its_actor(
    complete_draft, editor, reviewer, decision_maker, center
):
    dossier = f.walk(complete_draft, "decision", provider_user=editor, reviewer=reviewer, center=center)
    evaluator = f.centre_evaluator_user(center)
    certificate = svc.dossier_qualify(dossier=dossier, by=decision_maker, scope="Compute.")
    certificate_services.certificate_suspend(
        review_on=f.review_date(), certificate=certificate, by=decision_maker, reason="Incident."
    )
    moves = [(e.action, e.actor, e.object_type, e.object_id) for e in events() if "." in e.action]
    moves = [m for m in moves if m[0].startswith(("dossier.", "certificate."))]
    assert moves == [
        ("dossier.submit", editor, "dossier", str(dossier.pk)),
        ("dossier.take", reviewer, "dossier", str(dossier.pk)),
        ("dossier.admit", reviewer, "dossier", str(dossier.pk)),
        # The evaluation's steps, each by who made it: the provider, the centre, the reviewer.
        ("dossier.contract_file", editor, "dossier", str(dossier.pk)),
        ("dossier.contract_confirm", evaluator, "dossier", str(dossier.pk)),
        ("dossier.contract_validate", reviewer, "dossier", str(dossier.pk)),
        ("dossier.plan_file", evaluator, "dossier", str(dossier.pk)),
        ("dossier.plan_validate", reviewer, "dossier", str(dossier.pk)),
        ("dossier.report_submit", evaluator, "dossier", str(dossier.pk)),
        ("dossier.report", reviewer, "dossier", str(dossier.pk)),
        ("dossier.qualify", decision_maker, "dossier", str(dossier.pk)),
        ("certificate.issue", decision_maker, "certificate", str(certificate.pk)),
        ("certificate.suspend", decision_maker, "certificate", str(certificate.pk)),
    ]
    qualify = only("dossier.qualify")
    assert qualify.detail == {"object": dossier.reference, "from_status": "decision", "to_status": "qualified"}
    assert only("certificate.suspend").detail["reason"] == "Incident."


def test_a_refused_move_records_nothing(complete_draft, viewer):
    with pytest.raises(Refused):
        svc.dossier_submit(dossier=complete_draft, by=viewer)
    assert not events("dossier.submit")


def test_the_audit_line_is_written_in_the_moves_transaction(complete_draft, editor, monkeypatch):
    # A move whose audit line cannot be written does not happen: the status is rolled back with it.
    def broken(*args, **kwargs):
        raise DatabaseError("audit log unavailable")

    monkeypatch.setattr(audit, "record", broken)
    with pytest.raises(DatabaseError):
        svc.dossier_submit(dossier=complete_draft, by=editor)
    complete_draft.refresh_from_db()
    assert complete_draft.status == Dossier.Status.DRAFT
    assert not complete_draft.events.filter(action="submit").exists()


def test_a_move_made_in_the_admin_records_the_browsers_address(client, complete_draft, editor, reviewer):
    dossier = svc.dossier_submit(dossier=complete_draft, by=editor)
    f.login_with_mfa(client, reviewer)
    long_agent = "Agent/" + "x" * 600
    response = client.post(
        reverse("admin:registry_dossier_move", args=[dossier.pk, "take"]),
        {"comment": ""},
        REMOTE_ADDR="198.51.100.23",
        HTTP_USER_AGENT=long_agent,
    )
    assert response.status_code == 302
    event = only("dossier.take")
    assert event.ip == "198.51.100.23"
    assert event.user_agent == long_agent[:300]


def test_the_address_behind_trusted_proxies_is_the_one_they_saw_and_a_forged_header_is_ignored(rf, settings):
    request = rf.get("/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="6.6.6.6, 203.0.113.50")
    settings.TRUSTED_PROXY_COUNT = 0
    assert audit.client_ip(request) == "10.0.0.2"  # no proxy trusted: what the client wrote proves nothing
    settings.TRUSTED_PROXY_COUNT = 1
    assert audit.client_ip(request) == "203.0.113.50"  # our proxy appended the address it saw; 6.6.6.6 is forged
    bad = rf.get("/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="not-an-address")
    assert audit.client_ip(bad) == "10.0.0.2"  # a header that fits nothing: the peer's address, not garbage
    assert audit.client_ip(rf.get("/", REMOTE_ADDR="")) is None


# Document downloads by the agency


def test_the_agencys_downloads_are_recorded_and_the_members_are_not(client, complete_draft, reviewer, owner):
    document = complete_draft.documents.first()
    f.login_with_mfa(client, reviewer)
    assert client.get(reverse("admin:registry_document_download", args=[document.pk]), **BROWSER).status_code == 200
    assert client.get(reverse("portal:document-download", args=[document.pk]), **BROWSER).status_code == 200
    downloads = events("document.download")
    assert [(e.actor, e.object_id, e.detail["dossier"], e.ip) for e in downloads] == [
        (reviewer, str(document.pk), complete_draft.reference, "203.0.113.7")
    ] * 2
    member = Client()
    member.force_login(owner)
    assert member.get(reverse("portal:document-download", args=[document.pk])).status_code == 200
    assert len(events("document.download")) == 2


# Append-only


def test_the_application_refuses_to_change_or_delete_a_line(owner):
    event = audit.record("login", actor=owner)
    event.action = "logout"
    with pytest.raises(ValueError, match="append-only"):
        event.save()
    with pytest.raises(ValueError, match="append-only"):
        event.delete()


@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="the database-level refusal is a PostgreSQL trigger (migration 0007); SQLite has only the model's",
)
@pytest.mark.parametrize(
    "attempt",
    [
        lambda: AuditEvent.objects.update(action="tampered"),
        lambda: AuditEvent.objects.all().delete(),
        lambda: connection.cursor().execute("UPDATE registry_auditevent SET actor_label = 'someone else'"),
        lambda: connection.cursor().execute("DELETE FROM registry_auditevent"),
    ],
    ids=["queryset-update", "queryset-delete", "sql-update", "sql-delete"],
)
def test_the_database_refuses_to_change_or_delete_a_line(owner, attempt):
    audit.record("login", actor=owner)
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        attempt()
    assert AuditEvent.objects.get().action == "login"


# Reading the log in the admin


@pytest.fixture
def logged(owner, reviewer, complete_draft, editor):
    audit.record("login", actor=owner)
    svc.dossier_submit(dossier=complete_draft, by=editor)
    return complete_draft


@pytest.mark.parametrize("who", ["reviewer", "decision_maker", "administrator"])
def test_the_agency_reads_the_log(client, logged, request, who):
    f.login_with_mfa(client, request.getfixturevalue(who))
    response = client.get(reverse("admin:registry_auditevent_changelist"))
    assert response.status_code == 200
    assert "dossier.submit" in response.text and logged.reference in response.text


def test_the_log_is_filtered_by_person_and_action_and_searched_by_object(client, logged, reviewer, editor, owner):
    f.login_with_mfa(client, reviewer)
    url = reverse("admin:registry_auditevent_changelist")
    by_editor = rows(client.get(url, {"actor__id__exact": editor.pk}))
    assert "dossier.submit" in by_editor and owner.email not in by_editor
    logins = rows(client.get(url, {"action": "login"}))
    assert owner.email in logins and "dossier.submit" not in logins
    found = rows(client.get(url, {"q": logged.reference}))
    assert "dossier.submit" in found and owner.email not in found
    by_id = rows(client.get(url, {"q": str(logged.pk)}))
    assert "dossier.submit" in by_id
    assert client.get(url, {"at__year": datetime.date.today().year}).status_code == 200  # the date hierarchy


def test_a_provider_and_staff_without_a_group_cannot_read_the_log(client, logged, owner):
    url = reverse("admin:registry_auditevent_changelist")
    client.force_login(owner)
    response = client.get(url)
    assert response.status_code == 302 and response["Location"].startswith(reverse("admin:login"))
    f.login_with_mfa(client, f.user(staff=True))
    assert client.get(url).status_code == 403
    assert (
        client.get(reverse("admin:registry_auditevent_change", args=[AuditEvent.objects.first().pk])).status_code == 403
    )


def test_nobody_adds_changes_or_deletes_a_line_in_the_admin_not_even_a_superuser(client, logged):
    root = f.user(staff=True, is_superuser=True)
    f.login_with_mfa(client, root)
    event = AuditEvent.objects.first()
    assert client.get(reverse("admin:registry_auditevent_changelist")).status_code == 200
    assert client.get(reverse("admin:registry_auditevent_add")).status_code == 403
    change = reverse("admin:registry_auditevent_change", args=[event.pk])
    assert client.get(change).status_code == 200  # read-only
    assert client.post(change, {"action": "tampered"}).status_code == 403
    assert client.post(reverse("admin:registry_auditevent_delete", args=[event.pk]), {"post": "yes"}).status_code == 403
    bulk = client.post(
        reverse("admin:registry_auditevent_changelist"),
        {"action": "delete_selected", "_selected_action": [event.pk], "post": "yes"},
    )
    assert bulk.status_code in (200, 302)
    event.refresh_from_db()
    assert event.action != "tampered" and AuditEvent.objects.filter(pk=event.pk).exists()


@pytest.mark.parametrize(
    ("utc", "shown"),
    [(datetime.datetime(2026, 1, 15, 12, 0, tzinfo=datetime.UTC), "13:00 CET"),
     (datetime.datetime(2026, 7, 15, 12, 0, tzinfo=datetime.UTC), "14:00 CEST")],
)  # fmt: skip
def test_the_audit_log_shows_each_time_with_the_zone_it_is_shown_in(client, administrator, utc, shown):
    with time_machine.travel(utc, tick=False):  # the log is append-only, in the database too: written at that moment
        audit.record("dossier.take", actor=administrator)
    f.login_with_mfa(client, administrator)
    page = client.get(reverse("admin:registry_auditevent_changelist")).text
    assert shown in page
    assert "(UTC)" not in page
