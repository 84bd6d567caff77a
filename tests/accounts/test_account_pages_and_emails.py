"""The account pages and e-mails are the registry's own: its words and look in both languages, links on SITE_URL, the
agency's contact where a page says to write to someone, and never a login name or the request's host."""

import re
from pathlib import Path

import pytest
from allauth.account.models import EmailConfirmationHMAC
from django.core import mail
from django.urls import reverse

from registry.accounts.models import UserPreference
from tests import factories as f

# Account e-mails go through the outbox's task: inline here even with REDIS_URL set.
pytestmark = pytest.mark.usefixtures("eager_tasks")

SITE = "https://registry.example.gouv"
CONTACT = "qualification@agency.example"
ALLAUTH_TEMPLATES = Path(__import__("allauth").__file__).parent / "templates"


@pytest.fixture(autouse=True)
def _site(settings):
    settings.SITE_URL = SITE
    settings.AGENCY_CONTACT_EMAIL = CONTACT


def html_of(message) -> str:
    [(html, mimetype)] = message.alternatives
    assert mimetype == "text/html"
    return html


def links(text: str) -> list[str]:
    return re.findall(r"https?://[^\s\"<>]+", text)


def assert_on_site(message):
    """Every link of the text and of the HTML starts with SITE_URL (the contact's mailto aside)."""
    found = links(message.body) + links(html_of(message))
    assert found
    assert all(link.startswith(SITE + "/") for link in found), found
    assert "testserver" not in message.body and "testserver" not in html_of(message)


def test_the_sign_up_email_is_the_registrys_own_with_site_url_links_and_no_host(
    client, db, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("account_signup"),
            {
                "email": "claire@nuage.test",
                "password1": "a-strong-passphrase-2026",
                "password2": "a-strong-passphrase-2026",
            },
            HTTP_HOST="testserver:6666",
        )
    assert response.status_code == 302
    [message] = mail.outbox
    assert message.to == ["claire@nuage.test"]
    assert message.subject == "Confirm your e-mail address – Trusted Cloud Registry"
    assert "Hello from" not in message.body and "6666" not in message.body
    assert re.search(re.escape(SITE) + r"/accounts/confirm-email/\S+/", message.body)
    assert_on_site(message)
    assert CONTACT in message.body and f"mailto:{CONTACT}" in html_of(message)
    assert '<html lang="en">' in html_of(message)
    assert message.extra_headers["Content-Language"] == "en"


def test_a_password_reset_never_names_the_login_and_links_to_site_url(client, db, django_capture_on_commit_callbacks):
    person = f.user(email="claire@nuage.test", username="claire.martin")
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("account_reset_password"), {"email": person.email})
    [message] = mail.outbox
    assert message.subject == "Reset your password – Trusted Cloud Registry"
    assert "claire.martin" not in message.body and "claire.martin" not in html_of(message)
    assert f"{SITE}/accounts/password/reset/key/" in message.body
    assert_on_site(message)


def test_a_reader_who_chose_french_gets_the_account_email_in_french_whatever_the_page(
    client, db, django_capture_on_commit_callbacks
):
    person = f.user(email="camille@nuage.test")
    UserPreference.objects.create(user=person, language="fr")
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("account_reset_password"), {"email": person.email}, HTTP_ACCEPT_LANGUAGE="en")
    [message] = mail.outbox
    assert message.extra_headers["Content-Language"] == "fr"
    assert '<html lang="fr">' in html_of(message)
    assert "Registre du cloud de confiance" in message.subject  # the site's name, from the French catalogue
    assert "Trusted Cloud Registry" not in html_of(message)


def test_a_newcomer_gets_the_email_in_the_language_of_the_sign_up_page(client, db, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("account_signup"),
            {
                "email": "lea@nuage.test",
                "password1": "a-strong-passphrase-2026",
                "password2": "a-strong-passphrase-2026",
            },
            HTTP_ACCEPT_LANGUAGE="fr",
        )
    [message] = mail.outbox
    assert message.extra_headers["Content-Language"] == "fr"
    assert '<html lang="fr">' in html_of(message)


def test_a_security_notice_says_when_and_from_where_and_whom_to_tell(client, owner, django_capture_on_commit_callbacks):
    f.login_with_mfa(client, owner)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("account_change_password"),
            {
                "oldpassword": f.PASSWORD,
                "password1": "another-long-passphrase-77",
                "password2": "another-long-passphrase-77",
            },
        )
    assert response.status_code == 302
    [message] = [m for m in mail.outbox if m.to == [owner.email]]
    assert message.subject == "Your password was changed – Trusted Cloud Registry"
    assert "from the address 127.0.0.1" in message.body
    assert f"{SITE}/accounts/password/reset/" in message.body
    assert CONTACT in message.body
    assert_on_site(message)


def test_an_unknown_address_is_told_so_and_pointed_to_the_start_page(client, db, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("account_reset_password"), {"email": "nobody@nuage.test"})
    [message] = mail.outbox
    assert message.subject == "No account with this address – Trusted Cloud Registry"
    assert f"{SITE}/apply/" in message.body
    assert_on_site(message)


# --- the pages ------------------------------------------------------------------------------------------------------

ANONYMOUS_PAGES = [
    reverse("account_login"),
    reverse("account_signup"),
    reverse("account_email_verification_sent"),
    reverse("account_confirm_email", args=["not-a-key"]),
    reverse("account_reset_password"),
    reverse("account_reset_password_done"),
    reverse("account_reset_password_from_key", kwargs={"uidb36": "1", "key": "not-a-key"}),
    reverse("account_reset_password_from_key_done"),
    reverse("account_inactive"),
]
SIGNED_IN_PAGES = [
    reverse("account_email"),
    reverse("account_change_password"),
    reverse("account_logout"),
    reverse("account_reauthenticate"),
    reverse("mfa_index"),
    reverse("mfa_list_webauthn"),
    reverse("mfa_view_recovery_codes"),
    reverse("mfa_generate_recovery_codes"),
    reverse("mfa_deactivate_totp"),
    reverse("mfa_add_webauthn"),
    reverse("usersessions_list"),
]


def stock_templates(response) -> list[str]:
    """The templates of the page that came from allauth's package rather than from ours."""
    return sorted(
        {t.origin.name for t in response.templates if t.origin and t.origin.name.startswith(str(ALLAUTH_TEMPLATES))}
    )


@pytest.mark.parametrize("language", ["en", "fr"])
def test_no_account_page_a_visitor_sees_is_allauths_stock(client, db, language):
    for url in ANONYMOUS_PAGES:
        response = client.get(url, HTTP_ACCEPT_LANGUAGE=language)
        assert response.status_code == 200, url
        assert stock_templates(response) == [], url
        assert f'<html lang="{language}">' in response.text
        assert "/static/bootstrap/css/bootstrap.min.css" in response.text


@pytest.mark.parametrize("language", ["en", "fr"])
def test_no_account_page_a_signed_in_provider_sees_is_allauths_stock(client, owner, language):
    from allauth.account.models import EmailAddress
    from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes

    EmailAddress.objects.create(user=owner, email=owner.email, verified=True, primary=True)
    f.login_with_mfa(client, owner)
    RecoveryCodes.activate(owner)
    client.post(reverse("account_reauthenticate"), {"password": f.PASSWORD})  # second-factor pages ask for it
    for url in SIGNED_IN_PAGES:
        response = client.get(url, HTTP_ACCEPT_LANGUAGE=language)
        assert response.status_code == 200, url
        assert stock_templates(response) == [], url


def test_the_second_factor_step_of_a_sign_in_is_ours(client, owner):
    from allauth.account.models import EmailAddress

    EmailAddress.objects.create(user=owner, email=owner.email, verified=True, primary=True)
    f.totp_authenticator(owner)
    response = client.post(reverse("account_login"), {"login": owner.email, "password": f.PASSWORD}, follow=True)
    assert response.request["PATH_INFO"] == reverse("mfa_authenticate")
    assert stock_templates(response) == []
    assert "Second factor" in response.text
    assert "Code from your app, or a recovery code" in response.text and "placeholder=" not in response.text


def test_the_french_sign_up_page_is_titled_in_french(client, db):
    page = client.get(reverse("account_signup"), HTTP_ACCEPT_LANGUAGE="fr")
    assert re.search(r"<title>\s*Créer un compte", page.text)
    assert "Sign Up" not in page.text and "Signup" not in page.text


@pytest.mark.parametrize(
    "url",
    [reverse("account_email_verification_sent"), reverse("account_reset_password"), reverse("account_inactive")],
)
def test_a_page_that_says_to_write_to_the_agency_gives_its_address(client, db, url):
    page = client.get(url)
    assert f'href="mailto:{CONTACT}"' in page.text
    assert "Please contact us" not in page.text


def test_a_person_is_shown_by_their_address_never_by_a_login_name(client, db):
    person = f.user(email="claire@nuage.test", username="claire.martin")
    f.login_with_mfa(client, person)
    page = client.get(reverse("account_reset_password"))
    assert "claire@nuage.test" in page.text
    assert "claire.martin" not in page.text


def test_the_forms_have_the_registrys_labels_and_no_placeholder_standing_for_a_label(client, db):
    signup = client.get(reverse("account_signup")).text
    assert re.search(r"<label[^>]*for=\"id_email\"[^>]*>\s*E-mail address", signup)
    assert "The same password again" in signup
    login = client.get(reverse("account_login")).text
    assert f'<a href="{reverse("account_reset_password")}">Forgotten your password?</a>' in login
    for page in (signup, login, client.get(reverse("account_reset_password")).text):
        assert "placeholder=" not in page.split("<main", 1)[1]


def test_the_security_keys_list_stacks_on_a_phone_and_names_each_key(client, owner):
    from allauth.account.models import EmailAddress
    from allauth.mfa.models import Authenticator

    EmailAddress.objects.create(user=owner, email=owner.email, verified=True, primary=True)
    f.login_with_mfa(client, owner)
    Authenticator.objects.create(user=owner, type=Authenticator.Type.WEBAUTHN, data={"name": "Office key"})
    page = client.get(reverse("mfa_list_webauthn"))
    assert page.status_code == 200
    assert stock_templates(page) == []
    assert 'class="table align-middle table-stack"' in page.text
    assert re.search(r'<td data-label="Key"><span>Office key', page.text)
    assert "Never used yet." in page.text


def test_the_notice_of_a_changed_address_reaches_the_old_one_in_its_owners_language(
    client, owner, django_capture_on_commit_callbacks
):
    from allauth.account.models import EmailAddress

    UserPreference.objects.create(user=owner, language="fr")
    EmailAddress.objects.create(user=owner, email=owner.email, verified=True, primary=True)
    new = EmailAddress.objects.create(user=owner, email="new@nuage.test", verified=False)
    old_address = owner.email
    f.login_with_mfa(client, owner)
    confirmation = EmailConfirmationHMAC(new)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("account_confirm_email", args=[confirmation.key]), HTTP_ACCEPT_LANGUAGE="en")
    [notice] = [m for m in mail.outbox if m.to == [old_address]]
    assert notice.extra_headers["Content-Language"] == "fr"
    assert "new@nuage.test" in notice.body
