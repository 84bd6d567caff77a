"""The organisation in the portal: profile, ownership (19.6.b), history (19.6.f), members and invitations."""

import re
from decimal import Decimal

import pytest
from django.core import mail
from django.urls import reverse

from registry.providers.models import Invitation, Membership, Shareholder
from tests import factories as f


def holders_data(rows, initial=0):
    data = {
        "holders-TOTAL_FORMS": str(len(rows)),
        "holders-INITIAL_FORMS": str(initial),
        "holders-MIN_NUM_FORMS": "0",
        "holders-MAX_NUM_FORMS": "1000",
    }
    for i, row in enumerate(rows):
        for key, value in row.items():
            data[f"holders-{i}-{key}"] = value
    return data


PROFILE = {
    "legal_name": "Nuage Souverain SAS",
    "registration_id": "RCS Paris 123",
    "website": "https://nuage.example",
    "description": "",
    "registered_office_country": "FR",
    "central_administration_country": "FR",
    "principal_establishment_country": "FR",
}


def test_an_editor_updates_the_profile_and_the_owner_sees_it_in_the_history(client, provider, owner, editor):
    client.force_login(editor)
    response = client.post(
        reverse("portal:provider-edit", args=[provider.slug]), PROFILE | {"central_administration_country": "US"}
    )
    assert response.status_code == 302
    provider.refresh_from_db()
    assert provider.central_administration_country == "US"
    page = client.get(reverse("portal:provider", args=[provider.slug]))
    assert "Outside the EU: central administration (United States of America)" in page.text

    client.force_login(owner)
    history = client.get(reverse("portal:history", args=[provider.slug]))
    assert history.status_code == 200
    assert "editor@nuage.test" in history.text
    assert "<del>FR</del> → <ins>US</ins>" in history.text


def test_a_wrong_country_is_refused_next_to_its_field_and_nothing_is_saved(client, provider, editor):
    client.force_login(editor)
    response = client.post(
        reverse("portal:provider-edit", args=[provider.slug]),
        PROFILE | {"registered_office_country": "XX", "legal_name": "Renamed"},
    )
    assert response.status_code == 200
    assert "Select a valid choice. XX is not one of the available choices." in response.text
    provider.refresh_from_db()
    assert provider.legal_name == "Nuage Souverain SAS"


def test_the_owner_declares_shareholders_and_sees_the_result_against_the_caps(client, provider, owner, scheme):
    client.force_login(owner)
    url = reverse("portal:ownership", args=[provider.slug])
    rows = [
        {"name": "Founders", "country": "FR", "capital_percent": "70", "voting_percent": "70"},
        {"name": "Big Cloud Inc.", "country": "US", "capital_percent": "30", "voting_percent": "30"},
    ]
    response = client.post(url, holders_data(rows))
    assert response.status_code == 302
    assert Shareholder.objects.filter(provider=provider).count() == 2
    page = client.get(url)
    assert "Above 24" in page.text and "Big Cloud Inc." in page.text
    assert "Non-EU entities hold 30.00 % of capital" in page.text


@pytest.mark.parametrize(
    "rows, message",
    [
        (
            [
                {"name": "A", "country": "FR", "capital_percent": "80", "voting_percent": "50"},
                {"name": "B", "country": "DE", "capital_percent": "40", "voting_percent": "50"},
            ],
            "The shareholders hold 130 % of the share capital in all; the total cannot exceed 100 %.",
        ),
        (
            [{"name": "A", "country": "FR", "capital_percent": "150", "voting_percent": "10"}],
            "Ensure this value is less than or equal to 100.",
        ),
        (
            [{"name": "A", "country": "ZZ", "capital_percent": "10", "voting_percent": "10"}],
            "Select a valid choice. ZZ is not one of the available choices.",
        ),
    ],
    ids=["total-above-100", "percentage-150", "wrong-country"],
)
def test_bad_ownership_is_refused_with_a_clear_message_and_the_saved_holders_stay(
    client, provider, owner, scheme, rows, message
):
    kept = f.shareholder(provider, name="Kept Holding", capital_percent=Decimal(10), voting_percent=Decimal(10))
    client.force_login(owner)
    data = holders_data(
        [
            {
                "id": str(kept.pk),
                "name": "Kept Holding",
                "country": "FR",
                "capital_percent": "10",
                "voting_percent": "10",
            },
            *rows,
        ],
        initial=1,
    )
    response = client.post(reverse("portal:ownership", args=[provider.slug]), data)
    assert response.status_code == 200
    assert message in response.text
    assert list(Shareholder.objects.filter(provider=provider).values_list("name", flat=True)) == ["Kept Holding"]


def test_a_viewer_reads_the_ownership_but_cannot_change_it(client, provider, viewer, scheme):
    f.shareholder(provider, name="Founders")
    client.force_login(viewer)
    url = reverse("portal:ownership", args=[provider.slug])
    page = client.get(url)
    assert page.status_code == 200 and "Founders" in page.text and "holders-TOTAL_FORMS" not in page.text
    assert client.post(url, holders_data([])).status_code == 403
    assert Shareholder.objects.filter(provider=provider).count() == 1


def test_removing_a_shareholder_is_kept_in_the_history(client, provider, owner, scheme):
    holder = f.shareholder(provider, name="Departing Fund", country="LU")
    client.force_login(owner)
    data = holders_data(
        [
            {
                "id": str(holder.pk),
                "name": "Departing Fund",
                "country": "LU",
                "capital_percent": "50",
                "voting_percent": "50",
                "DELETE": "on",
            }
        ],
        initial=1,
    )
    assert client.post(reverse("portal:ownership", args=[provider.slug]), data).status_code == 302
    assert not Shareholder.objects.filter(provider=provider).exists()
    history = client.get(reverse("portal:history", args=[provider.slug])).text
    assert "Departing Fund" in history and "removed" in history


@pytest.mark.usefixtures("eager_tasks")  # the invitation goes through the outbox's task
def test_the_owner_invites_a_member_who_accepts_with_the_invited_address(
    client, provider, owner, django_capture_on_commit_callbacks
):
    client.force_login(owner)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("portal:members", args=[provider.slug]), {"email": "New.Editor@nuage.test", "role": "editor"}
        )
    assert response.status_code == 302
    invitation = Invitation.objects.get(provider=provider)
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["new.editor@nuage.test"]
    link = re.search(r"(/portal/invitations/[^\s]+/)", mail.outbox[0].body).group(1)

    stranger = f.user(email="someone.else@nuage.test")
    client.force_login(stranger)
    page = client.post(link, follow=True)
    assert "This invitation was sent to new.editor@nuage.test" in page.text
    assert not Membership.objects.filter(user=stranger).exists()

    newcomer = f.user(email="new.editor@nuage.test")
    client.force_login(newcomer)
    assert client.get(link).status_code == 200
    assert client.post(link).status_code == 302
    assert Membership.objects.get(user=newcomer, provider=provider).role == "editor"
    invitation.refresh_from_db()
    assert invitation.accepted_by == newcomer
    assert "already been used" in client.post(link, follow=True).text


def test_inviting_an_existing_member_or_twice_says_why(client, provider, owner, editor):
    client.force_login(owner)
    url = reverse("portal:members", args=[provider.slug])
    assert (
        "is already a member of this organisation" in client.post(url, {"email": editor.email, "role": "viewer"}).text
    )
    client.post(url, {"email": "x@nuage.test", "role": "viewer"})
    assert (
        "An invitation to x@nuage.test is already waiting."
        in client.post(url, {"email": "x@nuage.test", "role": "viewer"}).text
    )


def test_only_owners_invite_change_roles_and_remove(client, provider, owner, editor, viewer):
    client.force_login(editor)
    assert (
        client.post(reverse("portal:members", args=[provider.slug]), {"email": "x@y.test", "role": "owner"}).status_code
        == 403
    )
    viewer_membership = Membership.objects.get(user=viewer)
    assert (
        client.post(
            reverse("portal:member-role", args=[provider.slug, viewer_membership.pk]), {"role": "owner"}
        ).status_code
        == 403
    )
    assert client.post(reverse("portal:member-remove", args=[provider.slug, viewer_membership.pk])).status_code == 403
    viewer_membership.refresh_from_db()
    assert viewer_membership.role == "viewer"
    assert not Invitation.objects.exists()


def test_the_last_owner_can_neither_leave_nor_be_demoted(client, provider, owner, editor):
    client.force_login(owner)
    mine = Membership.objects.get(user=owner)
    page = client.post(reverse("portal:member-remove", args=[provider.slug, mine.pk]), follow=True)
    assert "The last owner cannot leave the organisation" in page.text
    page = client.post(reverse("portal:member-role", args=[provider.slug, mine.pk]), {"role": "editor"}, follow=True)
    assert "The organisation needs at least one owner" in page.text
    mine.refresh_from_db()
    assert mine.role == "owner"
    # With a second owner, the first may step down.
    client.post(
        reverse("portal:member-role", args=[provider.slug, Membership.objects.get(user=editor).pk]), {"role": "owner"}
    )
    client.post(reverse("portal:member-role", args=[provider.slug, mine.pk]), {"role": "editor"})
    mine.refresh_from_db()
    assert mine.role == "editor"


def test_a_member_may_leave(client, provider, owner, viewer):
    client.force_login(viewer)
    membership = Membership.objects.get(user=viewer)
    assert client.post(reverse("portal:member-remove", args=[provider.slug, membership.pk])).status_code == 302
    assert not Membership.objects.filter(user=viewer).exists()


def test_only_an_owner_can_require_two_factor_authentication_of_every_member(client, provider, owner, editor):
    url = reverse("portal:require-mfa", args=[provider.slug])
    client.force_login(editor)
    assert client.post(url, {"require_mfa": "on"}).status_code == 403
    provider.refresh_from_db()
    assert not provider.require_mfa
    client.force_login(owner)
    assert client.post(url, {"require_mfa": "on"}).status_code == 302
    provider.refresh_from_db()
    assert provider.require_mfa


def test_the_ownership_page_asks_for_the_holders_above_the_schemes_declaration_threshold(
    client, provider, owner, scheme
):
    client.force_login(owner)
    url = reverse("portal:ownership", args=[provider.slug])
    assert "Declare every holder above 5 %" in client.get(url).content.decode()

    scheme.declaration_threshold_percent = Decimal("2.5")
    scheme.save(update_fields=["declaration_threshold_percent"])

    assert "Declare every holder above 2.50 %" in client.get(url).content.decode()
