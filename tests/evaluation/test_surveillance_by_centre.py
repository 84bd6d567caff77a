"""Surveillance audits filed by the audit's centre (issue 19, item 5): the centre the agency assigned files its plan,
the audit's instructing reviewer alone validates it or asks for changes, the centre grades the requirements its plan
covers (at least one) and submits its report, which the outcome requires. Each step is on the certificate's dossier
and told to the audit's reviewer and the audit's centre; the reports reviewers uploaded before are carried over."""

import datetime
import importlib

import pytest
from django.apps import apps as django_apps
from django.core import mail
from django.utils import timezone

from registry.certificates import surveillance as certificates
from registry.certificates.choices import SurveillanceOutcome
from registry.certificates.models import SurveillanceAudit
from registry.evaluation import rules, selectors
from registry.evaluation import surveillance as work
from registry.evaluation.models import EvaluationPlan, Evaluator, TechnicalReport
from registry.qualification.choices import DocumentKind
from registry.qualification.models import DossierEvent
from registry.qualification.services.documents import store_document
from registry.qualification.workflow import REVIEWERS, Refused
from tests import factories as f

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("eager_tasks")]

DAY = datetime.timedelta(days=1)


def today():
    return timezone.localdate()


@pytest.fixture
def certificate(service, scheme, owner, editor):
    return f.certificate(service, scheme, issued_on=today() - 400 * DAY)


@pytest.fixture
def audit_obj(certificate, reviewer, center):
    audit_obj = SurveillanceAudit.objects.create(certificate=certificate, sequence=1, due_on=today() - 5 * DAY)
    return certificates.audit_assign(audit_obj=audit_obj, by=reviewer, evaluation_center=center, reviewer=reviewer)


@pytest.fixture
def evaluator(center):
    return f.evaluator(center, email="eva@centre-a.test")


def file_plan(audit_obj, by, **changes):
    values = {
        "scope": "Access management and logging.",
        "sites": list(audit_obj.certificate.service.sites.all()[:1]),
        "other_locations": "",
        "starts_on": today() + 10 * DAY,
        "ends_on": today() + 12 * DAY,
        "team": "Eva Evaluator, lead",
    } | changes
    return work.audit_plan_file(audit_obj=audit_obj, by=by, **values)


def grade(audit_obj, by, requirement=None, value="conform"):
    requirement = requirement or selectors.audit_requirements(audit_obj)[0]
    return work.audit_verdict_record(
        audit_obj=audit_obj, requirement=requirement, by=by, value=value, evidence_reviewed="Access reviews."
    )


def submit(audit_obj, by):
    return work.audit_report_submit(
        audit_obj=audit_obj, by=by, uploaded=f.pdf("report.pdf"), title="Audit report", conclusion="Still conform."
    )


def record(audit_obj, reviewer):
    return certificates.audit_record_outcome(
        audit_obj=audit_obj,
        by=reviewer,
        performed_on=today() - DAY,
        outcome=SurveillanceOutcome.MAINTAINED,
        findings="No non-conformity.",
    )


# --- The plan. ---


def test_the_audits_centre_files_its_plan_and_the_step_is_on_the_certificates_dossier(audit_obj, evaluator):
    plan = file_plan(audit_obj, evaluator.user)
    assert (plan.surveillance_audit, plan.dossier, plan.centre, plan.version, plan.state) == (
        audit_obj, None, audit_obj.evaluation_center, 1, "filed"
    )  # fmt: skip
    event = DossierEvent.objects.get(action="audit_plan_file")
    assert event.dossier_id == audit_obj.certificate.dossier_id
    assert event.detail["audit_id"] == audit_obj.pk and event.detail["certificate"] == audit_obj.certificate.number


def test_it_refuses_a_plan_from_another_centre_or_a_person_of_no_centre(audit_obj, reviewer):
    with pytest.raises(Refused, match="Only the evaluators of the centre the agency assigned"):
        file_plan(audit_obj, f.evaluator().user)
    with pytest.raises(Refused, match="Only the evaluators of the centre the agency assigned"):
        file_plan(audit_obj, reviewer)


def test_a_lapsed_evaluator_or_centre_files_nothing(audit_obj, evaluator, center):
    Evaluator.objects.filter(pk=evaluator.pk).update(active=False)
    with pytest.raises(Refused, match="lapsed"):
        file_plan(audit_obj, evaluator.user)
    Evaluator.objects.filter(pk=evaluator.pk).update(active=True)
    type(center).objects.filter(pk=center.pk).update(active=False)
    with pytest.raises(Refused, match="lapsed"):
        file_plan(audit_obj, evaluator.user)


def test_the_plans_content_is_checked_as_a_dossiers(audit_obj, evaluator):
    with pytest.raises(Refused, match="Name the evaluation team"):
        file_plan(audit_obj, evaluator.user, team=" ")
    foreign = f.service()
    f.eu_sites(foreign)
    with pytest.raises(Refused, match="one of the service's sites"):
        file_plan(audit_obj, evaluator.user, sites=[foreign.sites.first()])


def test_only_the_audits_reviewer_validates_and_an_evaluator_reviewer_is_refused(
    audit_obj, evaluator, second_reviewer, decision_maker, center
):
    plan = file_plan(audit_obj, evaluator.user)
    for other in (second_reviewer, decision_maker, evaluator.user):
        with pytest.raises(Refused, match="Only the instructing reviewer of this audit"):
            work.audit_plan_validate(plan=plan, by=other)
    both = f.user(groups=[REVIEWERS])
    Evaluator.objects.create(user=both, centre=center)
    SurveillanceAudit.objects.filter(pk=audit_obj.pk).update(reviewer=both)
    with pytest.raises(Refused, match="You evaluate for this audit's centre"):
        work.audit_plan_validate(plan=plan, by=both)
    assert EvaluationPlan.objects.get(pk=plan.pk).state == "filed"


def test_changes_requested_need_a_comment_and_a_new_version_follows(audit_obj, evaluator, reviewer):
    plan = file_plan(audit_obj, evaluator.user)
    with pytest.raises(Refused, match="waiting for the agency's validation"):
        file_plan(audit_obj, evaluator.user)
    with pytest.raises(Refused, match="Say what the centre should change"):
        work.audit_plan_request_changes(plan=plan, by=reviewer, comment=" ")
    work.audit_plan_request_changes(plan=plan, by=reviewer, comment="Visit the storage site.")
    second = file_plan(audit_obj, evaluator.user)
    assert (second.version, second.state) == (2, "filed")
    with pytest.raises(Refused, match="newer version of this plan"):
        work.audit_plan_validate(plan=EvaluationPlan.objects.get(pk=plan.pk), by=reviewer)
    work.audit_plan_validate(plan=second, by=reviewer)
    with pytest.raises(Refused, match="not waiting for the agency's review"):
        work.audit_plan_validate(plan=second, by=reviewer)
    assert selectors.audit_plan_validated(audit_obj)


# --- The grid and the report. ---


def test_the_grid_opens_with_the_validated_plan_and_takes_the_schemes_applicable_requirements(
    audit_obj, evaluator, reviewer, scheme
):
    with pytest.raises(Refused, match="has not validated your audit plan"):
        grade(audit_obj, evaluator.user)
    work.audit_plan_validate(plan=file_plan(audit_obj, evaluator.user), by=reviewer)
    refs = [r.ref for r in selectors.audit_requirements(audit_obj)]
    assert refs == ["19.2", "19.6"]  # 19.9 is for SaaS only: the service is IaaS
    saas_only = scheme.requirements.get(ref="19.9")
    with pytest.raises(Refused, match="does not apply"):
        grade(audit_obj, evaluator.user, saas_only)
    with pytest.raises(Refused, match="needs a note"):
        grade(audit_obj, evaluator.user, value="minor")
    verdict = grade(audit_obj, evaluator.user)
    assert (verdict.surveillance_audit, verdict.dossier, verdict.value) == (audit_obj, None, "conform")


def test_the_report_needs_one_verdict_not_all_and_is_stored_on_the_certificates_dossier(audit_obj, evaluator, reviewer):
    work.audit_plan_validate(plan=file_plan(audit_obj, evaluator.user), by=reviewer)
    with pytest.raises(Refused, match="at least one requirement"):
        submit(audit_obj, evaluator.user)
    grade(audit_obj, evaluator.user)
    report = submit(audit_obj, evaluator.user)
    assert (report.version, report.centre, report.conclusion) == (1, audit_obj.evaluation_center, "Still conform.")
    document = report.document
    assert (document.kind, document.dossier_id, document.surveillance_audit_id) == (
        DocumentKind.SURVEILLANCE_REPORT, audit_obj.certificate.dossier_id, audit_obj.pk
    )  # fmt: skip
    event = DossierEvent.objects.get(action="audit_report_submit")
    assert event.detail["verdicts"]["conform"] == 1
    # The plan is closed for good; a corrected report is a new version until the outcome.
    with pytest.raises(Refused, match="submitted its report"):
        file_plan(audit_obj, evaluator.user)
    assert submit(audit_obj, evaluator.user).version == 2


def test_outcome_refused_without_the_centres_report_and_accepted_with_it(audit_obj, evaluator, reviewer):
    with pytest.raises(Refused, match="has not submitted its report"):
        record(audit_obj, reviewer)
    f.audited(audit_obj, evaluator.user, reviewer)
    record(audit_obj, reviewer)
    audit_obj.refresh_from_db()
    assert audit_obj.outcome == "maintained"
    # Nothing changes once the outcome is recorded.
    with pytest.raises(Refused, match="no longer waiting"):
        grade(audit_obj, evaluator.user)
    with pytest.raises(Refused, match="no longer waiting"):
        submit(audit_obj, evaluator.user)


def test_a_report_of_another_centre_does_not_count(audit_obj, evaluator, reviewer, certificate):
    f.audited(audit_obj, evaluator.user, reviewer)
    other = f.evaluation_center()
    SurveillanceAudit.objects.filter(pk=audit_obj.pk).update(evaluation_center=other)
    audit_obj.refresh_from_db()
    assert not selectors.audit_reported(audit_obj)
    with pytest.raises(Refused, match="has not submitted its report"):
        record(audit_obj, reviewer)


# --- The assignment. ---


def test_the_assignment_refuses_a_reviewer_who_evaluates_for_the_centre_and_a_lapsed_centre(
    certificate, administrator, center
):
    audit_obj = SurveillanceAudit.objects.create(certificate=certificate, sequence=2, due_on=today())
    both = f.user(groups=[REVIEWERS])
    Evaluator.objects.create(user=both, centre=center)
    with pytest.raises(Refused, match="evaluates for CESTI Paris"):
        certificates.audit_assign(audit_obj=audit_obj, by=administrator, evaluation_center=center, reviewer=both)
    lapsed = f.evaluation_center(active=False)
    with pytest.raises(Refused, match="approval is not in force"):
        certificates.audit_assign(
            audit_obj=audit_obj, by=administrator, evaluation_center=lapsed, reviewer=f.user(groups=[REVIEWERS])
        )


def test_the_centre_state_says_what_waits_on_whom():
    state = rules.audit_centre_state
    assert state(recorded=False, pending=True, plan_state="", reported=False) == "plan"
    assert state(recorded=False, pending=True, plan_state="changes_requested", reported=False) == "plan"
    assert state(recorded=False, pending=True, plan_state="filed", reported=False) == "plan_waiting"
    assert state(recorded=False, pending=True, plan_state="validated", reported=False) == "grade"
    assert state(recorded=False, pending=True, plan_state="validated", reported=True) == "reported"
    assert state(recorded=True, pending=False, plan_state="validated", reported=True) == "recorded"
    assert state(recorded=False, pending=False, plan_state="", reported=False) == "closed"


# --- Who is told. ---


def test_the_emails_go_to_the_audits_reviewer_and_the_centres_evaluators(
    audit_obj, evaluator, reviewer, second_reviewer, django_capture_on_commit_callbacks, certificate
):
    # The certificate's dossier was instructed by someone else: the audit's reviewer is told, not them.
    type(certificate.dossier).objects.filter(pk=certificate.dossier_id).update(instructing_reviewer=second_reviewer)
    colleague = f.evaluator(audit_obj.evaluation_center, email="colleague@centre-a.test")
    with django_capture_on_commit_callbacks(execute=True):
        plan = file_plan(audit_obj, evaluator.user)
    to_reviewer = [m for m in mail.outbox if m.to == [reviewer.email]]
    assert len(to_reviewer) == 1 and f"/admin/registry/surveillanceaudit/{audit_obj.pk}/change/" in to_reviewer[0].body
    assert not [m for m in mail.outbox if second_reviewer.email in m.to]
    assert not [m for m in mail.outbox if evaluator.user.email in m.to]  # not the one who filed it
    [to_provider] = [m for m in mail.outbox if "owner@nuage.test" in m.to]
    assert f"/portal/nuage-souverain/certificates/{certificate.number}/" in to_provider.body
    assert (today() + 10 * DAY).isoformat() in to_provider.body  # the visit's dates
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        work.audit_plan_request_changes(plan=plan, by=reviewer, comment="Visit the storage site.")
    centre_mail = {address for m in mail.outbox for address in m.to if "centre-a" in address}
    assert centre_mail == {evaluator.user.email, colleague.user.email}
    [message] = [m for m in mail.outbox if colleague.user.email in m.to]
    assert f"/centre/audits/{audit_obj.pk}/" in message.body and "Visit the storage site." in message.body


# --- The reports reviewers uploaded before. ---


def test_the_migration_carries_the_reviewers_uploaded_reports_over(certificate, reviewer, center):
    assigned = SurveillanceAudit.objects.create(
        certificate=certificate, sequence=1, due_on=today(), evaluation_center=center, reviewer=reviewer
    )
    unassigned = SurveillanceAudit.objects.create(certificate=certificate, sequence=2, due_on=today() + 300 * DAY)
    for audit_row in (assigned, unassigned):
        store_document(
            dossier_id=certificate.dossier_id, kind=DocumentKind.SURVEILLANCE_REPORT, title="Centre's report",
            uploaded=f.pdf(), by=reviewer, surveillance_audit=audit_row,
        )  # fmt: skip
    migration = importlib.import_module("registry.migrations.0034_surveillance_reports_carried_over")
    migration.carry_over(django_apps, None)
    migration.carry_over(django_apps, None)  # twice: nothing more

    [report] = TechnicalReport.objects.all()
    assert (report.surveillance_audit, report.centre, report.carried_over, report.submitted_by) == (
        assigned, center, True, reviewer
    )  # fmt: skip
    assert selectors.audit_reported(assigned)
    record(assigned, reviewer)  # the outcome stands on the carried-over report


def test_the_providers_dossier_timeline_tells_the_audits_steps(audit_obj, evaluator, reviewer):
    from registry.portal.dossier_context import timeline

    f.audited(audit_obj, evaluator.user, reviewer)
    sentences = [entry.sentence for entry in timeline(audit_obj.certificate.dossier)]
    number = audit_obj.certificate.number
    assert f"CESTI Paris filed its plan for surveillance audit no. 1 of certificate {number}" in sentences[0]
    assert any(f"submitted its report of surveillance audit no. 1 of certificate {number}" in s for s in sentences)
