"""A second factor whose secret can no longer be decrypted (MFA_ENCRYPTION_KEY changed, or SECRET_KEY rotated while it
stood in for it): the person is refused with words that say what happened and whom to ask, the audit log records it,
nobody gets a 500, and a superuser's reset lets them set up a new one at their next sign-in."""

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from django.urls import reverse

from registry.accounts.models import AuditEvent
from tests import factories as f
from tests.accounts.test_security_auth import agent, sign_in, totp_code, verified  # noqa: F401  (agent: a fixture)

REFUSAL = "the registry can no longer read the secret it keeps for it"


@pytest.fixture
def rotated(agent, settings):  # noqa: F811  (the fixture imported above)
    """The agent set up an authenticator app and recovery codes under one key; the installation now has another."""
    settings.MFA_ENCRYPTION_KEY = "the key of the day the agent set it up"
    f.totp_authenticator(agent)
    RecoveryCodes.activate(agent)
    settings.MFA_ENCRYPTION_KEY = "the key configured since"
    return agent


@pytest.mark.parametrize("code", ["right", "wrong"])
def test_an_unreadable_secret_is_refused_clearly_and_audited_never_a_500(client, rotated, code):
    assert sign_in(client, rotated)["Location"] == reverse("mfa_authenticate")
    response = client.post(reverse("mfa_authenticate"), {"code": totp_code() if code == "right" else "000000"})
    assert response.status_code == 200
    assert (
        REFUSAL in response.text and "Ask the agency&#x27;s administrator to reset your second factor" in response.text
    )
    assert client.get(reverse("admin:index")).status_code == 302  # not signed in
    assert AuditEvent.objects.filter(action="mfa.unreadable", actor=rotated).count() == 1


def test_a_superuser_resets_the_second_factors_and_the_person_sets_up_a_new_one(client, rotated):
    superuser = f.user(is_superuser=True, staff=True)
    admin_client = client.__class__()
    f.login_with_mfa(admin_client, superuser)
    changelist = reverse("admin:mfa_authenticator_changelist")
    page = admin_client.get(changelist)
    assert page.status_code == 200 and rotated.email in page.text
    assert "data" not in page.text.split("<tbody>")[-1].split("</tbody>")[0]  # no secret shown, encrypted or not
    stored = Authenticator.objects.get(user=rotated, type=Authenticator.Type.TOTP).data["secret"]
    assert stored not in page.text and stored not in admin_client.get(changelist + "?q=" + rotated.email).text
    chosen = Authenticator.objects.filter(user=rotated, type=Authenticator.Type.TOTP).values_list("pk", flat=True)
    response = admin_client.post(
        changelist, {"action": "reset_second_factors", "_selected_action": list(chosen)}, follow=True
    )
    assert "The second factors of 1 person were removed" in response.text
    assert not Authenticator.objects.filter(user=rotated).exists()  # the recovery codes went too
    line = AuditEvent.objects.get(action="mfa.reset_by_administrator")
    assert (line.actor, line.object_id, line.detail["types"]) == (
        superuser,
        str(rotated.pk),
        ["recovery_codes", "totp"],
    )

    # At the next sign-in the password is enough to reach the setting up of a new second factor, and nothing more.
    assert sign_in(client, rotated).status_code == 302
    assert client.get(reverse("admin:index"))["Location"] == reverse("mfa_index")


def test_only_a_superuser_sees_or_resets_second_factors(client, rotated, reviewer, administrator):
    changelist = reverse("admin:mfa_authenticator_changelist")
    chosen = list(Authenticator.objects.filter(user=rotated).values_list("pk", flat=True))
    for staff in (reviewer, administrator):
        other = client.__class__()
        f.login_with_mfa(other, staff)
        assert other.get(changelist).status_code == 403
        other.post(changelist, {"action": "reset_second_factors", "_selected_action": chosen})
    assert Authenticator.objects.filter(user=rotated).count() == 2
    assert not AuditEvent.objects.filter(action="mfa.reset_by_administrator").exists()


def test_nobody_edits_or_deletes_a_second_factor_around_the_audited_reset(client, rotated):
    superuser = f.user(is_superuser=True, staff=True)
    f.login_with_mfa(client, superuser)
    totp = Authenticator.objects.get(user=rotated, type=Authenticator.Type.TOTP)
    assert client.get(reverse("admin:mfa_authenticator_delete", args=[totp.pk])).status_code == 403
    assert (
        client.post(reverse("admin:mfa_authenticator_change", args=[totp.pk]), {"type": "webauthn"}).status_code == 403
    )
    assert client.get(reverse("admin:mfa_authenticator_add")).status_code == 403
    totp.refresh_from_db()
    assert totp.type == Authenticator.Type.TOTP


# allauth's pages that manage second factors: the same refusal on each, with an audit line, and nothing changed.

PAGE_REFUSAL = "Your second factor cannot be managed here: the registry can no longer read the secret it keeps for it."
GUIDANCE = "Ask the agency&#x27;s administrator to reset your second factor"
MANAGEMENT_PAGES = [
    "mfa_index",
    "mfa_view_recovery_codes",
    "mfa_download_recovery_codes",
    "mfa_generate_recovery_codes",
    "mfa_activate_totp",
    "mfa_deactivate_totp",
    "mfa_list_webauthn",
    "mfa_add_webauthn",
    "mfa_edit_webauthn",
    "mfa_remove_webauthn",
]


@pytest.fixture
def security_key(rotated):
    """A security key beside the unreadable factors (its public key is not encrypted, so it still works)."""
    return Authenticator.objects.create(
        user=rotated, type=Authenticator.Type.WEBAUTHN, data={"name": "Desk key", "credential": {}}
    )


def page_url(name, key):
    return reverse(name, args=[key.pk]) if name in ("mfa_edit_webauthn", "mfa_remove_webauthn") else reverse(name)


def stored_factors(user):
    return sorted((a.type, str(a.data)) for a in Authenticator.objects.filter(user=user))


@pytest.mark.parametrize("method", ["get", "post"])
@pytest.mark.parametrize("name", MANAGEMENT_PAGES)
def test_every_second_factor_page_refuses_clearly_and_audits_never_a_500(
    client, rotated, security_key, settings, name, method
):
    f.login_with_mfa(client, rotated)
    before = stored_factors(rotated)
    response = getattr(client, method)(page_url(name, security_key), {"code": totp_code(), "name": "Renamed"})
    assert response.status_code == 409
    assert PAGE_REFUSAL in response.text and GUIDANCE in response.text
    assert response["Content-Type"].startswith("text/html")
    line = AuditEvent.objects.get(action="mfa.unreadable", actor=rotated)
    assert (line.detail["page"], line.detail["kinds"]) == (name, ["recovery_codes", "totp"])
    assert stored_factors(rotated) == before  # nothing generated, removed or renamed on top of a broken factor


def test_a_recovery_code_seed_alone_unreadable_is_refused_too(client, agent, settings):  # noqa: F811
    settings.MFA_ENCRYPTION_KEY = "the key of the day the codes were made"
    RecoveryCodes.activate(agent)
    settings.MFA_ENCRYPTION_KEY = "the key configured since"
    f.login_with_mfa(client, agent)  # the authenticator app, set up under the current key, reads fine
    for name in ("mfa_index", "mfa_view_recovery_codes", "mfa_download_recovery_codes"):
        response = client.get(reverse(name))
        assert (response.status_code, PAGE_REFUSAL in response.text) == (409, True)
    assert (
        AuditEvent.objects.filter(action="mfa.unreadable", actor=agent, detail__kinds=["recovery_codes"]).count() == 3
    )


def test_a_secret_the_page_meets_unforeseen_is_refused_the_same_way(client, rotated, monkeypatch):
    # The check before each page is the first net; a secret met while the page renders is caught by the second.
    from registry.accounts import auth

    f.login_with_mfa(client, rotated)
    monkeypatch.setattr(auth, "unreadable_second_factors", lambda user: [])
    response = client.get(reverse("mfa_index"))  # allauth's overview counts the unused recovery codes: it decrypts
    assert (response.status_code, PAGE_REFUSAL in response.text) == (409, True)
    assert AuditEvent.objects.filter(action="mfa.unreadable", actor=rotated).count() == 1


def test_readable_secrets_leave_the_pages_as_they_are(client, agent):  # noqa: F811
    f.login_with_mfa(client, agent)
    RecoveryCodes.activate(agent)
    response = client.get(reverse("mfa_index"))
    assert response.status_code == 200 and PAGE_REFUSAL not in response.text
    assert not AuditEvent.objects.filter(action="mfa.unreadable").exists()


def test_the_pages_confirming_who_one_is_keep_their_own_refusal(client, rotated):
    # Re-authentication is left to its forms: the code form refuses an unreadable secret itself (above), and a
    # security key that works must still confirm who one is.
    f.login_with_mfa(client, rotated)
    assert client.get(reverse("mfa_reauthenticate")).status_code == 200
    assert client.get(reverse("mfa_reauthenticate_webauthn")).status_code == 302  # no key: the other ways
    assert not AuditEvent.objects.filter(action="mfa.unreadable").exists()
