"""A registry administrator invites evaluators of an approved centre from the centre's admin page; the invitee
accepts by the e-mailed link, signed in with the invited address, and becomes the centre's evaluator. The agency's
staff and providers' members cannot become evaluators (independence); nobody else may invite."""

import re

import pytest
from django.urls import reverse

from registry.accounts.models import AuditEvent
from registry.evaluation import services
from registry.evaluation.models import Evaluator, EvaluatorInvitation
from registry.notifications.models import OutgoingEmail
from registry.qualification.workflow import Refused
from tests import factories as f
from tests.agency.test_admin_providers import change_url, edit

pytestmark = pytest.mark.django_db


def invite_in_admin(client, centre, email):
    return edit(
        client,
        centre,
        **{"evaluator_invitations-TOTAL_FORMS": "1", "evaluator_invitations-0-email": email},
    )


def test_an_administrator_invites_an_evaluator_from_the_centres_admin_page(client, administrator, center):
    f.login_with_mfa(client, administrator)
    response = invite_in_admin(client, center, "Eva@Centre.test")
    assert response.status_code == 302, response.content.decode()[:2000]
    invitation = EvaluatorInvitation.objects.get()
    assert (invitation.centre, invitation.email, invitation.invited_by) == (center, "eva@centre.test", administrator)
    [message] = OutgoingEmail.objects.filter(kind="evaluator_invitation")
    assert message.recipient == "eva@centre.test"
    assert f"/centre/invitations/{invitation.token}/" in message.body
    line = AuditEvent.objects.get(action="evaluator_invitation.create")
    assert line.actor == administrator


@pytest.mark.parametrize("who", ["reviewer", "decision_maker"])
def test_reviewers_and_decision_makers_cannot_invite_an_evaluator(client, request, center, who):
    person = request.getfixturevalue(who)
    with pytest.raises(Refused, match="Only a registry administrator"):
        services.evaluator_invite(centre=center, by=person, email="eva@centre.test")
    f.login_with_mfa(client, person)
    response = client.post(
        change_url(center),
        {"name": center.name, "country": "FR", "approval_reference": center.approval_reference, "active": "on",
         "evaluator_invitations-TOTAL_FORMS": "1", "evaluator_invitations-INITIAL_FORMS": "0",
         "evaluator_invitations-0-email": "eva@centre.test"},
    )  # fmt: skip
    assert response.status_code == 403
    assert not EvaluatorInvitation.objects.exists()


def test_a_centre_whose_approval_lapsed_gets_no_new_evaluator(administrator):
    lapsed = f.evaluation_center(active=False)
    with pytest.raises(Refused, match="approval is not in force"):
        services.evaluator_invite(centre=lapsed, by=administrator, email="eva@centre.test")


def test_the_invitation_is_written_in_the_invitees_language_when_known(administrator, center):
    from registry.accounts.preferences import user_language_set

    person = f.user(email="eva@centre.test")
    user_language_set(user=person, language="fr")
    services.evaluator_invite(centre=center, by=administrator, email="eva@centre.test")
    assert OutgoingEmail.objects.get(kind="evaluator_invitation").language == "fr"


def test_the_invitee_accepts_by_the_link_and_becomes_an_evaluator_of_the_centre(client, administrator, center):
    services.evaluator_invite(centre=center, by=administrator, email="eva@centre.test")
    body = OutgoingEmail.objects.get(kind="evaluator_invitation").body
    link = re.search(r"(/centre/invitations/[^\s]+/)", body).group(1)
    anonymous = client.get(link)
    assert anonymous.status_code == 302 and reverse("account_login") in anonymous["Location"]
    person = f.user(email="eva@centre.test")
    client.force_login(person)
    assert client.get(link).status_code == 200
    response = client.post(link)
    assert response.status_code == 302 and response["Location"] == reverse("centre:home")
    evaluator = Evaluator.objects.get(user=person)
    assert evaluator.centre == center and evaluator.active and evaluator.invited_by == administrator
    assert EvaluatorInvitation.objects.get().accepted_by == person
    assert AuditEvent.objects.get(action="evaluator_invitation.accept").actor == person


def test_only_the_invited_address_accepts(administrator, center):
    invitation = services.evaluator_invite(centre=center, by=administrator, email="eva@centre.test")
    with pytest.raises(Refused, match="sent to eva@centre.test"):
        services.evaluator_invitation_accept(invitation=invitation, by=f.user(email="someone@else.test"))


@pytest.mark.parametrize("groups", [["Reviewers"], ["Qualification committee"], ["Registry administrators"]])
def test_the_agencys_staff_cannot_accept_an_evaluator_invitation(administrator, center, groups):
    invitation = services.evaluator_invite(centre=center, by=administrator, email="staff@agency.test")
    staff = f.user(email="staff@agency.test", groups=groups)
    with pytest.raises(Refused, match="independent of the agency"):
        services.evaluator_invitation_accept(invitation=invitation, by=staff)
    assert not Evaluator.objects.exists()


def test_a_providers_member_cannot_accept_an_evaluator_invitation(administrator, center, provider):
    invitation = services.evaluator_invite(centre=center, by=administrator, email="member@nuage.test")
    member = f.member(provider, "viewer", email="member@nuage.test")
    with pytest.raises(Refused, match="independent of the providers"):
        services.evaluator_invitation_accept(invitation=invitation, by=member)


def test_an_invitation_is_used_once(administrator, center):
    invitation = services.evaluator_invite(centre=center, by=administrator, email="eva@centre.test")
    person = f.user(email="eva@centre.test")
    services.evaluator_invitation_accept(invitation=invitation, by=person)
    with pytest.raises(Refused, match="already been used"):
        services.evaluator_invitation_accept(invitation=invitation, by=person)


def test_an_administrator_turns_an_evaluators_access_off_with_an_audit_line(administrator, center):
    evaluator = f.evaluator(center)
    services.evaluator_set_active(evaluator=evaluator, by=administrator, active=False)
    evaluator.refresh_from_db()
    assert not evaluator.active
    assert AuditEvent.objects.get(action="evaluator.update").actor == administrator


def test_the_centres_admin_page_lists_the_open_dossiers_it_holds(client, administrator, center, complete_draft, walk):
    dossier = walk(complete_draft, "evaluation")
    center.active = False
    center.save()
    f.login_with_mfa(client, administrator)
    page = client.get(change_url(center)).content.decode()
    assert dossier.reference in page and "Open dossiers it holds" in page
