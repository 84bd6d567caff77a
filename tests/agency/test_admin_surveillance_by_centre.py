"""The centre's work on a surveillance audit's page in the agency's workspace: the plan (the audit's instructing
reviewer validates it or asks for changes; anyone else who never makes this decision gets 403), the verdicts and the
report (downloaded through the admin's document view), then the outcome form; the assignment offers the certificate's
own centre first and refuses a reviewer who evaluates for the chosen centre."""

import datetime

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from registry.certificates import surveillance as certificates
from registry.certificates.models import SurveillanceAudit
from registry.evaluation import surveillance as work
from registry.evaluation.models import EvaluationPlan, Evaluator
from registry.qualification.models import Dossier
from registry.qualification.workflow import REVIEWERS
from tests import factories as f

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("eager_tasks")]

DAY = datetime.timedelta(days=1)


def today():
    return timezone.localdate()


@pytest.fixture
def audit_obj(service, scheme, reviewer, center):
    certificate = f.certificate(service, scheme, issued_on=today() - 400 * DAY)
    audit_obj = SurveillanceAudit.objects.create(certificate=certificate, sequence=1, due_on=today())
    return certificates.audit_assign(audit_obj=audit_obj, by=reviewer, evaluation_center=center, reviewer=reviewer)


@pytest.fixture
def evaluator(center):
    return f.evaluator(center, email="eva@centre-a.test")


@pytest.fixture
def plan(audit_obj, evaluator):
    return work.audit_plan_file(
        audit_obj=audit_obj, by=evaluator.user, scope="Logging and access reviews.", sites=[],
        other_locations="The provider's operations centre.", starts_on=today() + DAY, ends_on=today() + 2 * DAY,
        team="Eva Evaluator, lead",
    )  # fmt: skip


def signed_in(person):
    client = Client()
    f.login_with_mfa(client, person)
    return client


def page(audit_obj):
    return reverse("admin:registry_surveillanceaudit_change", args=[audit_obj.pk])


def validate_url(plan):
    return reverse("admin:registry_surveillanceaudit_plan_validate", args=[plan.surveillance_audit_id, plan.pk])


def changes_url(plan):
    return reverse("admin:registry_surveillanceaudit_plan_changes", args=[plan.surveillance_audit_id, plan.pk])


def test_the_audits_reviewer_reads_the_plan_and_validates_it(plan, reviewer):
    client = signed_in(reviewer)
    content = client.get(page(plan.surveillance_audit)).content.decode()
    assert "Logging and access reviews." in content and validate_url(plan) in content and changes_url(plan) in content
    assert 'for="tcr-audit-plan-comment"' in content
    response = client.post(validate_url(plan))
    assert response.status_code == 302 and response["Location"].endswith("#tcr-audit-plan")
    assert EvaluationPlan.objects.get(pk=plan.pk).state == "validated"


def test_the_audits_reviewer_asks_for_changes_with_a_comment(plan, reviewer):
    client = signed_in(reviewer)
    response = client.post(changes_url(plan), {"comment": " "}, follow=True)
    assert "Say what the centre should change" in response.content.decode()
    client.post(changes_url(plan), {"comment": "Visit the storage site."})
    plan.refresh_from_db()
    assert (plan.state, plan.review_comment) == ("changes_requested", "Visit the storage site.")


@pytest.mark.parametrize("who", ["second_reviewer", "decision_maker", "administrator"])
def test_other_agency_members_read_the_plan_but_their_review_is_403(request, who, plan):
    client = signed_in(request.getfixturevalue(who))
    content = client.get(page(plan.surveillance_audit)).content.decode()
    assert "Logging and access reviews." in content and validate_url(plan) not in content
    assert client.post(validate_url(plan)).status_code == 403
    assert client.post(changes_url(plan), {"comment": "No."}).status_code == 403
    assert EvaluationPlan.objects.get(pk=plan.pk).state == "filed"


def test_a_reviewer_who_evaluates_for_the_centre_gets_403(plan, center):
    both = f.user(groups=[REVIEWERS])
    Evaluator.objects.create(user=both, centre=center)
    SurveillanceAudit.objects.filter(pk=plan.surveillance_audit_id).update(reviewer=both)
    assert signed_in(both).post(validate_url(plan)).status_code == 403
    assert EvaluationPlan.objects.get(pk=plan.pk).state == "filed"


def test_a_version_already_reviewed_comes_back_as_a_message(plan, reviewer):
    client = signed_in(reviewer)
    client.post(validate_url(plan))
    response = client.post(changes_url(plan), {"comment": "Too late."}, follow=True)
    assert response.status_code == 200 and "not waiting for the agency" in response.content.decode()


def test_staff_outside_the_agency_and_a_plan_of_another_audit(plan, reviewer, audit_obj):
    staff = signed_in(f.user(staff=True))
    assert staff.post(validate_url(plan)).status_code == 403
    other = SurveillanceAudit.objects.create(certificate=audit_obj.certificate, sequence=2, due_on=today())
    url = reverse("admin:registry_surveillanceaudit_plan_validate", args=[other.pk, plan.pk])
    assert signed_in(reviewer).post(url).status_code == 404
    assert signed_in(reviewer).get(validate_url(plan)).status_code == 405


def test_the_page_shows_the_verdicts_and_the_report_then_the_outcome_form(audit_obj, evaluator, reviewer):
    client = signed_in(reviewer)
    content = client.get(page(audit_obj)).content.decode()
    assert "has not submitted its report yet" in content
    f.audited(audit_obj, evaluator.user, reviewer)
    content = client.get(page(audit_obj)).content.decode()
    [report] = audit_obj.technical_reports.all()
    assert "The service still meets the requirements audited." in content
    assert reverse("admin:registry_document_download", args=[report.document_id]) in content
    assert "The access reviews of the last quarter." in content
    assert reverse("admin:registry_surveillanceaudit_outcome", args=[audit_obj.pk]) in content
    assert f"/surveillanceaudit/{audit_obj.pk}/report/" not in content  # the report comes only from the centre


def test_the_assignment_offers_the_certificates_own_centre_first(service, scheme, reviewer, center):
    own = f.evaluation_center(name="Zeta CESTI")
    certificate = f.certificate(service, scheme, issued_on=today() - 400 * DAY)
    Dossier.objects.filter(pk=certificate.dossier_id).update(evaluation_center=own)
    audit_obj = SurveillanceAudit.objects.create(certificate=certificate, sequence=1, due_on=today())
    content = signed_in(reviewer).get(page(audit_obj)).content.decode()
    assert f'<option value="{own.pk}" selected>Zeta CESTI</option>' in content
    assert content.index("Zeta CESTI</option>") < content.index("CESTI Paris</option>")


def test_the_assignment_refuses_a_reviewer_who_evaluates_for_the_centre(service, scheme, reviewer, center):
    both = f.user(groups=[REVIEWERS], staff=True)
    Evaluator.objects.create(user=both, centre=center)
    certificate = f.certificate(service, scheme, issued_on=today() - 400 * DAY)
    audit_obj = SurveillanceAudit.objects.create(certificate=certificate, sequence=1, due_on=today())
    response = signed_in(reviewer).post(
        reverse("admin:registry_surveillanceaudit_assign", args=[audit_obj.pk]),
        {"evaluation_center": center.pk, "reviewer": both.pk},
    )
    assert response.status_code == 200 and "evaluates for CESTI Paris" in response.content.decode()
    audit_obj.refresh_from_db()
    assert audit_obj.reviewer is None
