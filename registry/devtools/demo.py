"""Demo data for a local portal: `manage.py seed_demo`.

Every dossier is carried through the real services (create, answer, upload, declare, submit, take, admit, report,
qualify, suspend), so its event log, references, certificate numbers and public history look like the real thing.
Idempotent: what already exists is found by its natural key (provider slug, user e-mail, evaluation centre approval
reference, service slug, one dossier per service and scheme) and left alone.
"""

import collections
import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from allauth.account.models import EmailAddress
from dateutil.relativedelta import relativedelta
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from registry.catalogue.models import EvaluationCenter, Requirement, Scheme
from registry.catalogue.services import DEFAULT_SCHEME_FILE, LoadStats, read_scheme_file, scheme_load
from registry.certificates.models import Certificate, CertificateEvent
from registry.certificates.services import certificate_suspend
from registry.devtools import demo_data as cast
from registry.devtools.demo_aftercare import replan, seed_after_qualification
from registry.devtools.demo_changes import seed_change_notice
from registry.devtools.demo_incidents import seed_closed_incident
from registry.evaluation.contracts import contract_confirm, contract_file, contract_validate
from registry.evaluation.grid import report_submit, verdict_record
from registry.evaluation.models import Verdict
from registry.evaluation.plans import plan_file, plan_validate
from registry.providers.models import Membership, Provider, Service, Shareholder, Site, ThirdParty
from registry.public import read_model
from registry.public.snapshots import snapshot_issue
from registry.public.trusted_lists import trusted_list_issue
from registry.qualification.choices import Recommendation
from registry.qualification.models import Answer, Document, Dossier, DossierEvent
from registry.qualification.services.answers import answer_save
from registry.qualification.services.documents import document_add
from registry.qualification.services.dossiers import (
    answer_record_finding,
    applicable_requirements,
    dossier_admit,
    dossier_create,
    dossier_declare,
    dossier_qualify,
    dossier_report,
    dossier_request_changes,
    dossier_resubmit,
    dossier_submit,
    dossier_take,
    message_post,
)


@dataclass
class DemoSummary:
    scheme: Scheme
    scheme_stats: LoadStats
    created: collections.Counter = field(default_factory=collections.Counter)
    existing: collections.Counter = field(default_factory=collections.Counter)
    accounts: list = field(default_factory=list)  # (email, password, role), in the order they were declared


def demo_pdf(title: str, lines=()) -> bytes:
    """A one-page A4 PDF with a title and a few lines of text, written by hand so the demo needs no PDF library."""

    def text(value: str) -> bytes:
        # WinAnsiEncoding is cp1252: it covers French accents and typographic quotes.
        raw = value.encode("cp1252", "replace")
        return b"(" + raw.replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)") + b") Tj"

    content = [b"BT", b"/F1 16 Tf", b"72 770 Td", text(title), b"/F1 10 Tf", b"0 -30 Td"]
    for line in lines:
        content += [text(line), b"0 -16 Td"]
    stream = b"\n".join([*content, b"ET"])
    objects = [
        b"<</Type/Catalog/Pages 2 0 R>>",
        b"<</Type/Pages/Kids[3 0 R]/Count 1>>",
        b"<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]/Resources<</Font<</F1 4 0 R>>>>/Contents 5 0 R>>",
        b"<</Type/Font/Subtype/Type1/BaseFont/Helvetica/Encoding/WinAnsiEncoding>>",
        b"<</Length %d>>\nstream\n%s\nendstream" % (len(stream), stream),
    ]
    pdf = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(pdf))
        pdf += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(pdf)
    pdf += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    pdf += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    pdf += b"trailer\n<</Size %d/Root 1 0 R>>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(pdf)


def _pdf(dossier, kind, title) -> SimpleUploadedFile:
    service = dossier.service
    content = demo_pdf(
        title,
        [
            f"{service.provider.legal_name} – {service.name}",
            f"{dossier.scheme} – {dossier.reference}",
            "Document de démonstration : contenu fictif.",
        ],
    )
    return SimpleUploadedFile(f"{kind.replace('_', '-')}.pdf", content, content_type="application/pdf")


def _upload(dossier, kind, by, *, title=None):
    title = title or cast.DOCUMENT_TITLES[kind]
    return document_add(dossier=dossier, kind=kind, title=title, uploaded=_pdf(dossier, kind, title), by=by)


def _ensure_user(summary, email, password, role, *, first_name, last_name, groups=(), superuser=False):
    User = get_user_model()
    user = User.objects.filter(email__iexact=email).first()
    if user is None:
        user = User.objects.create_user(
            username=email,
            email=email,
            password=password,
            first_name=first_name,
            last_name=last_name,
            is_staff=bool(groups) or superuser,
            is_superuser=superuser,
        )
        user.groups.add(*Group.objects.filter(name__in=groups))
        summary.created["users"] += 1
    else:
        summary.existing["users"] += 1
    # Sign-in needs a verified address (allauth's mandatory verification); the demo addresses count as verified.
    EmailAddress.objects.update_or_create(user=user, email=email, defaults={"verified": True, "primary": True})
    if user.is_staff:
        _ensure_demo_authenticator(user)
    summary.accounts.append((email, password, role))
    return user


def _ensure_demo_authenticator(user) -> None:
    """The agency's pages and the centres' space require a second factor: demo staff and evaluators get an
    authenticator with a published demo secret, whose current code `manage.py demo_code EMAIL` prints (or any
    authenticator app given DEMO_TOTP_SECRET)."""
    from allauth.mfa.models import Authenticator
    from allauth.mfa.totp.internal.auth import TOTP

    if not Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists():
        TOTP.activate(user, DEMO_TOTP_SECRET)


def _ensure_evaluators(summary, centres) -> None:
    """One evaluator per demo centre, as an accepted invitation leaves them, with the demo authenticator."""
    from registry.evaluation.models import Evaluator

    for email, password, first_name, last_name, reference in cast.EVALUATORS:
        centre = centres[reference]
        role = _("evaluator of %(centre)s") % {"centre": centre.name}
        user = _ensure_user(summary, email, password, role, first_name=first_name, last_name=last_name)
        Evaluator.objects.get_or_create(user=user, defaults={"centre": centre})
        _ensure_demo_authenticator(user)


def _ensure_centres(summary) -> dict:
    centres = {}
    for name, country, reference in cast.EVALUATION_CENTRES:
        centre, created = EvaluationCenter.objects.get_or_create(
            approval_reference=reference, defaults={"name": name, "country": country}
        )
        summary.created["evaluation centres"] += created
        summary.existing["evaluation centres"] += not created
        centres[reference] = centre
    return centres


def _ensure_provider(summary, spec) -> Provider:
    provider = Provider.objects.filter(slug=spec["slug"]).first()
    if provider is not None:
        summary.existing["providers"] += 1
        return provider
    office, administration, establishment = spec["countries"]
    provider = Provider.objects.create(
        slug=spec["slug"],
        legal_name=spec["legal_name"],
        registration_id=spec["registration_id"],
        website=spec["website"],
        description=spec["description"],
        description_fr=spec.get("description_fr", ""),
        registered_office_country=office,
        central_administration_country=administration,
        principal_establishment_country=establishment,
    )
    for name, country, capital, voting, veto, board in spec["shareholders"]:
        Shareholder.objects.create(
            provider=provider,
            name=name,
            country=country,
            capital_percent=Decimal(capital),
            voting_percent=Decimal(voting),
            veto_right=veto,
            appoints_board_majority=board,
        )
    summary.created["providers"] += 1
    return provider


def _ensure_members(summary, provider, spec) -> dict:
    users = {}
    for email, role, first_name, last_name in spec["members"]:
        label = _("%(role)s – %(provider)s") % {"role": Membership.Role(role).label, "provider": provider}
        user = _ensure_user(
            summary, email, cast.PROVIDER_PASSWORDS[role], label, first_name=first_name, last_name=last_name
        )
        Membership.objects.get_or_create(user=user, provider=provider, defaults={"role": role})
        users[email] = user
    return users


def _ensure_service(summary, provider, spec) -> Service:
    service = Service.objects.filter(slug=spec["slug"]).first()
    if service is not None:
        summary.existing["services"] += 1
        return service
    service = Service.objects.create(
        provider=provider,
        slug=spec["slug"],
        name=spec["name"],
        service_model=spec["model"],
        description=spec["description"],
        description_fr=spec.get("description_fr", ""),
    )
    for role, country, city, operations in spec["sites"]:
        Site.objects.create(service=service, role=role, country=country, city=city, operations=operations)
    for name, kind, country, access, autonomy in spec["third_parties"]:
        ThirdParty.objects.create(
            service=service,
            name=name,
            kind=kind,
            country_of_control=country,
            technical_access_to_data=access,
            autonomy_evidence=autonomy,
        )
    summary.created["services"] += 1
    return service


def _prepare(dossier, by, *, complete: bool) -> None:
    """The provider's part: documents, self-assessment and, when complete, the signed declaration.

    Answers are inserted in one statement rather than through answers_save(), which reads and writes each row with
    its checks: the demo's own fresh draft needs none of them, and the whole catalogue is answered at once.
    """
    kinds = list(cast.EVIDENCE) if complete else ["security_policy"]
    documents = {kind: _upload(dossier, kind, by) for kind in kinds}
    requirements = applicable_requirements(dossier)
    chapters = dict(
        Requirement.objects.filter(scheme_id=dossier.scheme_id, parent__isnull=True).values_list("pk", "ref")
    )
    if not complete:
        requirements = requirements[: len(requirements) // 3]
    answers = []
    for requirement in requirements:
        status, justification = Answer.Status.MET, cast.JUSTIFICATIONS[chapters[requirement.parent_id]]
        if requirement.ref == cast.PARTIAL[0]:
            status, justification = Answer.Status.PARTIALLY_MET, cast.PARTIAL[1]
        answers.append(Answer(dossier=dossier, requirement=requirement, status=status, justification=justification))
    Answer.objects.bulk_create(answers)
    for kind, document in documents.items():
        document.answers.add(*Answer.objects.filter(dossier=dossier, requirement__ref__in=cast.EVIDENCE[kind]))
    if complete:
        _declare(dossier, by)


def _declare(dossier, by) -> None:
    """The declaration, signed by the member who prepared the dossier, as its chief executive."""
    dossier_declare(
        dossier=dossier,
        by=by,
        signatory_name=by.get_full_name() or by.email,
        signatory_capacity="Chief executive officer",
        listed_in_process_consent=True,
    )


def _carry(summary, dossier, spec, people, centres) -> None:
    """Move a fresh dossier along the real workflow until it reaches the spec's target."""
    target, by = spec["target"], people[spec["by"]]
    _prepare(dossier, by, complete=target != "draft")
    if target == "draft":
        return
    dossier = dossier_submit(dossier=dossier, by=by)
    if target == "submitted":
        return
    reviewer = people[spec["reviewer"]]
    dossier = dossier_take(dossier=dossier, by=reviewer)
    if target == "resubmitted":
        _request_and_answer(dossier, by, reviewer)
        return
    centre = centres[spec["centre"]]
    dossier = dossier_admit(
        dossier=dossier, by=reviewer, comment=_("Admissible: the provider may engage its evaluation centre.")
    )
    evaluator = _evaluator_of(centre)
    _contract(dossier, by, evaluator, reviewer, centre)
    plan = _plan(dossier, evaluator)
    if spec.get("evaluation") == "plan_filed":
        return
    plan_validate(plan=plan, by=reviewer)
    answers = {a.requirement.ref: a for a in dossier.answers.select_related("requirement")}
    graded = cast.PARTIAL_GRID if spec.get("evaluation") == "partial_grid" else list(answers)
    minor_note = _("Critical patches applied within 15 days instead of 7.")
    for ref in graded:
        minor = ref == spec.get("minor_finding")
        verdict_record(
            dossier=dossier,
            requirement=answers[ref].requirement,
            by=evaluator,
            value=Verdict.Value.MINOR if minor else Verdict.Value.CONFORM,
            note=minor_note if minor else "",
            evidence_reviewed=cast.EVIDENCE_REVIEWED,
        )
    if target == "evaluation":
        return
    report_submit(
        dossier=dossier,
        by=evaluator,
        uploaded=_pdf(dossier, "evaluation_report", f"{cast.DOCUMENT_TITLES['evaluation_report']} – {centre}"),
        title=f"{cast.DOCUMENT_TITLES['evaluation_report']} – {centre}",
        conclusion=_("The service meets the requirements of the scheme; one minor non-conformity, see the grid.")
        if spec.get("minor_finding")
        else _("The service meets the requirements of the scheme."),
    )
    # The reviewer's findings start from the centre's verdicts.
    for ref in cast.CONFORM_FINDINGS:
        answer_record_finding(answer=answers[ref], by=reviewer, finding=Answer.Finding.CONFORM)
    if spec.get("minor_finding"):
        answer_record_finding(
            answer=answers[spec["minor_finding"]], by=reviewer, finding=Answer.Finding.MINOR, note=minor_note
        )
    # The reviewer recommends what the committee then decides: with the spec's conditions when it has some.
    dossier = dossier_report(
        dossier=dossier,
        by=reviewer,
        recommendation=Recommendation.CONDITIONS if spec["conditions"] else Recommendation.QUALIFY,
        comment=_("Evaluation report received."),
        proposed_conditions=spec["conditions"],
    )
    certificate = dossier_qualify(
        dossier=dossier,
        by=people[cast.COMMITTEE_MEMBER],
        scope=spec["scope"],
        scope_fr=spec.get("scope_fr", ""),
        conditions=spec["conditions"],
        conditions_fr=spec.get("conditions_fr", ""),
    )
    summary.created["certificates"] += 1
    if spec.get("suspend"):
        certificate_suspend(
            certificate=certificate,
            by=people[cast.ADMINISTRATOR],
            reason=spec["suspend"],
            reason_fr=spec.get("suspend_fr", ""),
            review_on=timezone.localdate() + datetime.timedelta(days=45),
            internal_note="Demo: review once the provider's action plan is received.",
        )


def _evaluator_of(centre):
    from registry.evaluation.models import Evaluator

    return Evaluator.objects.filter(centre=centre, active=True).select_related("user").earliest("pk").user


def _contract(dossier, by, evaluator, reviewer, centre) -> None:
    """The provider files its signed contract with the centre, the centre confirms it, the reviewer validates it: the
    dossier is then in process (public, as the demo's providers consented)."""
    title = f"{cast.DOCUMENT_TITLES['evaluation_contract']} – {centre}"
    contract = contract_file(
        dossier=dossier, by=by, centre=centre, uploaded=_pdf(dossier, "evaluation_contract", title), title=title
    )
    contract = contract_confirm(contract=contract, by=evaluator)
    contract_validate(contract=contract, by=reviewer)


def _plan(dossier, evaluator):
    """The centre's evaluation plan: every site of the service, six weeks starting a week ago."""
    start = timezone.localdate() - datetime.timedelta(days=7)
    name = evaluator.get_full_name() or evaluator.email
    return plan_file(
        dossier=dossier,
        by=evaluator,
        scope=cast.EVALUATION_PLAN["scope"],
        sites=list(dossier.service.sites.all()),
        other_locations="",
        starts_on=start,
        ends_on=start + datetime.timedelta(days=cast.EVALUATION_PLAN["days"]),
        team=f"{name}, {cast.EVALUATION_PLAN['lead']}\n{cast.EVALUATION_PLAN['team']}",
    )


def _request_and_answer(dossier, by, reviewer) -> None:
    """The reviewer records findings and requests changes; the provider corrects an answer, versions a document,
    writes and resubmits: the dossier is back in its reviewer's queue with what changed since the request."""
    answers = {a.requirement.ref: a for a in dossier.answers.select_related("requirement")}
    for ref, finding, note, internal in cast.CHANGE_REQUEST_FINDINGS:
        answer_record_finding(answer=answers[ref], by=reviewer, finding=finding, note=note, internal=internal)
    dossier = dossier_request_changes(dossier=dossier, by=reviewer, comment=cast.CHANGE_REQUEST)
    ref, justification = cast.CHANGED_ANSWER
    answer = answers[ref]
    answer_save(
        dossier=dossier,
        requirement=answer.requirement,
        by=by,
        status=Answer.Status.MET,
        justification=justification,
        evidence=list(answer.evidence.all()),
    )
    _upload(dossier, "extra_eu_risks", by)  # the same title: its version 2
    message_post(dossier=dossier, by=by, body=cast.CHANGE_REPLY)
    _declare(dossier, by)
    dossier_resubmit(dossier=dossier, by=by)


# Development only, printed in the README: never a secret of a real account.
DEMO_TOTP_SECRET = "TCRDEMOTOTPSECRETFORDEVELOPMENT2"

# When a demo dossier was opened, so that the registry has a history (statistics, feed, "on this day" checks).
OPENED_DAYS_AGO = {
    "ovhcloud-hosted-private-cloud-snc": 1010,
    "outscale-cloud-iaas": 880,
    "outscale-kubernetes": 610,
    "oodrive-work": 420,
    "bleu-cloud-platform": 240,
    "s3ns-premi3ns": 200,
    "ovhcloud-bare-metal-pod": 41,
    "oodrive-sign": 70,
    "nimbus-dossier-patient": 9,
}
# Days from the previous step to each action, as a dossier typically moves.
STEP_DAYS = {
    "create": 0, "submit": 35, "take": 4, "admit": 12, "report": 5, "qualify": 28, "message": 0,
    "request_changes": 6, "resubmit": 9,
    "contract_file": 6, "contract_confirm": 2, "contract_validate": 3, "plan_file": 9, "plan_validate": 3,
    "report_submit": 130,
}  # fmt: skip
SUSPENDED_AFTER_DAYS = 400


def _backdate(dossier, opened_days_ago: int) -> None:
    """Spread a freshly seeded dossier's history over the past, as if it had been filed back then.

    Demo data only: events are append-only in the application, so this writes with queryset updates.
    """
    now = timezone.now()
    moment = now - datetime.timedelta(days=opened_days_ago)
    last = moment
    signing = []  # declarations, dated 20 minutes before the (re)submission they were signed for
    for event in DossierEvent.objects.filter(dossier=dossier).order_by("created_at", "pk"):
        if event.action == "declare":
            signing.append(event.pk)
            continue
        moment += datetime.timedelta(days=STEP_DAYS.get(event.action, 1), hours=1)
        moment = min(moment, now - datetime.timedelta(hours=1))
        DossierEvent.objects.filter(pk=event.pk).update(created_at=moment)
        if signing:
            signed = moment - datetime.timedelta(minutes=20)
            DossierEvent.objects.filter(pk__in=signing).update(created_at=signed, notified_at=signed)
            Dossier.objects.filter(pk=dossier.pk, declared_at__isnull=False).update(declared_at=signed)
            signing = []
        last = moment
    Dossier.objects.filter(pk=dossier.pk).update(status_changed_at=last)
    Document.objects.filter(dossier=dossier).update(uploaded_at=last)
    _backdate_evaluation(dossier)
    certificate = Certificate.objects.filter(dossier=dossier).first()
    if certificate is None:
        return
    issued = timezone.localdate(last)
    certificate.issued_on = issued
    certificate.expires_on = issued + relativedelta(months=dossier.scheme.validity_months)
    Certificate.objects.filter(pk=certificate.pk).update(
        issued_on=certificate.issued_on, expires_on=certificate.expires_on, status_changed_at=last
    )
    replan(certificate)  # its surveillance plan counts from the issue day
    for i, event in enumerate(CertificateEvent.objects.filter(certificate=certificate).order_by("created_at", "pk")):
        when = (
            last
            if i == 0
            else min(last + datetime.timedelta(days=SUSPENDED_AFTER_DAYS), now - datetime.timedelta(hours=1))
        )
        CertificateEvent.objects.filter(pk=event.pk).update(created_at=when)
        Certificate.objects.filter(pk=certificate.pk).update(status_changed_at=when)


def _backdate_evaluation(dossier) -> None:
    """The evaluation's rows keep the times of their steps on the (backdated) timeline: the public "in process since"
    is the contract's validation."""
    from registry.evaluation.models import EvaluationContract, EvaluationPlan, TechnicalReport

    when = dict(DossierEvent.objects.filter(dossier=dossier).values_list("action", "created_at"))
    contract = EvaluationContract.objects.filter(dossier=dossier)
    contract.filter(state="validated").update(
        filed_at=when.get("contract_file"),
        confirmed_at=when.get("contract_confirm"),
        decided_at=when.get("contract_validate"),
    )
    if "plan_file" in when:
        # The visits start two weeks after the plan was filed, as they would have.
        start = timezone.localdate(when["plan_file"]) + datetime.timedelta(days=14)
        EvaluationPlan.objects.filter(dossier=dossier).update(
            filed_at=when["plan_file"],
            starts_on=start,
            ends_on=start + datetime.timedelta(days=cast.EVALUATION_PLAN["days"]),
        )
        EvaluationPlan.objects.filter(dossier=dossier, reviewed_at__isnull=False).update(
            reviewed_at=when.get("plan_validate", when["plan_file"])
        )
    if "report_submit" in when:
        TechnicalReport.objects.filter(dossier=dossier).update(submitted_at=when["report_submit"])


@transaction.atomic
def seed_demo() -> DemoSummary:
    """Load the shipped scheme and create the demo cast, skipping whatever is already there."""
    scheme, stats = scheme_load(data=read_scheme_file(DEFAULT_SCHEME_FILE))
    summary = DemoSummary(scheme=scheme, scheme_stats=stats)
    people = {}
    for email, password, first_name, last_name, groups, superuser in cast.AGENCY_USERS:
        role = ", ".join(groups) + (" (" + _("superuser") + ")" if superuser else "")
        people[email] = _ensure_user(
            summary,
            email,
            password,
            role,
            first_name=first_name,
            last_name=last_name,
            groups=groups,
            superuser=superuser,
        )
    centres = _ensure_centres(summary)
    _ensure_evaluators(summary, centres)

    # Everyone and every service first: the workflow reads a person's roles once and caches them on the user.
    plans = []
    for spec in cast.PROVIDERS:
        provider = _ensure_provider(summary, spec)
        people |= _ensure_members(summary, provider, spec)
        plans += [(_ensure_service(summary, provider, s), s) for s in spec["services"]]

    new_dossiers = []
    for service, spec in plans:
        existing = Dossier.objects.filter(service=service, scheme=scheme)
        if existing.exists():
            summary.existing["dossiers"] += 1
            summary.existing["certificates"] += Certificate.objects.filter(dossier__in=existing).count()
            continue
        dossier = dossier_create(service=service, scheme=scheme, by=people[spec["by"]])
        _carry(summary, dossier, spec, people, centres)
        if service.slug in OPENED_DAYS_AGO:
            _backdate(dossier, OPENED_DAYS_AGO[service.slug])
        new_dossiers.append(dossier.pk)
        summary.created["dossiers"] += 1

    seed_change_notice(summary)  # one pending change notice, filed late (issue 15)
    # Surveillance audits already due recorded but one left overdue past its grace, and one open condition.
    seed_after_qualification(summary, reviewer=people[cast.REVIEWER], centre=centres[cast.EVALUATION_CENTRES[0][2]])
    seed_closed_incident(summary)  # one incident, closed by its final report (issue 15)

    # The demo's addresses are invented: mark its outbox as sent, so neither the inline tasks nor the sweep mail them.
    now = timezone.now()
    DossierEvent.objects.filter(dossier_id__in=new_dossiers, notified_at__isnull=True).update(notified_at=now)
    CertificateEvent.objects.filter(certificate__dossier_id__in=new_dossiers, notified_at__isnull=True).update(
        notified_at=now
    )
    # The dates above were moved around the services (backdated): the public read model is written anew from them.
    read_model.rebuild()
    # The demo registry's signed snapshot and trusted list, issued here: their URLs answer 503 until a first one exists,
    # and no worker may be running yet to take the tasks the changes queued (those then find nothing new).
    snapshot_issue()
    trusted_list_issue()
    return summary
