"""`manage.py seed_bench`: a large invented registry, consistent with what the workflow and the public pages expect."""

import collections
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone

from registry.catalogue.selectors import current_scheme
from registry.certificates.choices import LIVE_CERTIFICATE_STATUSES
from registry.certificates.models import Certificate, CertificateEvent
from registry.core.models import Counter
from registry.providers.models import Provider, Service, Site
from registry.providers.selectors import provider_history
from registry.public import selectors as queries
from registry.qualification import workflow
from registry.qualification.choices import CLOSED_DOSSIER_STATUSES
from registry.qualification.models import Dossier, DossierEvent
from registry.qualification.services import dossiers as svc
from tests import factories as f

S = Dossier.Status
SERVICES = 20


def seed(*args) -> str:
    out = StringIO()
    call_command("seed_bench", "--services", str(SERVICES), "--seed", "7", *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def output(db):
    return seed()


def test_it_creates_the_services_providers_and_five_dossiers_each_and_says_so(output):
    assert Service.objects.count() == SERVICES
    assert Provider.objects.count() == SERVICES // 10
    assert Dossier.objects.count() == 5 * SERVICES
    assert "services 20" in output and "dossiers 100" in output and "Done in" in output
    per_service = Service.objects.annotate(
        sites_n=Count("sites", distinct=True),
        certificates_n=Count("certificates", distinct=True),
        parties_n=Count("third_parties", distinct=True),
    )
    for service in per_service:
        assert 2 <= service.sites_n <= 5
        assert 1 <= service.certificates_n <= 3
        assert service.parties_n <= 5  # up to four suppliers, and a service of the registry it may be hosted on
    roles = collections.Counter(Site.objects.values_list("role", flat=True))
    assert roles[Site.Role.STORAGE] == roles[Site.Role.PROCESSING] == SERVICES
    every_status = set(Dossier.objects.values_list("status", flat=True))
    assert {S.QUALIFIED, S.REJECTED, S.WITHDRAWN} <= every_status


def test_every_service_has_at_most_one_open_dossier_and_one_certificate_in_force(output):
    open_per_service = (
        Dossier.objects.exclude(status__in=CLOSED_DOSSIER_STATUSES).values("service").annotate(n=Count("pk"))
    )
    assert all(row["n"] == 1 for row in open_per_service)
    live_per_service = (
        Certificate.objects.filter(status__in=LIVE_CERTIFICATE_STATUSES).values("service").annotate(n=Count("pk"))
    )
    assert all(row["n"] == 1 for row in live_per_service)
    for certificate in Certificate.objects.select_related("dossier__renews"):
        assert certificate.dossier.status == S.QUALIFIED
        assert certificate.expires_on > certificate.issued_on
        renewed = certificate.dossier.renews
        if renewed is not None:
            assert renewed.service_id == certificate.service_id
            assert renewed.status == Certificate.Status.SUPERSEDED


def test_each_certificate_history_starts_active_and_ends_in_its_status(output):
    today = timezone.localdate()
    events = collections.defaultdict(list)
    for event in CertificateEvent.objects.order_by("created_at", "pk"):
        events[event.certificate_id].append(event)
    for certificate in Certificate.objects.all():
        history = events[certificate.pk]
        assert history[0].status == Certificate.Status.ACTIVE
        assert history[-1].status == certificate.status
        assert history[-1].created_at == certificate.status_changed_at
        assert all(e.notified_at is not None and e.created_at <= timezone.now() for e in history)
        if certificate.status in LIVE_CERTIFICATE_STATUSES:
            assert certificate.expires_on >= today  # nothing left for the nightly expiry to catch up on


def test_each_dossier_log_walks_the_workflow_to_its_status_and_is_all_notified(output):
    assert not DossierEvent.objects.filter(notified_at__isnull=True).exists()
    logs = collections.defaultdict(list)
    for event in DossierEvent.objects.order_by("created_at", "pk"):
        logs[event.dossier_id].append(event)
    for dossier in Dossier.objects.all():
        log = logs[dossier.pk]
        assert log[0].action == "create" and log[0].to_status == S.DRAFT
        assert log[0].created_at == dossier.created_at
        assert log[-1].to_status == dossier.status
        assert log[-1].created_at == dossier.status_changed_at
        for before, after in zip(log, log[1:], strict=False):
            move = workflow.MOVES[after.action]
            assert before.to_status == after.from_status
            assert after.from_status in move.sources and after.to_status == move.target
        if dossier.status not in (S.DRAFT, S.SUBMITTED, S.CHANGES_REQUESTED, S.WITHDRAWN):
            assert dossier.instructing_reviewer_id is not None


def test_it_refuses_a_second_run_and_adds_more_with_append(output):
    with pytest.raises(CommandError, match="--append"):
        seed()
    seed("--append")
    assert Service.objects.count() == 2 * SERVICES
    assert Dossier.objects.count() == 10 * SERVICES
    assert Counter.objects.get(key="seed-bench-services").value == 2 * SERVICES


def test_the_public_registry_lists_the_seeded_services(client, output):
    live = Certificate.objects.filter(status__in=LIVE_CERTIFICATE_STATUSES)
    assert queries.public_certificates().count() == live.count() > 0
    assert queries.public_services().count() == SERVICES  # every seeded service holds or held a certificate
    listed = live.select_related("service").order_by("service__name").first()
    page = client.get(reverse("registry:list"))
    assert page.status_code == 200
    assert listed.service.name in page.text
    service_page = client.get(reverse("registry:service", args=[listed.service.slug]))
    assert service_page.status_code == 200
    assert listed.number in service_page.text
    archived = Certificate.objects.filter(status=Certificate.Status.SUPERSEDED).first()
    if archived is not None:
        verify = client.get(reverse("registry:verify-number", args=[archived.number]))
        assert verify.status_code == 200


def test_the_provider_history_shows_the_seeded_creations(output):
    provider = Provider.objects.first()
    entries = provider_history(provider)
    created = {entry["model"] for entry in entries if entry["kind"] == "+"}
    assert {str(m._meta.verbose_name) for m in (Provider, Service, Site)} <= created
    # A later edit of a seeded service shows as a change against its seeded record.
    service = provider.services.first()
    service.description = "Now with GPUs."
    service.save()
    change = provider_history(provider)[0]
    assert change["kind"] == "~" and change["changes"][0][2] == "Now with GPUs."


def test_a_real_qualification_after_seeding_gets_the_next_number(
    output, owner, editor, reviewer, decision_maker, center, service
):
    scheme = current_scheme()
    year = timezone.localdate().year
    numbers = Certificate.objects.filter(number__startswith=f"SNC-{year}-").values_list("number", flat=True)
    highest = max((int(n.rsplit("-", 1)[1]) for n in numbers), default=0)
    references = Dossier.objects.filter(reference__startswith=f"DOS-{year}-").values_list("reference", flat=True)
    highest_reference = max((int(r.rsplit("-", 1)[1]) for r in references), default=0)

    dossier = svc.dossier_create(service=service, scheme=scheme, by=owner)
    assert dossier.reference == f"DOS-{year}-{highest_reference + 1:05d}"
    dossier = f.walk(f.complete(dossier, owner), S.DECISION, provider_user=editor, reviewer=reviewer, center=center)
    certificate = svc.dossier_qualify(dossier=dossier, by=decision_maker, scope="Virtual machines.")
    assert certificate.number == f"SNC-{year}-{highest + 1:04d}"


def test_the_admin_dossier_list_shows_the_seeded_dossiers(client, output):
    reviewer = Dossier.objects.exclude(instructing_reviewer=None).first().instructing_reviewer
    f.login_with_mfa(client, reviewer)
    changelist = reverse("admin:registry_dossier_changelist")
    page = client.get(changelist + "?queue=all")
    assert page.status_code == 200
    first = Dossier.objects.order_by("status_changed_at", "-pk").first()
    assert first.reference in page.text
    waiting = client.get(changelist + "?queue=waiting")
    assert waiting.status_code == 200
    submitted = Dossier.objects.filter(Q(status=S.SUBMITTED)).first()
    if submitted is not None:
        assert submitted.reference in waiting.text
