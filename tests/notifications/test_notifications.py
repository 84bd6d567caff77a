"""The outbox: every event worth telling is e-mailed once, after commit; with the broker down, the sweep sends it later."""

import datetime

import pytest
from django.conf import settings
from django.core import mail
from django.urls import reverse
from django.utils import timezone, translation
from kombu.exceptions import OperationalError

from registry.accounts.models import UserPreference
from registry.certificates.models import CertificateEvent
from registry.notifications import tasks as notification_tasks
from registry.qualification.models import Dossier, DossierEvent
from registry.qualification.services import dossiers as svc
from tests import factories as f
from trustedcloud.celery import app as celery_app

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("eager_tasks")]

S = Dossier.Status
PROVIDER = {"owner@nuage.test", "editor@nuage.test", "viewer@nuage.test"}
REVIEWERS = {"reviewer@agency.test", "reviewer2@agency.test"}
COMMITTEE = {"committee@agency.test"}


@pytest.fixture
def eager_tasks(monkeypatch):
    # Tasks run inline, as in development: the tests read what was sent, not what was queued (REDIS_URL may be set).
    monkeypatch.setitem(celery_app.conf, "task_always_eager", True)


@pytest.fixture
def everyone(owner, editor, viewer, other_owner, reviewer, second_reviewer, decision_maker, administrator):
    """Everybody who could be told, so that a test sees who was not."""


@pytest.fixture
def broker_down(monkeypatch):
    """Redis unreachable: queuing a notification raises, as kombu does when it cannot connect."""

    def unreachable(*args, **kwargs):
        raise OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    for name in ("send_dossier_event_notification", "send_certificate_event_notification"):
        monkeypatch.setattr(getattr(notification_tasks, name), "delay", unreachable)


def recipients():
    return sorted(address for message in mail.outbox for address in message.to)


def sent_to(address):
    return [m for m in mail.outbox if m.to == [address]]


def age(queryset, minutes=3):
    queryset.update(created_at=timezone.now() - datetime.timedelta(minutes=minutes))


def test_a_submission_emails_the_provider_members_and_the_reviewers(
    django_capture_on_commit_callbacks, everyone, complete_draft, editor
):
    with django_capture_on_commit_callbacks(execute=True):
        svc.dossier_submit(dossier=complete_draft, by=editor, comment="Here it is.")
    assert recipients() == sorted(PROVIDER | REVIEWERS)
    assert all(len(m.to) == 1 for m in mail.outbox)  # members never see each other's addresses
    ref = complete_draft.reference
    [to_owner] = sent_to("owner@nuage.test")
    assert to_owner.subject == f"[{ref}] Your dossier is now: Submitted"
    assert "Here it is." in to_owner.body
    assert "/portal/" in to_owner.body
    [to_reviewer] = sent_to("reviewer@agency.test")
    assert to_reviewer.subject == f"[{ref}] Submitted: Nuage Souverain SAS – Nuage Compute"
    assert f"/admin/registry/dossier/{complete_draft.pk}/change/" in to_reviewer.body
    event = DossierEvent.objects.get(dossier=complete_draft, action="submit")
    assert event.notified_at is not None


def test_nothing_is_sent_before_the_transaction_commits(everyone, complete_draft, editor):
    # Without the commit (the test's transaction never commits), the queue is never touched.
    svc.dossier_submit(dossier=complete_draft, by=editor)
    assert mail.outbox == []
    assert DossierEvent.objects.get(dossier=complete_draft, action="submit").notified_at is None


def test_running_the_task_twice_sends_no_second_email(
    django_capture_on_commit_callbacks, everyone, complete_draft, editor
):
    with django_capture_on_commit_callbacks(execute=True):
        svc.dossier_submit(dossier=complete_draft, by=editor)
    sent = len(mail.outbox)
    event = DossierEvent.objects.get(dossier=complete_draft, action="submit")
    assert notification_tasks.send_dossier_event_notification(event.pk) is False
    notification_tasks.send_dossier_event_notification.delay(event.pk)
    age(DossierEvent.objects.all())
    assert notification_tasks.sweep_unnotified_events() == 0
    assert len(mail.outbox) == sent


def test_taking_a_dossier_tells_the_provider_only(
    django_capture_on_commit_callbacks, everyone, complete_draft, walk, reviewer
):
    d = walk(complete_draft, S.SUBMITTED)
    with django_capture_on_commit_callbacks(execute=True):
        svc.dossier_take(dossier=d, by=reviewer)
    assert recipients() == sorted(PROVIDER)
    assert mail.outbox[0].subject.endswith("Your dossier is now: In review")


def test_a_resubmission_tells_its_instructing_reviewer_only(
    django_capture_on_commit_callbacks, everyone, complete_draft, walk, reviewer, editor
):
    d = walk(complete_draft, S.IN_REVIEW)
    svc.dossier_request_changes(dossier=d, by=reviewer, comment="Detail 19.6.")
    svc.dossier_declare(
        dossier=d,
        by=editor,
        signatory_name="Claire Martin",
        signatory_capacity="Chief executive officer",
        listed_in_process_consent=False,
    )
    with django_capture_on_commit_callbacks(execute=True):
        svc.dossier_resubmit(dossier=d, by=editor, comment="Detailed.")
    # Nobody takes it again: the other reviewer is not told.
    assert recipients() == sorted(PROVIDER | {"reviewer@agency.test"})
    [to_reviewer] = sent_to("reviewer@agency.test")
    assert to_reviewer.subject == f"[{d.reference}] In review: Nuage Souverain SAS – Nuage Compute"
    assert "Detailed." in to_reviewer.body


def test_sending_to_decision_tells_the_committee(
    django_capture_on_commit_callbacks, everyone, reviewer_in_committee, complete_draft, walk, reviewer
):
    d = walk(complete_draft, S.EVALUATION)
    f.evaluated(d, reviewer=reviewer)
    with django_capture_on_commit_callbacks(execute=True):
        svc.dossier_report(dossier=d, by=reviewer, recommendation="qualify")
    assert recipients() == sorted(PROVIDER | COMMITTEE | {"both@agency.test"})


def test_the_agency_hears_only_from_members_still_active_and_with_an_address(
    django_capture_on_commit_callbacks, everyone, complete_draft, editor, second_reviewer, viewer
):
    second_reviewer.is_active = False
    second_reviewer.save()
    viewer.email = ""
    viewer.save()
    with django_capture_on_commit_callbacks(execute=True):
        svc.dossier_submit(dossier=complete_draft, by=editor)
    assert recipients() == sorted({"owner@nuage.test", "editor@nuage.test", "reviewer@agency.test"})


def test_qualification_tells_the_provider_about_the_certificate(
    django_capture_on_commit_callbacks, everyone, complete_draft, walk, decision_maker
):
    d = walk(complete_draft, S.DECISION)
    with django_capture_on_commit_callbacks(execute=True):
        certificate = svc.dossier_qualify(dossier=d, by=decision_maker, scope="IaaS.")
    [to_owner_about_certificate] = [m for m in sent_to("owner@nuage.test") if certificate.number in m.subject]
    assert to_owner_about_certificate.subject == f"[{certificate.number}] Certificate status: Active"
    assert "Qualification granted." in to_owner_about_certificate.body
    assert set(recipients()) == PROVIDER  # the dossier's move and the certificate, to the provider only
    assert len(mail.outbox) == 2 * len(PROVIDER)
    assert CertificateEvent.objects.get(certificate=certificate).notified_at is not None


# Messages.


def test_internal_notes_never_email_anyone(
    django_capture_on_commit_callbacks, everyone, complete_draft, walk, reviewer
):
    d = walk(complete_draft, S.IN_REVIEW)
    with django_capture_on_commit_callbacks(execute=True):
        svc.message_post(dossier=d, by=reviewer, body="Their board looks US-controlled.", internal=True)
    assert mail.outbox == []
    age(DossierEvent.objects.filter(action="message"))
    assert notification_tasks.sweep_unnotified_events() == 0
    assert mail.outbox == []


def test_an_agency_message_emails_the_provider_members(
    django_capture_on_commit_callbacks, everyone, complete_draft, walk, reviewer, decision_maker
):
    d = walk(complete_draft, S.IN_REVIEW)
    with django_capture_on_commit_callbacks(execute=True):
        svc.message_post(dossier=d, by=decision_maker, body="Please send the board minutes.")
    # The instructing reviewer is not told that "the provider wrote": the author is their colleague.
    assert recipients() == sorted(PROVIDER)
    assert all(m.subject == f"[{d.reference}] New message from the agency" for m in mail.outbox)
    assert "Please send the board minutes." in mail.outbox[0].body


def test_a_provider_message_goes_to_the_other_members_and_the_instructing_reviewer(
    django_capture_on_commit_callbacks, everyone, complete_draft, walk, editor
):
    d = walk(complete_draft, S.IN_REVIEW)
    with django_capture_on_commit_callbacks(execute=True):
        svc.message_post(dossier=d, by=editor, body="Minutes attached.")
    assert recipients() == sorted({"owner@nuage.test", "viewer@nuage.test", "reviewer@agency.test"})
    [to_owner] = sent_to("owner@nuage.test")
    assert to_owner.subject == f"[{d.reference}] New message on your dossier"  # from a colleague, not the agency
    [to_reviewer] = sent_to("reviewer@agency.test")
    assert to_reviewer.subject == f"[{d.reference}] New message from the provider"
    assert "Minutes attached." in to_reviewer.body


# The broker is down.


def test_with_the_broker_down_the_move_still_succeeds_and_waits_in_the_outbox(
    django_capture_on_commit_callbacks, broker_down, everyone, complete_draft, editor
):
    with django_capture_on_commit_callbacks(execute=True):
        d = svc.dossier_submit(dossier=complete_draft, by=editor)
    d.refresh_from_db()
    assert d.status == S.SUBMITTED
    assert mail.outbox == []
    event = DossierEvent.objects.get(dossier=d, action="submit")
    assert event.notified_at is None

    # Too young: it may still be on its way through a queue.
    assert notification_tasks.sweep_unnotified_events() == 0
    assert mail.outbox == []

    age(DossierEvent.objects.filter(pk=event.pk))
    assert notification_tasks.sweep_unnotified_events() == 1
    assert recipients() == sorted(PROVIDER | REVIEWERS)
    event.refresh_from_db()
    assert event.notified_at is not None

    assert notification_tasks.sweep_unnotified_events() == 0
    assert len(mail.outbox) == len(PROVIDER | REVIEWERS)


def test_the_sweep_sends_late_events_with_their_own_status(
    django_capture_on_commit_callbacks, broker_down, everyone, complete_draft, editor, reviewer
):
    with django_capture_on_commit_callbacks(execute=True):
        svc.dossier_submit(dossier=complete_draft, by=editor)
        svc.dossier_take(dossier=complete_draft, by=reviewer)
    age(DossierEvent.objects.all())
    assert notification_tasks.sweep_unnotified_events() == 2
    subjects = [m.subject for m in sent_to("owner@nuage.test")]
    ref = complete_draft.reference
    # The submission's e-mail says "Submitted", though the dossier is in review by the time it goes out.
    assert subjects == [f"[{ref}] Your dossier is now: Submitted", f"[{ref}] Your dossier is now: In review"]


def test_with_the_broker_down_certificate_events_wait_too(
    django_capture_on_commit_callbacks, broker_down, everyone, complete_draft, walk, decision_maker
):
    d = walk(complete_draft, S.DECISION)
    with django_capture_on_commit_callbacks(execute=True):
        certificate = svc.dossier_qualify(dossier=d, by=decision_maker, scope="IaaS.")
    assert mail.outbox == []
    event = CertificateEvent.objects.get(certificate=certificate)
    assert event.notified_at is None
    age(CertificateEvent.objects.all())
    age(DossierEvent.objects.filter(action="qualify"))
    assert notification_tasks.sweep_unnotified_events() == 2  # the qualification and the certificate
    assert len([m for m in mail.outbox if certificate.number in m.subject]) == len(PROVIDER)
    event.refresh_from_db()
    assert event.notified_at is not None
    assert notification_tasks.sweep_unnotified_events() == 0


def test_a_withdrawal_tells_the_provider_and_the_instructing_reviewer(
    django_capture_on_commit_callbacks, everyone, complete_draft, walk, reviewer, owner
):
    d = walk(complete_draft, S.IN_REVIEW)
    assert d.instructing_reviewer == reviewer
    with django_capture_on_commit_callbacks(execute=True):
        svc.dossier_withdraw(dossier=d, by=owner, comment="We are moving the service.")
    assert recipients() == sorted(PROVIDER | {reviewer.email})


# HTML and the recipient's language.


def fr(msgid, **values) -> str:
    """The French catalogue's translation (its exact spaces and punctuation), checked to be a translation."""
    with translation.override("fr"):
        text = translation.gettext(msgid)
    assert text != msgid, f"not translated in locale/fr: {msgid!r}"
    return text % values if values else text


def html_of(message) -> str:
    [(html, mimetype)] = message.alternatives
    assert mimetype == "text/html"
    return html


def test_every_email_has_an_html_alternative_with_the_same_content_escaped(
    django_capture_on_commit_callbacks, everyone, complete_draft, editor
):
    comment = 'Board minutes <script>alert("x")</script> & annexes.'
    with django_capture_on_commit_callbacks(execute=True):
        svc.dossier_submit(dossier=complete_draft, by=editor, comment=comment)
    assert all(len(m.alternatives) == 1 for m in mail.outbox)
    [to_owner] = sent_to("owner@nuage.test")
    assert comment in to_owner.body  # the text part is plain text: nothing to escape
    html = html_of(to_owner)
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; annexes." in html
    assert "<script>" not in html
    assert "The dossier's status is now: Submitted." in html
    assert 'lang="en"' in html
    [to_reviewer] = sent_to("reviewer@agency.test")
    assert f"/admin/registry/dossier/{complete_draft.pk}/change/" in html_of(to_reviewer)


def test_a_member_who_prefers_french_gets_the_email_in_french(
    django_capture_on_commit_callbacks, everyone, complete_draft, editor, owner
):
    UserPreference.objects.create(user=owner, language="fr")
    with translation.override("en"), django_capture_on_commit_callbacks(execute=True):
        svc.dossier_submit(dossier=complete_draft, by=editor)
        assert translation.get_language() == "en"  # rendering in French left the caller's language alone
    ref = complete_draft.reference
    [to_owner] = sent_to("owner@nuage.test")
    submitted = fr("Submitted")
    assert to_owner.subject == f"[{ref}] " + fr("Your dossier is now: %(status)s", status=submitted)
    assert fr("Follow the dossier in the provider portal:") in to_owner.body
    assert 'lang="fr"' in html_of(to_owner)
    assert fr("The dossier's status is now: %(status)s.", status=submitted) in html_of(to_owner)
    assert to_owner.extra_headers["Content-Language"] == "fr"
    # The others did not choose: English.
    [to_editor] = sent_to("editor@nuage.test")
    assert to_editor.subject == f"[{ref}] Your dossier is now: Submitted"
    assert to_editor.extra_headers["Content-Language"] == "en"


def test_recipients_are_rendered_once_per_language(everyone, complete_draft, editor, owner, viewer):
    from registry.notifications.emails import dossier_event_emails

    UserPreference.objects.create(user=owner, language="fr")
    UserPreference.objects.create(user=viewer, language="fr")
    svc.dossier_submit(dossier=complete_draft, by=editor)
    event = DossierEvent.objects.get(dossier=complete_draft, action="submit")
    to_provider = [e for e in dossier_event_emails(event) if "editor@nuage.test" in e.to or "owner@nuage.test" in e.to]
    assert sorted((e.language, e.to) for e in to_provider) == [
        ("en", ["editor@nuage.test"]),
        ("fr", ["owner@nuage.test", "viewer@nuage.test"]),
    ]


def test_a_french_subscriber_gets_french_text_html_and_the_unsubscribe_headers(
    django_capture_on_commit_callbacks, everyone, service, decision_maker
):
    from registry.certificates.services import certificate_suspend
    from registry.public.models import Subscription

    certificate = f.certificate(service)
    follower = Subscription.objects.create(
        email="suivi@example.fr", scope="service", service=service, language="fr", confirmed_at=timezone.now()
    )
    with django_capture_on_commit_callbacks(execute=True):
        certificate_suspend(
            review_on=f.review_date(), certificate=certificate, by=decision_maker, reason="Incident <majeur>."
        )
    [message] = sent_to("suivi@example.fr")
    assert fr("New status:") in message.body
    assert fr("Unsubscribe:") in message.body
    assert "Incident <majeur>." in message.body
    html = html_of(message)
    assert "Incident &lt;majeur&gt;." in html
    assert fr("Unsubscribe:") in html
    assert follower.token in html
    headers = message.message()
    assert headers["List-Unsubscribe"].endswith(f"/{follower.token}/>")
    assert headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert headers["Content-Language"] == "fr"


def test_a_subscription_remembers_the_language_of_the_page_it_came_from(
    django_capture_on_commit_callbacks, service, certificate_for_service
):
    from registry.public.models import Subscription
    from registry.public.subscriptions import subscription_request

    with translation.override("fr"), django_capture_on_commit_callbacks(execute=True):
        subscription_request(email="suivi@example.fr", scope="service", service=service)
    assert Subscription.objects.get(email="suivi@example.fr").language == "fr"
    [confirm] = mail.outbox
    assert fr("To confirm, open this link and press the button on the page:") in confirm.body

    with translation.override("en"), django_capture_on_commit_callbacks(execute=True):
        subscription_request(email="follow@example.org", scope="service", service=service)
    assert Subscription.objects.get(email="follow@example.org").language == "en"


@pytest.fixture
def certificate_for_service(service):
    return f.certificate(service)  # a service holding a certificate is public, hence followable


@pytest.fixture
def english_afterwards():
    # A request run by the test client leaves its language active in this thread: the tests that follow must not
    # inherit French.
    with translation.override("en"):
        yield


@pytest.mark.usefixtures("english_afterwards")
def test_switching_language_signed_in_is_remembered_for_the_emails(client, owner):
    client.force_login(owner)
    response = client.post(reverse("set_language"), {"language": "fr", "next": "/registry/"})
    assert response.status_code == 302
    assert response["Location"] == "/registry/"
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "fr"
    assert UserPreference.objects.get(user=owner).language == "fr"

    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    assert UserPreference.objects.get(user=owner).language == "en"
    client.post(reverse("set_language"), {"language": "xx", "next": "/"})  # not offered: nothing changes
    assert UserPreference.objects.get(user=owner).language == "en"


@pytest.mark.usefixtures("english_afterwards")
def test_switching_language_anonymously_stores_nothing_but_the_cookie(client, db):
    response = client.post(reverse("set_language"), {"language": "fr", "next": "/"})
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "fr"
    assert not UserPreference.objects.exists()


@pytest.mark.usefixtures("english_afterwards")
def test_signing_in_brings_back_the_preferred_language(client, owner):
    from allauth.account.models import EmailAddress

    EmailAddress.objects.create(user=owner, email=owner.email, verified=True, primary=True)
    UserPreference.objects.create(user=owner, language="fr")
    response = client.post(reverse("account_login"), {"login": owner.email, "password": f.PASSWORD})
    assert response.status_code == 302
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "fr"
    assert client.get(reverse("portal:home")).headers["Content-Language"] == "fr"


@pytest.mark.usefixtures("english_afterwards")
def test_a_first_sign_in_keeps_the_language_it_was_made_in(client, owner):
    from allauth.account.models import EmailAddress

    EmailAddress.objects.create(user=owner, email=owner.email, verified=True, primary=True)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "fr"
    client.post(reverse("account_login"), {"login": owner.email, "password": f.PASSWORD})
    assert UserPreference.objects.get(user=owner).language == "fr"
