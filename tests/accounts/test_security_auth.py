"""Authentication hardening, each protection shown by what gets through without it: a second factor before the admin,
one sign-in door, throttled sign-ins, sessions that end (at sign-out, deactivation, idleness, old age) and a recent
authentication before the decisions that change the public registry."""

import time

import pytest
from allauth.account.authentication import AUTHENTICATION_METHODS_SESSION_KEY
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import SECRET_SESSION_KEY, format_hotp_value, hotp_value
from allauth.usersessions.models import UserSession
from django.conf import settings
from django.contrib.sessions.backends.db import SessionStore
from django.core import mail
from django.test import Client
from django.urls import reverse

from registry.accounts import auth
from registry.certificates import services as certificate_services
from registry.certificates.models import Certificate
from registry.qualification.models import Dossier
from registry.qualification.services import dossiers as svc
from tests import factories as f

GENERIC_FAILURE = "The email address and/or password you specified are not correct."
THROTTLED = "Too many failed login attempts. Try again later."


def totp_code(secret=f.TOTP_SECRET):
    """The authenticator app's current code, computed as allauth computes it (never in a period's last seconds, so the
    code is still valid when the request arrives)."""
    period = 30
    if period - time.time() % period < 2:
        time.sleep(2)
    return format_hotp_value(hotp_value(secret, int(time.time()) // period))


def verified(u):
    EmailAddress.objects.create(user=u, email=u.email, verified=True, primary=True)
    return u


def sign_in(client, who, password=f.PASSWORD, **headers):
    """allauth's sign-in form, posted for a user or for an address nobody uses."""
    email = getattr(who, "email", who)
    return client.post(reverse("account_login"), {"login": email, "password": password}, **headers)


def reauthenticate(client):
    return client.post(reverse("account_reauthenticate"), {"password": f.PASSWORD})


def age_session(client, seconds, *, login=True, activity=True, authentications=True):
    """Move what the session recorded `seconds` back in time: the sign-in, the last activity, the authentications."""
    session = client.session
    if login:
        session[auth.LOGIN_AT] -= seconds
    if activity:
        session[auth.SEEN_AT] -= seconds
    if authentications:
        records = session[AUTHENTICATION_METHODS_SESSION_KEY]
        session[AUTHENTICATION_METHODS_SESSION_KEY] = [{**r, "at": r["at"] - seconds} for r in records]
    session.save()


def session_alive(key):
    return SessionStore().exists(key)


@pytest.fixture
def agent(db):
    """A reviewer with a verified address, who signs in through allauth's pages."""
    return verified(f.user(email="agent@agency.test", groups=["Reviewers"]))


# Multi-factor authentication: required of staff, for the admin and for the portal (which shows staff every dossier).


def test_staff_without_a_second_factor_are_sent_to_set_one_up_from_every_admin_url(client, reviewer, complete_draft):
    client.force_login(reviewer)
    for url in (
        reverse("admin:index"),
        reverse("admin:registry_dossier_changelist"),
        reverse("admin:registry_dossier_move", args=[complete_draft.pk, "take"]),
        reverse("admin:password_change"),
        reverse("portal:home"),
    ):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"] == reverse("mfa_index"), url
    assert client.post(reverse("admin:registry_dossier_move", args=[complete_draft.pk, "take"])).status_code == 302
    complete_draft.refresh_from_db()
    assert complete_draft.status == Dossier.Status.DRAFT
    page = client.get(reverse("mfa_index"))
    assert "Two-factor authentication is required for your account." in page.text


def test_staff_with_a_second_factor_not_verified_in_this_session_are_asked_for_it(client, reviewer):
    f.totp_authenticator(reviewer)
    client.force_login(reviewer)  # a session without the second factor (e.g. signed in before setting it up)
    response = client.get(reverse("admin:registry_dossier_changelist"))
    assert response.status_code == 302
    assert response["Location"] == (
        reverse("mfa_reauthenticate") + "?next=" + reverse("admin:registry_dossier_changelist").replace("/", "%2F")
    )


def test_staff_with_totp_verified_in_this_session_reach_the_admin(client, reviewer):
    f.login_with_mfa(client, reviewer)
    assert client.get(reverse("admin:index")).status_code == 200
    assert client.get(reverse("admin:registry_dossier_changelist")).status_code == 200


def test_a_provider_member_needs_no_second_factor_unless_their_organisation_requires_it(
    client, owner, other_owner, provider, monkeypatch
):
    assert auth.provider_requires_mfa(provider) is False  # off until an owner turns it on
    client.force_login(owner)
    assert client.get(reverse("portal:home")).status_code == 302  # to their organisation's page
    assert client.get(reverse("portal:provider", args=[provider.slug])).status_code == 200

    monkeypatch.setattr(auth, "provider_requires_mfa", lambda p: p.pk == provider.pk)
    member, stranger = Client(), Client()
    member.force_login(owner)
    assert member.get(reverse("portal:provider", args=[provider.slug]))["Location"] == reverse("mfa_index")
    f.login_with_mfa(member, owner)
    assert member.get(reverse("portal:provider", args=[provider.slug])).status_code == 200
    stranger.force_login(other_owner)  # another organisation, which does not require it
    assert stranger.get(reverse("portal:home")).status_code == 302
    assert stranger.get(reverse("portal:home"))["Location"] != reverse("mfa_index")


def test_an_organisation_turning_the_requirement_on_reaches_open_sessions_within_minutes(
    client, owner, provider, monkeypatch
):
    client.force_login(owner)
    assert client.get(reverse("portal:provider", args=[provider.slug])).status_code == 200
    monkeypatch.setattr(auth, "provider_requires_mfa", lambda p: True)
    session = client.session
    required, checked_at = session[auth.POLICY]
    session[auth.POLICY] = (required, checked_at - auth.POLICY_RECHECK - 1)
    session.save()
    assert client.get(reverse("portal:provider", args=[provider.slug]))["Location"] == reverse("mfa_index")


def test_the_admin_login_url_sends_to_allauths_sign_in(client, owner):
    response = client.get(reverse("admin:login") + "?next=/admin/registry/dossier/")
    assert response.status_code == 302
    assert response["Location"] == reverse("account_login") + "?next=%2Fadmin%2Fregistry%2Fdossier%2F"
    assert client.get(reverse("admin:index"), follow=True).request["PATH_INFO"] == reverse("account_login")
    # The admin's own password form is gone: a POST to it signs nobody in.
    client.post(reverse("admin:login"), {"username": owner.email, "password": f.PASSWORD})
    assert "_auth_user_id" not in client.session
    client.force_login(owner)
    assert client.get(reverse("admin:login")).status_code == 403  # signed in but not staff


def test_a_totp_sign_in_end_to_end(client, agent):
    f.totp_authenticator(agent)
    response = sign_in(client, agent)
    assert response["Location"] == reverse("mfa_authenticate")
    assert client.get(reverse("admin:index"))["Location"].startswith(reverse("admin:login"))  # not signed in yet

    wrong = client.post(reverse("mfa_authenticate"), {"code": "000000" if totp_code() != "000000" else "111111"})
    assert "Incorrect code." in wrong.text
    code = totp_code()
    response = client.post(reverse("mfa_authenticate"), {"code": code})
    assert response.status_code == 302
    assert client.get(reverse("admin:index")).status_code == 200

    replay = Client()  # the same code, seen over a shoulder, in another browser within its 30 seconds
    sign_in(replay, agent)
    assert "Incorrect code." in replay.post(reverse("mfa_authenticate"), {"code": code}).text
    assert replay.get(reverse("admin:index")).status_code == 302


# allauth reports the new authenticator once its transaction commits: a transaction that really commits.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.usefixtures("eager_tasks")  # the security notice goes through the outbox's task
def test_setting_up_an_authenticator_app_opens_the_admin_and_stores_the_secret_encrypted(client, agent):
    sign_in(client, agent)
    assert client.get(reverse("admin:index"))["Location"] == reverse("mfa_index")
    activate = reverse("mfa_activate_totp")
    response = client.get(activate)  # a change of second factor: the password is asked again first
    assert response["Location"].startswith(reverse("account_reauthenticate"))
    client.post(response["Location"], {"password": f.PASSWORD})
    page = client.get(activate)
    assert page.status_code == 200
    assert 'class="d-block mb-3 p-2 bg-white border rounded tcr-qr"' in page.text  # the QR code, in our look
    secret = client.session[SECRET_SESSION_KEY]
    response = client.post(activate, {"code": totp_code(secret)})
    assert response["Location"] == reverse("mfa_view_recovery_codes")
    stored = Authenticator.objects.get(user=agent, type=Authenticator.Type.TOTP).data["secret"]
    assert secret not in stored
    assert client.get(reverse("admin:index")).status_code == 200
    activated = [m.to for m in mail.outbox if "An authenticator app now protects your account" in m.subject]
    assert activated == [[agent.email]]


def test_a_recovery_code_signs_in_once(client, agent):
    f.totp_authenticator(agent)
    code = RecoveryCodes.activate(agent).get_unused_codes()[0]
    sign_in(client, agent)
    assert client.post(reverse("mfa_authenticate"), {"code": code}).status_code == 302
    assert client.get(reverse("admin:index")).status_code == 200

    again = Client()
    sign_in(again, agent)
    assert "Incorrect code." in again.post(reverse("mfa_authenticate"), {"code": code}).text
    assert again.get(reverse("admin:index")).status_code == 302


def test_staff_cannot_remove_their_only_second_factor(client, reviewer, owner):
    f.login_with_mfa(client, reviewer)
    reauthenticate(client)
    page = client.get(reverse("mfa_deactivate_totp"))
    assert "You cannot deactivate two-factor authentication." in page.text
    client.post(reverse("mfa_deactivate_totp"))
    assert Authenticator.objects.filter(user=reviewer, type=Authenticator.Type.TOTP).exists()

    provider_member = Client()
    f.login_with_mfa(provider_member, owner)  # a provider who chose a second factor may drop it
    reauthenticate(provider_member)
    provider_member.post(reverse("mfa_deactivate_totp"))
    assert not Authenticator.objects.filter(user=owner, type=Authenticator.Type.TOTP).exists()


def test_the_second_factor_pages_wear_the_portal_look(client, owner):
    f.login_with_mfa(client, owner)
    index = client.get(reverse("mfa_index"))
    assert 'class="card mb-3"' in index.text
    assert "Security keys" in index.text
    reauthenticate(client)
    security_key = client.get(reverse("mfa_add_webauthn"))
    assert security_key.status_code == 200
    assert 'id="mfa_webauthn_add"' in security_key.text
    assert "mfa/js/webauthn.js" in security_key.text


# Sign-in throttling: one message, and a header the client writes changes nothing (more in test_signin_limits.py).


def test_sign_in_is_throttled_per_account_with_one_message_for_every_failure(client, agent):
    for _ in range(5):
        assert GENERIC_FAILURE in sign_in(client, agent, password="wrong-password-123").text
    refused = sign_in(client, agent)  # the right password, too late
    assert THROTTLED in refused.text
    assert "_auth_user_id" not in client.session
    # An address nobody uses gets the same answers: the throttle tells nothing about who has an account.
    for _ in range(5):
        assert GENERIC_FAILURE in sign_in(client, "nobody@agency.test").text
    assert THROTTLED in sign_in(client, "nobody@agency.test").text


def test_a_spoofed_x_forwarded_for_does_not_reset_the_account_throttle(client, agent):
    for i in range(5):
        sign_in(client, agent, password="wrong-password-123", HTTP_X_FORWARDED_FOR=f"198.51.100.{i}")
    assert THROTTLED in sign_in(client, agent, HTTP_X_FORWARDED_FOR="198.51.100.99").text


# Sessions.


def test_signing_in_gives_a_new_session_key(client, owner):
    verified(owner)
    session = client.session
    session["before"] = "sign-in"
    session.save()
    client.cookies[settings.SESSION_COOKIE_NAME] = session.session_key
    sign_in(client, owner)
    assert client.session.session_key != session.session_key
    assert not session_alive(session.session_key)
    assert client.get(reverse("portal:provider", args=["nuage-souverain"])).status_code == 200


def test_signing_out_ends_every_session_of_the_user(owner, provider):
    verified(owner)
    laptop, phone = Client(), Client()
    sign_in(laptop, owner)
    sign_in(phone, owner)
    keys = [laptop.session.session_key, phone.session.session_key]
    assert UserSession.objects.filter(user=owner).count() == 2
    laptop.post(reverse("account_logout"))
    assert not any(session_alive(key) for key in keys)
    assert phone.get(reverse("portal:provider", args=[provider.slug]))["Location"].startswith(reverse("account_login"))
    assert not UserSession.objects.filter(user=owner).exists()


def test_a_user_sees_their_sessions_and_signs_the_others_out(owner, provider):
    verified(owner)
    laptop, phone = Client(), Client()
    sign_in(laptop, owner, HTTP_USER_AGENT="Laptop browser")
    sign_in(phone, owner, HTTP_USER_AGENT="Phone browser")
    page = laptop.get(reverse("usersessions_list"))
    assert "Laptop browser" in page.text and "Phone browser" in page.text
    laptop.post(reverse("usersessions_list"))
    assert phone.get(reverse("portal:provider", args=[provider.slug])).status_code == 302
    assert laptop.get(reverse("portal:provider", args=[provider.slug])).status_code == 200


def test_deactivating_a_user_ends_their_sessions(client, agent):
    f.totp_authenticator(agent)
    sign_in(client, agent)
    client.post(reverse("mfa_authenticate"), {"code": totp_code()})
    key = client.session.session_key
    assert session_alive(key)
    agent.is_active = False
    agent.save()
    assert not session_alive(key)
    assert not UserSession.objects.filter(user=agent).exists()


def test_staff_sessions_expire_after_30_idle_minutes(client, reviewer):
    f.login_with_mfa(client, reviewer)
    key = client.session.session_key
    age_session(client, 29 * 60, login=False, authentications=False)
    assert client.get(reverse("admin:index")).status_code == 200
    age_session(client, 31 * 60, login=False, authentications=False)
    response = client.get(reverse("admin:index"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))
    assert not session_alive(key)


def test_provider_sessions_have_a_longer_idle_timeout(client, owner, provider):
    client.force_login(owner)
    page = reverse("portal:provider", args=[provider.slug])
    age_session(client, 2 * 3600, login=False, authentications=False)
    assert client.get(page).status_code == 200
    age_session(client, settings.SESSION_IDLE_TIMEOUT + 60, login=False, authentications=False)
    response = client.get(page, follow=True)
    assert response.request["PATH_INFO"] == reverse("account_login")
    assert "Your session has expired. Please sign in again." in response.text


def test_a_session_ends_after_its_absolute_lifetime_whatever_the_activity(client, reviewer):
    f.login_with_mfa(client, reviewer)
    age_session(client, 11 * 3600, activity=False, authentications=False)
    assert client.get(reverse("admin:index")).status_code == 200
    age_session(client, 3600 + 60, activity=False, authentications=False)
    assert client.get(reverse("admin:index")).status_code == 302
    assert settings.SESSION_ABSOLUTE_LIFETIME == 12 * 3600
    assert settings.SESSION_COOKIE_AGE == settings.SESSION_ABSOLUTE_LIFETIME


def test_an_expired_session_ends_alone(reviewer):
    office, home = Client(), Client()
    f.login_with_mfa(office, reviewer)
    f.login_with_mfa(home, reviewer)
    office_key = office.session.session_key
    age_session(office, 31 * 60, login=False, authentications=False)
    assert office.get(reverse("admin:index")).status_code == 302
    assert home.get(reverse("admin:index")).status_code == 200
    assert list(UserSession.objects.values_list("session_key", flat=True)) == [home.session.session_key]
    assert not session_alive(office_key)


# Recent authentication before decisions and second-factor changes.


@pytest.fixture
def at_decision(complete_draft, editor, reviewer, center):
    f.walk(complete_draft, Dossier.Status.DECISION, provider_user=editor, reviewer=reviewer, center=center)
    complete_draft.refresh_from_db()
    return complete_draft


@pytest.fixture
def certificate(at_decision, decision_maker):
    return svc.dossier_qualify(dossier=at_decision, by=decision_maker, scope="Compute")


@pytest.mark.parametrize("action", ["qualify", "reject"])
def test_a_decision_needs_an_authentication_from_the_last_15_minutes(client, at_decision, decision_maker, action):
    url = reverse("admin:registry_dossier_move", args=[at_decision.pk, action])
    data = {"scope": "Compute", "conditions": "", "comment": "Reasons given to the provider."}
    f.login_with_mfa(client, decision_maker)
    age_session(client, 16 * 60, login=False, activity=False)
    for response in (client.get(url), client.post(url, data)):
        assert response.status_code == 302
        assert response["Location"] == reverse("account_reauthenticate") + "?next=" + url.replace("/", "%2F")
    at_decision.refresh_from_db()
    assert at_decision.status == Dossier.Status.DECISION
    # The password again: the decision that waited is carried out.
    reauthenticated = client.post(
        reverse("account_reauthenticate") + "?next=" + url, {"password": f.PASSWORD}, follow=True
    )
    assert reauthenticated.status_code == 200
    at_decision.refresh_from_db()
    assert at_decision.status == (Dossier.Status.QUALIFIED if action == "qualify" else Dossier.Status.REJECTED)
    assert Certificate.objects.filter(dossier=at_decision).exists() == (action == "qualify")


def test_a_decision_within_15_minutes_of_signing_in_goes_through(client, at_decision, decision_maker):
    f.login_with_mfa(client, decision_maker)
    age_session(client, 14 * 60, login=False, activity=False)
    url = reverse("admin:registry_dossier_move", args=[at_decision.pk, "qualify"])
    assert client.get(url).status_code == 200
    assert client.post(url, {"scope": "Compute", "conditions": "", "comment": ""}).status_code == 302
    assert Certificate.objects.filter(dossier=at_decision).exists()


@pytest.mark.parametrize("action", ["suspend", "withdraw"])
def test_taking_a_certificate_out_of_force_needs_a_recent_authentication(
    client, certificate, decision_maker, administrator, action
):
    person = decision_maker if action == "suspend" else administrator
    url = reverse("admin:registry_certificate_move", args=[certificate.pk, action])
    f.login_with_mfa(client, person)
    age_session(client, 16 * 60, login=False, activity=False)
    for response in (client.get(url), client.post(url, f.suspension_form("Incident."))):
        assert response["Location"].startswith(reverse("account_reauthenticate"))
    certificate.refresh_from_db()
    assert certificate.status == Certificate.Status.ACTIVE
    reauthenticate(client)
    assert client.post(url, f.suspension_form("Incident.")).status_code == 302
    certificate.refresh_from_db()
    assert certificate.status == {"suspend": "suspended", "withdraw": "withdrawn"}[action]


def test_everyday_moves_do_not_ask_again(client, certificate, decision_maker):
    certificate_services.certificate_suspend(
        certificate=certificate, by=decision_maker, reason="Incident.", review_on=f.review_date()
    )
    f.login_with_mfa(client, decision_maker)
    age_session(client, 16 * 60, login=False, activity=False)
    reinstate = reverse("admin:registry_certificate_move", args=[certificate.pk, "reinstate"])
    assert client.post(reinstate, {"reason": "Fixed."}).status_code == 302
    certificate.refresh_from_db()
    assert certificate.status == Certificate.Status.ACTIVE


@pytest.mark.parametrize("page", ["mfa_deactivate_totp", "mfa_generate_recovery_codes", "mfa_add_webauthn"])
def test_second_factor_changes_need_a_recent_authentication(client, owner, page):
    f.login_with_mfa(client, owner)
    age_session(client, 16 * 60, login=False, activity=False)
    assert client.get(reverse(page))["Location"].startswith(reverse("account_reauthenticate"))
    reauthenticate(client)
    assert client.get(reverse(page)).status_code == 200


def test_an_old_sign_in_still_reaches_pages_that_change_nothing(client, at_decision, decision_maker):
    f.login_with_mfa(client, decision_maker)
    age_session(client, 16 * 60, login=False, activity=False)
    assert client.get(reverse("admin:registry_dossier_change", args=[at_decision.pk])).status_code == 200
