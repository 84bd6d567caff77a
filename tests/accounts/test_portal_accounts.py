"""Accounts: a newcomer signs up, confirms the e-mail from the outbox, signs in and registers the organisation."""

import re

import pytest
from django.core import mail
from django.urls import reverse

from registry.providers.models import Membership, Provider

# Account e-mails go through the outbox's task: inline here even with REDIS_URL set.
pytestmark = pytest.mark.usefixtures("eager_tasks")


def confirmation_link(message) -> str:
    match = re.search(r"https?://[^/\s]+(/accounts/confirm-email/[^\s]+/)", message.body)
    assert match, message.body
    return match.group(1)


def test_a_newcomer_signs_up_verifies_the_email_and_registers_the_organisation(
    client, db, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):  # the outbox sends after the commit
        response = client.post(
            reverse("account_signup"),
            {
                "email": "Claire@Nuage.test",
                "password1": "a-strong-passphrase-2026",
                "password2": "a-strong-passphrase-2026",
            },
        )
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["claire@nuage.test"]

    # Unverified: the portal is not open yet.
    assert not client.post(
        reverse("account_login"), {"login": "claire@nuage.test", "password": "a-strong-passphrase-2026"}
    ).wsgi_request.user.is_authenticated

    link = confirmation_link(mail.outbox[0])
    assert client.get(link).status_code == 200
    assert client.post(link).status_code == 302
    client.logout()
    response = client.post(
        reverse("account_login"), {"login": "claire@nuage.test", "password": "a-strong-passphrase-2026"}
    )
    assert response.status_code == 302

    assert client.get(reverse("portal:home")).status_code == 200
    response = client.post(
        reverse("portal:provider-new"),
        {
            "legal_name": "Nuage Claire SAS",
            "registration_id": "RCS Lyon 912 345 678",
            "website": "nuage-claire.example",
            "description": "",
            "registered_office_country": "FR",
            "central_administration_country": "FR",
            "principal_establishment_country": "DE",
        },
    )
    provider = Provider.objects.get(legal_name="Nuage Claire SAS")
    assert response.status_code == 302
    assert response["Location"] == reverse("portal:provider", args=[provider.slug])
    assert provider.website == "https://nuage-claire.example"
    assert Membership.objects.get(provider=provider).role == "owner"


def test_a_weak_password_is_refused_next_to_its_field(client, db):
    response = client.post(reverse("account_signup"), {"email": "a@b.test", "password1": "123", "password2": "123"})
    assert response.status_code == 200
    assert "This password is too short" in response.text
    assert not mail.outbox


def test_the_sign_in_page_wears_the_portal_look_and_no_cdn(client, db):
    page = client.get(reverse("account_login"))
    assert page.status_code == 200
    assert "/static/bootstrap/css/bootstrap.min.css" in page.text
    assert "Trusted Cloud Registry" in page.text
    assert "cdn" not in page.text.lower()


def test_a_password_reset_email_reaches_the_outbox(client, owner, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("account_reset_password"), {"email": owner.email})
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    assert "/accounts/password/reset/key/" in mail.outbox[0].body


def test_every_link_of_an_account_email_comes_from_site_url_whatever_the_host_header(
    client, owner, settings, django_capture_on_commit_callbacks
):
    settings.SITE_URL = "https://registry.example.gouv"
    # An allowed name on a port of the sender's choosing: Django checks the name, not the port.
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("account_reset_password"), {"email": owner.email}, HTTP_HOST="testserver:6666")
    [message] = mail.outbox
    links = re.findall(r"https?://\S+", message.body)
    assert links
    assert all(link.startswith("https://registry.example.gouv/") for link in links), links
    assert "6666" not in message.body
    assert "testserver" not in message.body
