"""The centres' rules: a lapsed centre takes no new work, and four eyes extends to the evaluation centre (whoever
evaluates for a dossier's centre never instructs nor decides it), refused with a sentence a person can read."""

import pytest

from registry.evaluation.rules import approval_lapsed, centre_may_take_new_work
from registry.qualification.services import dossiers as svc
from registry.qualification.workflow import COMMITTEE, REVIEWERS, Refused
from tests import factories as f

pytestmark = pytest.mark.django_db

INDEPENDENCE = "You evaluate for this dossier's evaluation centre"


def test_a_centre_takes_new_work_only_while_its_approval_is_in_force():
    assert centre_may_take_new_work(f.evaluation_center())
    assert not centre_may_take_new_work(f.evaluation_center(active=False))
    assert not centre_may_take_new_work(None)


def test_an_evaluator_is_lapsed_when_their_access_or_their_centres_approval_ends():
    assert not approval_lapsed(f.evaluator())
    assert approval_lapsed(f.evaluator(active=False))
    assert approval_lapsed(f.evaluator(f.evaluation_center(active=False)))


def test_a_reviewer_who_evaluates_for_the_dossiers_centre_cannot_take_it(service, scheme, center, owner):
    dossier = f.complete(f.dossier(service, scheme, status="submitted", evaluation_center=center), owner)
    both = f.user(groups=[REVIEWERS])
    from registry.evaluation.models import Evaluator

    Evaluator.objects.create(user=both, centre=center)
    with pytest.raises(Refused, match=INDEPENDENCE):
        svc.dossier_take(dossier=dossier, by=both)


def test_a_reviewer_cannot_send_to_decision_a_dossier_of_the_centre_they_evaluate_for(
    complete_draft, walk, reviewer, center
):
    from registry.evaluation.models import Evaluator

    dossier = walk(complete_draft, "evaluation")
    f.evaluated(dossier, reviewer=reviewer)
    Evaluator.objects.create(user=reviewer, centre=center)
    with pytest.raises(Refused, match=INDEPENDENCE):
        svc.dossier_report(dossier=dossier, by=reviewer, recommendation="qualify")


def test_a_committee_member_who_evaluates_for_the_dossiers_centre_cannot_decide(complete_draft, walk, center):
    from registry.evaluation.models import Evaluator

    dossier = walk(complete_draft, "decision")
    member = f.user(groups=[COMMITTEE])
    Evaluator.objects.create(user=member, centre=center, active=False)  # even once their access ended
    for decide in (
        lambda: svc.dossier_qualify(dossier=dossier, by=member, scope="The service."),
        lambda: svc.dossier_reject(dossier=dossier, by=member, comment="No."),
    ):
        with pytest.raises(Refused, match=INDEPENDENCE):
            decide()


def test_an_evaluator_of_another_centre_decides_as_anyone_of_the_committee(complete_draft, walk):
    dossier = walk(complete_draft, "decision")
    member = f.user(groups=[COMMITTEE])
    from registry.evaluation.models import Evaluator

    Evaluator.objects.create(user=member, centre=f.evaluation_center())
    assert svc.dossier_reject(dossier=dossier, by=member, comment="No.").status == "rejected"


def test_the_independence_refusal_is_translated():
    from django.utils import translation

    from registry.qualification.workflow import Facts, _independent_of_the_centre

    with translation.override("en"):
        [reason] = _independent_of_the_centre(Facts(actor_evaluates_for_centre=True))
    assert reason.startswith(INDEPENDENCE)
    assert _independent_of_the_centre(Facts()) == []


def test_an_evaluator_cannot_create_an_organisation():
    from registry.providers.services import provider_create

    someone = f.evaluator(active=False)  # even once their access ended

    with pytest.raises(Refused, match="evaluates for an evaluation centre"):
        provider_create(by=someone.user, legal_name="Nuage Indépendant SAS")


def test_an_evaluator_cannot_accept_a_providers_invitation(provider, owner):
    from registry.providers.models import Membership
    from registry.providers.services import invitation_accept, invitation_create

    someone = f.evaluator()
    invitation = invitation_create(provider=provider, by=owner, email=someone.user.email, role="editor")

    with pytest.raises(Refused, match="evaluates for an evaluation centre"):
        invitation_accept(invitation=invitation, by=someone.user)
    assert not Membership.objects.filter(user=someone.user).exists()
