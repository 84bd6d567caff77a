"""The start page before sign-up (/apply/): what applying takes, for anyone, linked from the home and the sign-up page."""

import re

import pytest
from django.urls import reverse

from tests import factories as f

pytestmark = pytest.mark.django_db


def test_an_anonymous_visitor_reads_what_applying_takes(client, settings, django_assert_max_num_queries):
    settings.AGENCY_CONTACT_EMAIL = "qualification@agency.example"
    scheme = f.scheme()
    f.evaluation_center(name="CESTI Lyon")
    f.evaluation_center(name="CESTI Closed", active=False)
    # The scheme, its requirements counted, the approved centres.
    with django_assert_max_num_queries(3):
        page = client.get(reverse("registry:apply"))
    assert page.status_code == 200
    for heading in (
        "Who can apply",
        "What you will need",
        "The steps and how long they take",
        "What is public, and when",
        "Questions",
    ):
        assert f">{heading}</h2>" in page.text
    assert f"wants it qualified under {scheme}" in page.text
    assert "Ownership and shareholders:" in page.text and "Sites and third parties:" in page.text
    assert "CESTI Lyon" in page.text and "CESTI Closed" not in page.text  # only centres whose approval is in force
    assert "Information security policy" in page.text  # the scheme's documents required at submission
    assert "valid 36 months" in page.text
    assert 'href="mailto:qualification@agency.example"' in page.text
    assert f'href="{reverse("account_signup")}"' in page.text


def test_the_requirements_counted_are_the_ones_a_provider_answers(client):
    scheme = f.scheme()
    answered = scheme.requirements.filter(children__isnull=True).count()
    assert answered
    page = client.get(reverse("registry:apply"))
    assert re.search(rf"for each of the scheme.s {answered} requirements", page.text)


def test_the_page_reads_without_a_scheme_yet(client):
    page = client.get(reverse("registry:apply"))
    assert page.status_code == 200
    assert "wants it qualified." in page.text


def test_a_signed_in_member_is_pointed_to_the_portal_rather_than_to_sign_up(client, owner):
    client.force_login(owner)
    page = client.get(reverse("registry:apply"))
    assert f'href="{reverse("portal:home")}"' in page.text
    assert f'href="{reverse("account_signup")}"' not in page.text.split("<main", 1)[1]


def test_the_home_and_the_sign_up_page_link_to_it_and_it_links_back(client):
    start = f'href="{reverse("registry:apply")}"'
    assert start in client.get(reverse("registry:home")).text
    assert start in client.get(reverse("account_signup")).text
    assert start in client.get(reverse("account_login")).text


@pytest.mark.parametrize("language", ["en", "fr"])
def test_it_is_served_in_the_readers_language(client, language):
    page = client.get(reverse("registry:apply"), HTTP_ACCEPT_LANGUAGE=language)
    assert f'<html lang="{language}">' in page.text
    assert ("Créer un compte" in page.text) == (language == "fr")
