"""Surveillance audits and conditions (issue 15, items 3 and 4): the plan written at issue, the outcome recorded by the
instructing reviewer (maintained, with conditions, suspension proposed), and conditions answered by the provider and
closed, sent back or withdrawn by a reviewer; each step audited and told by e-mail to the right people."""

import datetime

import pytest
from django.core import mail
from django.utils import timezone

from registry.accounts.models import AuditEvent, UserPreference
from registry.catalogue.services import scheme_load
from registry.certificates import rules
from registry.certificates import surveillance as svc
from registry.certificates.choices import ConditionState, SurveillanceOutcome
from registry.certificates.models import Certificate, Condition, SurveillanceAudit
from registry.qualification.choices import DocumentKind
from registry.qualification.models import Dossier
from registry.qualification.services.dossiers import dossier_qualify
from registry.qualification.workflow import Refused
from tests import factories as f

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("eager_tasks")]

D = datetime.date
PROVIDER = ["editor@nuage.test", "owner@nuage.test", "viewer@nuage.test"]


def today():
    return timezone.localdate()


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """`with committed():` runs what the step's commit would (the outbox's sending): the tests' transaction never
    commits."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


def to():
    return sorted(address for message in mail.outbox for address in message.to)


# --- The plan. ---


@pytest.mark.parametrize(
    ("issued", "expires", "months", "due"),
    [
        (D(2026, 3, 10), D(2029, 3, 10), 12, [D(2027, 3, 10), D(2028, 3, 10)]),
        (D(2026, 1, 31), D(2027, 1, 31), 4, [D(2026, 5, 31), D(2026, 9, 30)]),  # the month's last day, no drift
        (D(2026, 1, 1), D(2026, 12, 1), 12, []),  # expires before the first audit: the renewal covers it
    ],
    ids=["yearly over three years", "from the 31st", "shorter than the interval"],
)
def test_audits_fall_due_every_interval_after_issue_and_before_expiry(issued, expires, months, due):
    assert rules.surveillance_due_dates(issued, expires, months) == due


def test_a_qualification_writes_the_certificates_surveillance_plan(complete_draft, walk, decision_maker, scheme):
    scheme.surveillance_interval_months = 6
    scheme.save(update_fields=["surveillance_interval_months"])
    dossier = walk(complete_draft, Dossier.Status.DECISION)

    certificate = dossier_qualify(dossier=dossier, by=decision_maker, scope="Compute.", conditions="", comment="")

    plan = list(SurveillanceAudit.objects.filter(certificate=certificate).values_list("sequence", "due_on"))
    assert plan == list(enumerate(rules.surveillance_due_dates(certificate.issued_on, certificate.expires_on, 6), 1))
    assert len(plan) == 5  # 36 months of validity: at 6, 12, 18, 24 and 30 months


def test_the_scheme_file_sets_the_surveillance_interval_and_grace_or_leaves_the_defaults():
    base = {
        "code": "test-scheme",
        "name": "Test",
        "version": "1",
        "certificate_prefix": "TST",
        "requirements": [{"ref": "1", "title_en": "One", "title_fr": "Un"}],
    }
    scheme, _stats = scheme_load(data=base)
    assert (scheme.surveillance_interval_months, scheme.surveillance_grace_days) == (12, 30)

    scheme, _stats = scheme_load(data=base | {"surveillance_interval_months": 6, "surveillance_grace_days": 45})
    assert (scheme.surveillance_interval_months, scheme.surveillance_grace_days) == (6, 45)


def test_the_scheme_file_refuses_a_surveillance_interval_of_zero():
    from registry.catalogue.services import SchemeDataError, clean_scheme_data

    data = {
        "code": "x",
        "name": "X",
        "version": "1",
        "certificate_prefix": "X",
        "surveillance_interval_months": 0,
        "requirements": [{"ref": "1", "title_en": "One", "title_fr": "Un"}],
    }
    with pytest.raises(SchemeDataError, match="surveillance_interval_months must be a whole number from 1 to 120"):
        clean_scheme_data(data)


# --- Rules in Python and SQL. ---


@pytest.mark.parametrize("status", ["active", "suspended", "withdrawn"])
def test_the_sql_of_the_overdue_rules_selects_what_their_python_says(service, status):
    scheme = f.scheme(with_requirements=False, surveillance_grace_days=30)
    certificate = f.certificate(service, scheme, issued_on=today() - datetime.timedelta(days=500), status=status)
    day = today()
    audits = [
        SurveillanceAudit.objects.create(certificate=certificate, sequence=i, due_on=day + datetime.timedelta(days=d))
        for i, d in enumerate((5, 0, -1, -30, -31, -200), start=1)
    ]
    SurveillanceAudit.objects.filter(pk=audits[-1].pk).update(recorded_at=timezone.now(), outcome="maintained")
    conditions = [
        Condition.objects.create(certificate=certificate, text="x", due_on=day + datetime.timedelta(days=d), state=s)
        for d in (1, 0, -1)
        for s in ConditionState.values
    ]
    rows = SurveillanceAudit.objects.select_related("certificate__scheme")
    assert {a.pk for a in rows if rules.audit_overdue(a, day)} == set(
        rows.filter(rules.audits_overdue_on(day)).values_list("pk", flat=True)
    )
    assert {a.pk for a in rows if rules.audit_past_grace(a, day)} == set(
        rows.filter(rules.audits_past_grace_on(day, [30, 7])).values_list("pk", flat=True)
    )
    live = status != "withdrawn"
    assert len([a for a in rows if rules.audit_past_grace(a, day)]) == (1 if live else 0)  # 31 days: past 30 days
    assert {c.pk for c in Condition.objects.select_related("certificate") if rules.condition_overdue(c, day)} == set(
        Condition.objects.filter(rules.conditions_overdue_on(day)).values_list("pk", flat=True)
    )
    assert len(conditions) == 12


# --- Outcomes. ---


@pytest.fixture
def certificate(service, owner, editor, viewer):
    scheme = f.scheme(with_requirements=False)
    return f.certificate(service, scheme, issued_on=today() - datetime.timedelta(days=400))


@pytest.fixture
def audit_due(certificate, reviewer, center):
    audit_obj = SurveillanceAudit.objects.create(
        certificate=certificate, sequence=1, due_on=today() - datetime.timedelta(days=35)
    )
    svc.audit_assign(audit_obj=audit_obj, by=reviewer, evaluation_center=center, reviewer=reviewer)
    audit_obj.refresh_from_db()
    return audit_obj


def with_report(audit_obj, reviewer):
    """The audit's centre files its plan, grades a requirement and submits its report (registry.evaluation)."""
    return f.audited(audit_obj, f.evaluator(audit_obj.evaluation_center).user, reviewer)


def record(audit_obj, reviewer, outcome, conditions=(), findings="Logs kept 6 months instead of 12."):
    return svc.audit_record_outcome(
        audit_obj=audit_obj,
        by=reviewer,
        performed_on=today() - datetime.timedelta(days=3),
        outcome=outcome,
        findings=findings,
        conditions=conditions,
    )


def test_the_reviewer_records_a_maintained_outcome_after_the_centres_report(audit_due, reviewer, committed):
    with_report(audit_due, reviewer)
    [report] = audit_due.documents.all()
    assert (report.kind, report.dossier_id) == (DocumentKind.SURVEILLANCE_REPORT, audit_due.certificate.dossier_id)
    mail.outbox.clear()

    with committed():
        record(audit_due, reviewer, SurveillanceOutcome.MAINTAINED)

    audit_due.refresh_from_db()
    assert (audit_due.outcome, audit_due.recorded_by) == ("maintained", reviewer)
    assert to() == PROVIDER
    [message] = [m for m in mail.outbox if m.to == ["owner@nuage.test"]]
    assert "Qualification maintained" in message.subject
    assert "Logs kept 6 months instead of 12." in message.body
    assert f"/portal/nuage-souverain/certificates/{audit_due.certificate.number}/" in message.body
    assert AuditEvent.objects.filter(action="surveillance.outcome", object_id=str(audit_due.pk)).exists()


def test_an_outcome_with_conditions_creates_them_and_needs_at_least_one(audit_due, reviewer, committed):
    with_report(audit_due, reviewer)
    with pytest.raises(Refused, match="at least one condition"):
        record(audit_due, reviewer, SurveillanceOutcome.MAINTAINED_WITH_CONDITIONS)
    due = today() + datetime.timedelta(days=60)

    with committed():
        record(audit_due, reviewer, SurveillanceOutcome.MAINTAINED_WITH_CONDITIONS, [("Keep logs 12 months.", due)])

    [condition] = Condition.objects.filter(certificate=audit_due.certificate)
    assert (condition.surveillance_audit, condition.state, condition.due_on) == (audit_due, "open", due)
    [message] = [m for m in mail.outbox if m.to == ["owner@nuage.test"]]
    assert "Keep logs 12 months." in message.body  # one e-mail tells the outcome and its conditions


def test_an_outcome_proposing_a_suspension_puts_the_proposal_before_the_committee(audit_due, reviewer):
    with_report(audit_due, reviewer)

    record(audit_due, reviewer, SurveillanceOutcome.SUSPENSION_PROPOSED, findings="Data stored outside the EU.")

    certificate = Certificate.objects.get(pk=audit_due.certificate_id)
    assert certificate.status == "active"  # proposed, not suspended: the committee decides
    assert certificate.suspension_proposed_by == reviewer
    assert "Data stored outside the EU." in certificate.suspension_proposal


def test_a_suspended_certificate_takes_the_outcome_without_a_second_proposal(audit_due, reviewer):
    Certificate.objects.filter(pk=audit_due.certificate_id).update(status="suspended")
    with_report(audit_due, reviewer)

    record(audit_due, reviewer, SurveillanceOutcome.SUSPENSION_PROPOSED)

    audit_due.refresh_from_db()
    assert audit_due.outcome == "suspension_proposed"
    assert Certificate.objects.get(pk=audit_due.certificate_id).suspension_proposed_at is None


def test_only_the_instructing_reviewer_records_and_only_with_the_centres_report(audit_due, reviewer, second_reviewer):
    with pytest.raises(Refused, match="has not submitted its report"):
        record(audit_due, reviewer, SurveillanceOutcome.MAINTAINED)
    with_report(audit_due, reviewer)
    with pytest.raises(Refused, match="instructing reviewer"):
        record(audit_due, second_reviewer, SurveillanceOutcome.MAINTAINED)
    record(audit_due, reviewer, SurveillanceOutcome.MAINTAINED)
    with pytest.raises(Refused, match="no longer waiting"):
        record(audit_due, reviewer, SurveillanceOutcome.MAINTAINED)


def test_a_provider_member_cannot_assign_an_audit(audit_due, owner, center, reviewer):
    with pytest.raises(Refused, match="reviewer or a registry administrator"):
        svc.audit_assign(audit_obj=audit_due, by=owner, evaluation_center=center, reviewer=reviewer)


# --- Conditions. ---


@pytest.fixture
def condition(certificate, decision_maker):
    return svc.condition_create(
        certificate=certificate,
        by=decision_maker,
        text="Publish the reversibility plan.",
        due_on=today() + datetime.timedelta(days=90),
    )


def test_the_committee_sets_a_condition_and_the_providers_members_hear_of_it_in_their_language(
    certificate, decision_maker, owner, committed
):
    UserPreference.objects.create(user=owner, language="fr")

    with committed():
        condition = svc.condition_create(
            certificate=certificate,
            by=decision_maker,
            text="Publish the plan.",
            due_on=today() + datetime.timedelta(days=9),
        )

    assert condition.state == "open"
    assert to() == PROVIDER
    [to_owner] = [m for m in mail.outbox if m.to == [owner.email]]
    assert to_owner.extra_headers["Content-Language"] == "fr"
    assert "Publish the plan." in to_owner.body
    assert AuditEvent.objects.filter(action="condition.create", object_id=str(condition.pk)).exists()


def test_a_condition_is_due_on_a_day_to_come_and_set_only_by_the_agency(certificate, decision_maker, owner):
    with pytest.raises(Refused, match="day to come"):
        svc.condition_create(certificate=certificate, by=decision_maker, text="x", due_on=today())
    with pytest.raises(Refused, match="Only the agency"):
        svc.condition_create(certificate=certificate, by=owner, text="x", due_on=today() + datetime.timedelta(days=1))


def test_the_provider_answers_with_evidence_and_the_reviewers_hear_of_it(
    condition, editor, reviewer, second_reviewer, committed
):
    mail.outbox.clear()

    with committed():
        svc.condition_answer(
            condition=condition, by=editor, response="Published on our site.", evidence=[f.pdf("plan.pdf")]
        )

    condition.refresh_from_db()
    assert (condition.state, condition.answered_by) == ("answered", editor)
    [document] = condition.documents.all()
    assert (document.kind, document.dossier_id) == (DocumentKind.CONDITION_EVIDENCE, condition.certificate.dossier_id)
    assert to() == ["reviewer2@agency.test", "reviewer@agency.test"]
    assert "Published on our site." in mail.outbox[0].body
    with pytest.raises(Refused, match="not waiting for your answer"):
        svc.condition_answer(condition=condition, by=editor, response="Again.")


def test_evidence_with_a_very_long_file_name_keeps_a_title_that_fits(condition, editor):
    long_name = "r" * 240 + ".pdf"

    svc.condition_answer(condition=condition, by=editor, response="Done.", evidence=[f.pdf(long_name)])

    [document] = condition.documents.all()
    assert (len(document.title), document.original_name) == (200, long_name)


def test_a_viewer_cannot_answer_a_condition(condition, viewer):
    with pytest.raises(Refused, match="owners and editors"):
        svc.condition_answer(condition=condition, by=viewer, response="Done.")


def test_a_reviewer_closes_an_answered_condition_as_met_with_a_note(condition, editor, reviewer, committed):
    svc.condition_answer(condition=condition, by=editor, response="Done.")
    mail.outbox.clear()

    with committed():
        svc.condition_review(condition=condition, by=reviewer, move="close", note="Checked on the site.")

    condition.refresh_from_db()
    assert (condition.state, condition.closed_by, condition.closing_note) == ("met", reviewer, "Checked on the site.")
    assert to() == PROVIDER
    assert "A condition is met" in mail.outbox[0].subject
    assert AuditEvent.objects.filter(action="condition.close", object_id=str(condition.pk)).exists()


def test_a_reviewer_sends_an_answer_back_and_the_provider_answers_again(
    condition, editor, reviewer, second_reviewer, committed
):
    svc.condition_answer(condition=condition, by=editor, response="Done.")
    svc.condition_review(condition=condition, by=reviewer, move="reopen", note="The plan is not published yet.")
    condition.refresh_from_db()
    assert condition.state == "open"
    mail.outbox.clear()

    with committed():
        svc.condition_answer(condition=condition, by=editor, response="Now it is.")

    assert to() == ["reviewer2@agency.test", "reviewer@agency.test"]  # a second answer is told again


def test_a_reviewer_withdraws_a_condition_but_closes_only_an_answered_one(condition, reviewer, decision_maker):
    with pytest.raises(Refused, match="cannot be closed as met"):
        svc.condition_review(condition=condition, by=reviewer, move="close", note="x")
    with pytest.raises(Refused, match="Only a reviewer"):
        svc.condition_review(condition=condition, by=decision_maker, move="withdraw", note="x")
    with pytest.raises(Refused, match="note"):
        svc.condition_review(condition=condition, by=reviewer, move="withdraw", note=" ")

    svc.condition_review(condition=condition, by=reviewer, move="withdraw", note="No longer relevant.")

    condition.refresh_from_db()
    assert condition.state == "withdrawn"
    assert not rules.condition_overdue(condition, condition.due_on + datetime.timedelta(days=1))
