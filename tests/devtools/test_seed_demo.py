from io import StringIO

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command

from registry.certificates.choices import CertificateStatus
from registry.certificates.models import Certificate
from registry.providers.models import Provider
from registry.qualification.choices import DossierStatus as S
from registry.qualification.models import Dossier, DossierEvent
from registry.qualification.workflow import ADMINISTRATORS, COMMITTEE, REVIEWERS

PROVIDERS = {"ovhcloud", "outscale", "oodrive", "bleu", "s3ns", "nimbus-sante"}


def seed() -> str:
    out = StringIO()
    call_command("seed_demo", stdout=out)
    return out.getvalue()


def printed_password(output: str, email: str) -> str:
    line = next(line for line in output.splitlines() if line.startswith(email + " "))
    return line.split()[1]


def row_counts() -> dict:
    return {model._meta.label: model._default_manager.count() for model in apps.get_models()}


@pytest.fixture
def output(db, settings):
    settings.DEBUG = True  # as `make run` has it (the Makefile exports DEBUG=1)
    return seed()


def test_it_refuses_with_debug_off_and_creates_nothing(db, settings):
    settings.DEBUG = False
    before = row_counts()
    with pytest.raises(CommandError, match="--i-know-this-is-not-production"):
        seed()
    assert row_counts() == before
    assert not get_user_model().objects.exists()


def test_it_seeds_with_debug_off_when_told_it_is_not_production(db, settings):
    settings.DEBUG = False
    out = StringIO()
    call_command("seed_demo", "--i-know-this-is-not-production", stdout=out)
    assert set(Provider.objects.values_list("slug", flat=True)) == PROVIDERS
    assert "Development accounts" in out.getvalue()


def test_it_creates_the_demo_providers(output):
    assert set(Provider.objects.values_list("slug", flat=True)) == PROVIDERS
    bleu = Provider.objects.get(slug="bleu")
    assert set(bleu.shareholders.values_list("name", flat=True)) == {"Orange SA", "Capgemini SE"}
    microsoft = bleu.services.get().third_parties.get()
    assert (microsoft.name, microsoft.kind, microsoft.country_of_control.code) == (
        "Microsoft Corporation",
        "technology_licensor",
        "US",
    )
    assert microsoft.technical_access_to_data is False


def test_it_issues_active_certificates_and_one_suspended(output):
    certificates = Certificate.objects.select_related("service__provider")
    active = certificates.filter(status=CertificateStatus.ACTIVE)
    assert active.count() >= 3
    assert {c.service.provider.slug for c in active} >= {"ovhcloud", "outscale", "oodrive"}
    suspended = certificates.get(status=CertificateStatus.SUSPENDED)
    assert suspended.events.get(status=CertificateStatus.SUSPENDED).reason
    assert all(c.dossier.status == S.QUALIFIED for c in certificates)


def test_its_public_texts_are_in_french_too_but_one_to_show_the_fallback(output):
    certificates = Certificate.objects.select_related("service__provider")
    with_french = [
        c for c in certificates if c.scope_fr and c.service.description_fr and c.service.provider.description_fr
    ]
    assert len(with_french) >= 2
    assert "Hébergement IaaS" in certificates.get(service__slug="ovhcloud-hosted-private-cloud-snc").scope_fr
    english_only = certificates.get(service__slug="oodrive-work")
    assert (english_only.scope_fr, english_only.service.description_fr) == ("", "")
    suspended = certificates.get(status=CertificateStatus.SUSPENDED)
    assert suspended.events.get(status=CertificateStatus.SUSPENDED).reason_fr.startswith("Suspendue")
    assert suspended.conditions_fr


def test_it_leaves_dossiers_at_each_stage(output):
    dossiers = Dossier.objects.select_related("service__provider")
    in_evaluation = {d.service.provider.slug for d in dossiers.filter(status=S.EVALUATION)}
    assert in_evaluation == {"bleu", "s3ns"}
    assert all(d.evaluation_center_id for d in dossiers.filter(status=S.EVALUATION))
    assert dossiers.filter(status=S.DRAFT).exists()
    assert dossiers.filter(status=S.SUBMITTED).exists()


def test_it_leaves_a_resubmitted_dossier_with_its_reviewer_and_what_changed(output):
    from registry.qualification import review

    dossier = Dossier.objects.get(service__slug="oodrive-sign")
    assert dossier.status == S.IN_REVIEW
    assert dossier.instructing_reviewer.email == "reviewer@agency.example"
    actions = list(DossierEvent.objects.filter(dossier=dossier).values_list("action", flat=True))
    assert actions == ["create", "declare", "submit", "take", "request_changes", "message", "declare", "resubmit"]
    # The provider read two action items (the internal finding stayed with the agency) and changed what they asked.
    assert [item["ref"] for item in review.action_items(dossier)] == ["12.11", "19.6"]
    changes = review.changes_since_request(dossier)
    assert [a.ref for a in changes.answers] == ["19.6"]
    assert [d.what for d in changes.documents] == ["new version 2"]


def test_it_carries_dossiers_through_the_real_workflow(output):
    qualified = Dossier.objects.filter(status=S.QUALIFIED).first()
    actions = list(DossierEvent.objects.filter(dossier=qualified).values_list("action", flat=True))
    assert actions == [
        "create", "declare", "submit", "take", "admit",
        "contract_file", "contract_confirm", "contract_validate", "plan_file", "plan_validate", "report_submit",
        "report", "qualify",
    ]  # fmt: skip
    assert qualified.documents.filter(kind="evaluation_report").exists()
    assert qualified.verdicts.count() == qualified.answers.count()  # the centre graded every requirement
    assert qualified.decision_maker.email == "committee@agency.example"


def test_it_leaves_one_dossier_with_a_plan_to_validate_and_one_with_a_partial_grid(output):
    from registry.evaluation.models import EvaluationContract, EvaluationPlan

    bleu = Dossier.objects.get(service__slug="bleu-cloud-platform")
    s3ns = Dossier.objects.get(service__slug="s3ns-premi3ns")
    for dossier in (bleu, s3ns):
        assert dossier.status == S.EVALUATION
        assert dossier.contracts.get().state == EvaluationContract.State.VALIDATED
    assert bleu.evaluation_plans.get().state == EvaluationPlan.State.FILED
    assert s3ns.evaluation_plans.get().state == EvaluationPlan.State.VALIDATED
    assert 0 < s3ns.verdicts.count() < s3ns.answers.count()
    assert not s3ns.technical_reports.exists()
    # In process since the contract's validation, backdated with the rest of the dossier's timeline.
    validated = DossierEvent.objects.get(dossier=s3ns, action="contract_validate").created_at
    assert s3ns.contracts.get().decided_at == validated


def test_it_creates_the_agency_users_in_their_groups(output):
    User = get_user_model()
    expected = {
        "reviewer@agency.example": {REVIEWERS},
        "reviewer2@agency.example": {REVIEWERS},
        "committee@agency.example": {COMMITTEE},
        "admin@agency.example": {ADMINISTRATORS},
    }
    for email, groups in expected.items():
        user = User.objects.get(email=email)
        assert user.is_staff
        assert set(user.groups.values_list("name", flat=True)) == groups
    assert User.objects.get(email="admin@agency.example").is_superuser
    owner = User.objects.get(email="owner@ovhcloud.example")
    assert not owner.is_staff
    assert owner.memberships.get().role == "owner"


def test_it_prints_every_account_with_its_password(output):
    for email in ("reviewer@agency.example", "committee@agency.example", "owner@ovhcloud.example"):
        assert len(printed_password(output, email)) >= 12


def test_the_demo_reviewer_and_committee_can_log_in_with_the_printed_passwords(output, client):
    for email in ("reviewer@agency.example", "committee@agency.example", "admin@agency.example"):
        assert client.login(username=email, password=printed_password(output, email)), email
        client.logout()


def test_it_issues_the_signed_snapshot_so_that_it_answers_without_a_worker(output, client):
    from django.urls import reverse

    from registry.public.models import RegistrySnapshot

    assert RegistrySnapshot.objects.count() == 1
    assert client.get(reverse("registry:snapshot")).status_code == 200


def test_it_creates_nothing_new_when_run_twice(output):
    before = row_counts()

    second = seed()

    assert row_counts() == before
    assert "0 created" in second
    assert "providers 0 created, 6 already there" in second


def test_demo_staff_have_an_authenticator_whose_code_the_command_prints(db, settings):
    import re
    from io import StringIO

    from allauth.mfa.models import Authenticator
    from allauth.mfa.totp.internal.auth import TOTP
    from django.core.management import call_command

    from registry.devtools.demo import seed_demo

    seed_demo()
    settings.DEBUG = True
    out = StringIO()
    call_command("demo_code", "reviewer@agency.example", stdout=out)
    code = out.getvalue().strip()
    assert re.fullmatch(r"\d{6}", code)
    authenticator = Authenticator.objects.get(user__email="reviewer@agency.example", type=Authenticator.Type.TOTP)
    assert TOTP(authenticator).validate_code(code)
    assert not Authenticator.objects.filter(user__email="owner@ovhcloud.example").exists()
