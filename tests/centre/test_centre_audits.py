"""The surveillance audits in the centre's space: the home lists those assigned to the centre with where each stands
and what waits on the centre; the audit's page shows the certificate, its certified scope and sites, the plan, the
grid and the report, with their own pages to file each. Another centre's audit is 404, anyone but an evaluator 403;
a lapsed centre reads, files nothing. Never the certificate's incidents."""

import datetime

import pytest
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from registry.catalogue.models import EvaluationCenter
from registry.certificates import records
from registry.certificates import surveillance as certificates
from registry.certificates.models import SurveillanceAudit
from registry.evaluation import selectors
from registry.evaluation import surveillance as work
from registry.evaluation.models import EvaluationPlan, Verdict
from tests import factories as f

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("eager_tasks")]

DAY = datetime.timedelta(days=1)


def today():
    return timezone.localdate()


@pytest.fixture
def certificate(service, scheme, owner):
    certificate = f.certificate(service, scheme, issued_on=today() - 400 * DAY, scope="Compute, Paris region.")
    with transaction.atomic():
        records.keep(certificate)
    return certificate


@pytest.fixture
def audit_obj(certificate, reviewer, center):
    audit_obj = SurveillanceAudit.objects.create(certificate=certificate, sequence=1, due_on=today() + 20 * DAY)
    return certificates.audit_assign(audit_obj=audit_obj, by=reviewer, evaluation_center=center, reviewer=reviewer)


@pytest.fixture
def evaluator(center):
    return f.evaluator(center, email="eva@centre-a.test")


def signed_in(person):
    client = Client()
    f.login_with_mfa(client, person)
    return client


def page(audit_obj):
    return reverse("centre:audit", args=[audit_obj.pk])


def typed(audit_obj, **changes):
    return {
        "scope": "Access management and logging.",
        "sites": list(audit_obj.certificate.service.sites.values_list("pk", flat=True)[:1]),
        "other_locations": "",
        "starts_on": (today() + 10 * DAY).isoformat(),
        "ends_on": (today() + 12 * DAY).isoformat(),
        "team": "Eva Evaluator, lead",
    } | changes


def validated_plan(audit_obj, evaluator, reviewer):
    plan = work.audit_plan_file(
        audit_obj=audit_obj, by=evaluator.user, scope="Logging.", sites=[], other_locations="Remote.",
        starts_on=today(), ends_on=today() + DAY, team="Eva, lead",
    )  # fmt: skip
    return work.audit_plan_validate(plan=plan, by=reviewer)


def test_the_home_lists_the_audits_assigned_and_what_waits_on_the_centre(audit_obj, evaluator, certificate):
    content = signed_in(evaluator.user).get(reverse("centre:home")).content.decode()
    assert "Surveillance audits assigned to your centre" in content
    assert page(audit_obj) in content and certificate.service.name in content
    assert "Plan to file" in content and "Your turn" in content


def test_the_home_does_not_list_another_centres_audits(audit_obj):
    content = signed_in(f.evaluator().user).get(reverse("centre:home")).content.decode()
    assert page(audit_obj) not in content
    assert "No surveillance audit is assigned to your centre" in content


def test_the_audit_page_shows_the_certificate_its_certified_scope_and_sites(audit_obj, evaluator, certificate, owner):
    f.incident(certificate, owner, title="SECRET incident title", body="SECRET body.")
    content = signed_in(evaluator.user).get(page(audit_obj)).content.decode()
    assert certificate.number in content and "Compute, Paris region." in content
    assert "Roubaix" in content and "France" in content
    assert reverse("centre:audit-plan", args=[audit_obj.pk]) in content
    assert "SECRET" not in content


def test_another_centres_audit_is_not_found_and_a_non_evaluator_is_refused(audit_obj, reviewer, owner):
    other = signed_in(f.evaluator().user)
    for name in ("centre:audit", "centre:audit-plan", "centre:audit-report"):
        assert other.get(reverse(name, args=[audit_obj.pk])).status_code == 404
    requirement = selectors.audit_requirements(audit_obj)[0]
    assert other.get(reverse("centre:audit-verdict", args=[audit_obj.pk, requirement.pk])).status_code == 404
    for person in (reviewer, owner):
        assert signed_in(person).get(page(audit_obj)).status_code == 403


def test_the_evaluator_files_the_plan_and_a_mistake_keeps_what_was_typed(audit_obj, evaluator):
    client = signed_in(evaluator.user)
    url = reverse("centre:audit-plan", args=[audit_obj.pk])
    response = client.post(url, typed(audit_obj, team="", scope="Kept scope."))
    assert response.status_code == 400 and "Kept scope." in response.content.decode()
    response = client.post(url, typed(audit_obj))
    assert response.status_code == 302 and response["Location"] == page(audit_obj) + "#plan-title"
    plan = EvaluationPlan.objects.get(surveillance_audit=audit_obj)
    assert (plan.state, plan.sites.count()) == ("filed", 1)
    content = client.get(page(audit_obj)).content.decode()
    assert "Access management and logging." in content and "The agency validates the plan" in content


def test_the_evaluator_grades_a_requirement_and_submits_the_report(audit_obj, evaluator, reviewer):
    validated_plan(audit_obj, evaluator, reviewer)
    client = signed_in(evaluator.user)
    requirement = selectors.audit_requirements(audit_obj)[0]
    url = reverse("centre:audit-verdict", args=[audit_obj.pk, requirement.pk])
    assert url in client.get(page(audit_obj)).content.decode()
    response = client.post(url, {"value": "minor", "evidence_reviewed": "Logs.", "note": ""})
    assert response.status_code == 400
    response = client.post(url, {"value": "conform", "evidence_reviewed": "Logs of the last quarter."})
    assert response.status_code == 302
    assert Verdict.objects.get(surveillance_audit=audit_obj).value == "conform"

    report_url = reverse("centre:audit-report", args=[audit_obj.pk])
    response = client.post(
        report_url, {"title": "Audit report", "file": f.pdf("report.pdf"), "conclusion": "Still conform."}
    )
    assert response.status_code == 302
    [report] = selectors.audit_reports(audit_obj)
    content = client.get(page(audit_obj)).content.decode()
    download = reverse("centre:audit-report-download", args=[audit_obj.pk, report.pk])
    assert "Still conform." in content and download in content
    f.checked(report.document)
    assert client.get(download).status_code == 200
    assert signed_in(f.evaluator().user).get(download).status_code == 404


def test_a_lapsed_centre_reads_its_audit_but_files_nothing(audit_obj, evaluator, center):
    EvaluationCenter.objects.filter(pk=center.pk).update(active=False)
    client = signed_in(evaluator.user)
    response = client.get(page(audit_obj))
    content = response.content.decode()
    assert response.status_code == 200 and "lapsed" in content and "File the audit plan" not in content
    response = client.post(reverse("centre:audit-plan", args=[audit_obj.pk]), typed(audit_obj))
    assert response.status_code == 403
    assert not EvaluationPlan.objects.filter(surveillance_audit=audit_obj).exists()


def test_the_audit_page_reads_in_a_fixed_number_of_queries(audit_obj, evaluator, reviewer, scheme):
    validated_plan(audit_obj, evaluator, reviewer)
    client = signed_in(evaluator.user)
    requirements = selectors.audit_requirements(audit_obj)
    work.audit_verdict_record(
        audit_obj=audit_obj, requirement=requirements[0], by=evaluator.user, value="conform", evidence_reviewed="x"
    )
    client.get(page(audit_obj))
    with CaptureQueriesContext(connection) as small:
        client.get(page(audit_obj))
    work.audit_verdict_record(
        audit_obj=audit_obj, requirement=requirements[1], by=evaluator.user, value="minor", evidence_reviewed="x",
        note="Late.",
    )  # fmt: skip
    with CaptureQueriesContext(connection) as large:
        assert client.get(page(audit_obj)).status_code == 200
    assert len(large) == len(small)


def test_the_home_reads_in_a_fixed_number_of_queries(
    audit_obj, evaluator, reviewer, service, scheme, center, django_assert_max_num_queries
):
    client = signed_in(evaluator.user)
    client.get(reverse("centre:home"))
    with CaptureQueriesContext(connection) as one:
        client.get(reverse("centre:home"))
    for sequence in range(2, 7):
        more = SurveillanceAudit.objects.create(
            certificate=audit_obj.certificate, sequence=sequence, due_on=today() + sequence * 30 * DAY
        )
        certificates.audit_assign(audit_obj=more, by=reviewer, evaluation_center=center, reviewer=reviewer)
    validated_plan(audit_obj, evaluator, reviewer)
    with django_assert_max_num_queries(len(one)):
        response = client.get(reverse("centre:home"))
    assert response.content.decode().count("audit no.") >= 6
