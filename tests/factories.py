"""Plain factory functions for tests: each makes one valid object and takes overrides as keyword arguments."""

import itertools
import time
from decimal import Decimal

from dateutil.relativedelta import relativedelta
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from registry.catalogue.models import EvaluationCenter, Requirement, Scheme
from registry.providers.models import Membership, Provider, Service, Shareholder, Site, ThirdParty
from registry.qualification.choices import DocumentKind
from registry.qualification.models import Answer, Dossier

_seq = itertools.count(1)

PASSWORD = "a-long-test-password-42"


def n() -> int:
    return next(_seq)


def user(*, email=None, groups=(), staff=None, **kw):
    i = n()
    email = email or f"user{i}@example.test"
    u = get_user_model().objects.create_user(
        username=kw.pop("username", email),
        email=email,
        password=PASSWORD,
        is_staff=bool(groups) if staff is None else staff,
        **kw,
    )
    for name in groups:
        u.groups.add(Group.objects.get(name=name))
    return u


# An authenticator app's secret for test users (base32), and allauth's own code computation for it.
TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


def totp_authenticator(u, secret=TOTP_SECRET):
    """The user's authenticator app, set up as allauth sets it up (the secret stored through the MFA adapter)."""
    from allauth.mfa.models import Authenticator
    from allauth.mfa.totp.internal.auth import TOTP

    existing = Authenticator.objects.filter(user=u, type=Authenticator.Type.TOTP).first()
    return existing or TOTP.activate(u, secret).instance


def login_with_mfa(client, u):
    """Sign `u` in on `client` as allauth leaves a session after a password and an authenticator code: Django's login,
    allauth's authentication records for this user (password, then mfa: what the admin's second-factor check and the
    recent-authentication check read) and the tracked session. Agency staff reach the admin only this way."""
    from allauth.account.authentication import AUTHENTICATION_METHODS_SESSION_KEY
    from allauth.account.internal.flows.login import _AUTHENTICATION_METHODS_USER_SESSION_KEY
    from allauth.usersessions.models import UserSession

    authenticator = totp_authenticator(u)
    client.force_login(u)
    session = client.session
    now = time.time()
    session[AUTHENTICATION_METHODS_SESSION_KEY] = [
        {"method": "password", "at": now, "email": u.email},
        {"method": "mfa", "at": now, "id": authenticator.pk, "type": "totp"},
    ]
    session[_AUTHENTICATION_METHODS_USER_SESSION_KEY] = str(u.pk)
    session.save()
    UserSession.objects.create(user=u, session_key=session.session_key, ip="127.0.0.1", user_agent="tests")
    return authenticator


def provider(**kw) -> Provider:
    i = n()
    defaults = {
        "legal_name": f"Provider {i} SAS",
        "slug": f"provider-{i}",
        "registration_id": f"RCS {i:09d}",
        "registered_office_country": "FR",
        "central_administration_country": "FR",
        "principal_establishment_country": "FR",
    }
    return Provider.objects.create(**(defaults | kw))


def member(provider_obj, role="owner", **kw):
    u = user(**kw)
    Membership.objects.create(user=u, provider=provider_obj, role=role)
    return u


def shareholder(provider_obj, **kw) -> Shareholder:
    defaults = {"name": f"Holder {n()}", "country": "FR", "capital_percent": Decimal(50), "voting_percent": Decimal(50)}
    return Shareholder.objects.create(provider=provider_obj, **(defaults | kw))


def scheme(*, with_requirements=True, **kw) -> Scheme:
    i = n()
    defaults = {
        "code": f"scheme-{i}",
        "name": "SecNumCloud",
        "version": f"3.{i}",
        "certificate_prefix": "SNC",
        "validity_months": 36,
        "individual_cap_percent": Decimal(24),
        "collective_cap_percent": Decimal(39),
        "required_document_kinds": [
            DocumentKind.SECURITY_POLICY,
            DocumentKind.RISK_ANALYSIS,
            DocumentKind.EXTRA_EU_RISKS,
        ],
    }
    s = Scheme.objects.create(**(defaults | kw))
    if with_requirements:
        chapter = Requirement.objects.create(
            scheme=s, ref="19", title_en="Additional", title_fr="Supplémentaires", position=1
        )
        Requirement.objects.create(
            scheme=s, ref="19.2", parent=chapter, title_en="Data location", title_fr="Localisation", position=2
        )
        Requirement.objects.create(
            scheme=s, ref="19.6", parent=chapter, title_en="Extra-EU law", title_fr="Droit extra-européen", position=3
        )
        Requirement.objects.create(
            scheme=s,
            ref="19.9",
            parent=chapter,
            title_en="SaaS only",
            title_fr="SaaS seulement",
            position=4,
            service_models=["saas"],
        )
    return s


def service(provider_obj=None, **kw) -> Service:
    i = n()
    provider_obj = provider_obj or provider()
    defaults = {"name": f"Cloud {i}", "slug": f"cloud-{i}", "service_model": "iaas", "description": "Virtual machines."}
    return Service.objects.create(provider=provider_obj, **(defaults | kw))


def eu_sites(service_obj):
    for role in Site.Role.values:
        Site.objects.create(service=service_obj, role=role, country="FR", city="Roubaix")


def third_party(service_obj, **kw) -> ThirdParty:
    defaults = {
        "name": f"Supplier {n()}",
        "kind": "subcontractor",
        "country_of_control": "FR",
        "autonomy_evidence": "Two suppliers.",
    }
    return ThirdParty.objects.create(service=service_obj, **(defaults | kw))


def evaluation_center(**kw) -> EvaluationCenter:
    i = n()
    return EvaluationCenter.objects.create(
        **({"name": f"Centre {i}", "country": "FR", "approval_reference": f"CESTI-{i}"} | kw)
    )


PDF_BYTES = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 612 792]>>endobj\n"
    b"xref\n0 4\n0000000000 65535 f \n0000000009 00000 n \n0000000052 00000 n \n0000000101 00000 n \n"
    b"trailer<</Size 4/Root 1 0 R>>\nstartxref\n164\n%%EOF\n"
)


def pdf(name="evidence.pdf", content=PDF_BYTES) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/pdf")


def checked(document):
    """The document after its check: what the worker does once the upload commits (tests run inside a transaction
    that never commits, so the check is run here, by the same function the task calls)."""
    from registry.qualification.services.document_checks import document_check

    return document_check(document_id=document.pk)


def dossier(service_obj=None, scheme_obj=None, *, status=Dossier.Status.DRAFT, **kw) -> Dossier:
    """A dossier placed directly in a status (for tests of what follows); workflow tests walk the real path.

    Placed in evaluation or decision with the provider's consent to be listed, it has the validated evaluation
    contract that lists it in process (contract_validated)."""
    service_obj = service_obj or service()
    scheme_obj = scheme_obj or scheme()
    d = Dossier.objects.create(
        reference=f"DOS-2026-{n():05d}", service=service_obj, scheme=scheme_obj, status=status, **kw
    )
    if status in (Dossier.Status.EVALUATION, Dossier.Status.DECISION) and kw.get("listed_in_process_consent"):
        contract_validated(d)
    return d


def contract_validated(d: Dossier, *, on=None):
    """A validated evaluation contract of `d` with its centre (a new one if it has none), decided at `on` (now by
    default), written directly as one carried over (no document): for tests of what the public sees."""
    from registry.evaluation.models import EvaluationContract

    if d.evaluation_center_id is None:
        d.evaluation_center = evaluation_center()
        Dossier.objects.filter(pk=d.pk).update(evaluation_center=d.evaluation_center)
    on = on or timezone.now()
    return EvaluationContract.objects.update_or_create(
        dossier=d,
        state=EvaluationContract.State.VALIDATED,
        defaults={"centre_id": d.evaluation_center_id, "carried_over": True, "decided_at": on, "confirmed_at": on},
    )[0]


def complete(d: Dossier, by) -> Dossier:
    """Answer every applicable requirement, add the required documents (checked) and sign the declaration."""
    from registry.qualification.services.documents import document_add
    from registry.qualification.services.dossiers import applicable_requirements

    for r in applicable_requirements(d):
        Answer.objects.update_or_create(dossier=d, requirement=r, defaults={"status": "met"})
    status = d.status
    if status not in (Dossier.Status.DRAFT, Dossier.Status.CHANGES_REQUESTED):
        Dossier.objects.filter(pk=d.pk).update(status=Dossier.Status.DRAFT)
        d.status = Dossier.Status.DRAFT
    for kind in d.scheme.required_document_kinds:
        checked(document_add(dossier=d, kind=kind, title=str(DocumentKind(kind).label), uploaded=pdf(), by=by))
    Dossier.objects.filter(pk=d.pk).update(
        status=status,
        declared_by=by,
        declared_at=timezone.now(),
        declared_by_name=by.get_full_name() or by.email,
        declared_by_capacity="Chief executive officer",
    )
    d.refresh_from_db()
    return d


def walk(d: Dossier, to: str, *, provider_user, reviewer, center) -> Dossier:
    """Take a complete dossier along the main path through the services, up to `to`: submit, take, admit; the
    provider's contract with `center`, confirmed by its evaluator and validated; for "decision", the centre's plan
    (validated), its grid and technical report, then the reviewer sends it to decision."""
    from registry.qualification.services.dossiers import dossier_admit, dossier_report, dossier_submit, dossier_take

    S = Dossier.Status
    path = [S.DRAFT, S.SUBMITTED, S.IN_REVIEW, S.EVALUATION, S.DECISION]
    if to not in path or path.index(to) < path.index(d.status):
        raise ValueError(f"walk goes forward along the main path, not from {d.status} to {to}")
    while d.status != to:
        if d.status == S.DRAFT:
            d = dossier_submit(dossier=d, by=provider_user)
        elif d.status == S.SUBMITTED:
            d = dossier_take(dossier=d, by=reviewer)
        elif d.status == S.IN_REVIEW:
            d = dossier_admit(dossier=d, by=reviewer)
            contracted(d, provider_user=provider_user, reviewer=reviewer, center=center)
        else:
            evaluated(d, reviewer=reviewer)
            d = dossier_report(dossier=d, by=reviewer, recommendation="qualify")
    return d


def centre_evaluator_user(center):
    """An active evaluator's account of `center` (the first, or a new one)."""
    from registry.evaluation.models import Evaluator

    found = Evaluator.objects.filter(centre=center, active=True).select_related("user").first()
    return found.user if found else evaluator(center).user


def contracted(d: Dossier, *, provider_user, reviewer, center):
    """Through the services: the provider files its contract with `center`, the centre confirms, the reviewer
    validates. Returns the contract."""
    from registry.evaluation import contracts

    contract = contracts.contract_file(dossier=d, by=provider_user, centre=center, uploaded=pdf("contract.pdf"))
    checked(contract.document)
    contract = contracts.contract_confirm(contract=contract, by=centre_evaluator_user(center))
    contract = contracts.contract_validate(contract=contract, by=reviewer)
    d.refresh_from_db()
    return contract


def evaluated(d: Dossier, *, reviewer):
    """Through the services: the dossier's centre files its plan, the reviewer validates it, the centre grades every
    applicable requirement conform and submits its technical report. Returns the report."""
    from registry.evaluation import grid, plans
    from registry.qualification.services.dossiers import applicable_requirements

    d.refresh_from_db()
    by = centre_evaluator_user(d.evaluation_center)
    plan = plans.plan_file(
        dossier=d,
        by=by,
        scope="The whole service as described in the dossier.",
        sites=list(d.service.sites.all()[:1]),
        other_locations="" if d.service.sites.exists() else "The provider's head office.",
        starts_on=timezone.localdate(),
        ends_on=timezone.localdate() + relativedelta(days=10),
        team="Lead evaluator, Evaluation Centre",
    )
    plans.plan_validate(plan=plan, by=reviewer)
    for requirement in applicable_requirements(d):
        grid.verdict_record(
            dossier=d, requirement=requirement, by=by, value="conform", evidence_reviewed="Policy and interviews."
        )
    report = grid.report_submit(
        dossier=d, by=by, uploaded=pdf("report.pdf"), title="Evaluation report", conclusion="Conform."
    )
    checked(report.document)
    return report


def public_history(certificate, *, later_after_days=10, reason=""):
    """The public history qualification and one later move leave: "active" at 10:00 on the day of issue, then the
    certificate's own status `later_after_days` afterwards (with `reason`) unless it is still active."""
    import datetime

    from registry.certificates.models import CertificateEvent

    start = timezone.make_aware(datetime.datetime.combine(certificate.issued_on, datetime.time(10)))
    CertificateEvent.objects.create(
        certificate=certificate, status="active", reason="Qualification granted.", created_at=start
    )
    if certificate.status != "active":
        CertificateEvent.objects.create(
            certificate=certificate,
            status=certificate.status,
            reason=reason,
            created_at=start + datetime.timedelta(days=later_after_days),
        )
    return certificate


def certificate(service_obj=None, scheme_obj=None, **kw):
    """A certificate written directly, with its qualified dossier (for tests of what happens to certificates later)."""
    from registry.certificates.models import Certificate

    service_obj = service_obj or service()
    scheme_obj = scheme_obj or scheme(with_requirements=False)
    issued_on = kw.pop("issued_on", timezone.localdate())
    values = {
        "number": f"SNC-{issued_on.year}-{n():04d}",
        "scope": "Virtual machines.",
        "issued_on": issued_on,
        "expires_on": issued_on + relativedelta(months=36),
        "status": "active",
    } | kw
    d = dossier(service_obj, scheme_obj, status=Dossier.Status.QUALIFIED)
    return Certificate.objects.create(dossier=d, service=service_obj, scheme=scheme_obj, **values)


def review_date(days: int = 30):
    """A planned review date for a suspension: a day to come, well within a fresh certificate's validity."""
    return timezone.localdate() + relativedelta(days=days)


def suspension_form(reason: str, **fields) -> dict:
    """What the agency's suspension form posts: the public reason, effective today, a review planned in a month."""
    return {
        "reason": reason,
        "effective_on": timezone.localdate().isoformat(),
        "review_on": review_date().isoformat(),
        "internal_note": "",
    } | fields


# --- G: the public side after qualification: accepted changes and surveillance audits written as rows. ---


def accepted_change_record(certificate_obj, *, kind="location", summary="A second storage site, in France.", **kw):
    """A change notice accepted on the certificate's service, and the certified record version its acceptance wrote
    (the certificate's next version), as the acceptance leaves them in the database. Returns the record; its notice is
    record.change_notice. `description`, `proposed`, `outcome_note`… go to the notice; `adopted_at` to the record."""
    from django.db.models import Max

    from registry.certificates import records
    from registry.certificates.choices import ChangeStatus, ChangeType
    from registry.certificates.models import CertifiedRecord, ChangeNotice

    adopted_at = kw.pop("adopted_at", None) or timezone.now()
    by = kw.pop("by", None) or user()
    values = {
        "reference": f"CHG-{adopted_at.year}-{n():05d}",
        "provider": certificate_obj.service.provider,
        "service": certificate_obj.service,
        "kind": kind,
        "change_type": ChangeType.ADAPTIVE,
        "effective_on": timezone.localdate(adopted_at),
        "description": "The provider's account of the change.",
        "status": ChangeStatus.ACCEPTED,
        "created_by": by,
        "filed_at": adopted_at,
        "filed_by": by,
        "decided_at": adopted_at,
        "public_summary": summary,
    } | kw
    notice = ChangeNotice.objects.create(**values)
    latest = CertifiedRecord.objects.filter(certificate=certificate_obj).aggregate(v=Max("version"))["v"] or 0
    content = records.capture(certificate_obj.service, scope=certificate_obj.scope)
    return CertifiedRecord.objects.create(
        certificate=certificate_obj, version=latest + 1, content=content, adopted_at=adopted_at, change_notice=notice
    )


def surveillance_audit_row(certificate_obj, *, due_on, performed_on=None, outcome="", findings="", **kw):
    """A surveillance audit of the certificate, due on `due_on`; with an `outcome` it is recorded (performed on
    `performed_on`, the due day unless told), as the instructing reviewer's recording leaves it."""
    from registry.certificates.models import SurveillanceAudit

    sequence = SurveillanceAudit.objects.filter(certificate=certificate_obj).count() + 1
    values = {"sequence": sequence, "due_on": due_on, "outcome": outcome, "findings": findings}
    if outcome:
        values |= {"performed_on": performed_on or due_on, "recorded_at": timezone.now()}
    return SurveillanceAudit.objects.create(certificate=certificate_obj, **(values | kw))


# --- F: incidents and suspension proposals. ---


def incident(certificate_obj, by, **kw):
    """An incident declared on the certificate's service through the service (its initial report), an hour after it
    started and detected now unless told."""
    import datetime

    from registry.certificates.incidents import incident_declare

    now = timezone.now()
    values = {
        "title": "Unusual access to an administration console",
        "detected_at": now - datetime.timedelta(minutes=5),
        "started_at": now - datetime.timedelta(hours=1),
        "impact": "Administration interface unavailable for one hour.",
        "body": "Alerts from the SOC; access cut off; investigation opened.",
    } | kw
    return incident_declare(certificate=certificate_obj, by=by, **values)


# --- D: change notices. ---


def certified_service(provider_obj=None, **kw):
    """A service with EU sites and a live certificate whose version 1 of the certified record is kept, as a
    qualification leaves them (the certificate)."""
    from django.db import transaction

    from registry.certificates import records

    service_obj = service(provider_obj, **kw)
    eu_sites(service_obj)
    certificate_obj = certificate(service_obj)
    with transaction.atomic():
        records.keep(certificate_obj)
    return certificate_obj


def site_rows(service_obj, **changes) -> list[dict]:
    """The service's sites as the portal's formset hands them to a proposal, with `changes` on the storage site."""
    rows = []
    for site in service_obj.sites.order_by("role"):
        row = {"role": site.role, "country": site.country.code, "city": site.city, "operations": site.operations}
        rows.append(row | (changes if site.role == "storage" else {}))
    return rows


def proposed_storage_move(notice, by, country="US"):
    """The provider proposes to move the service's storage site to `country`."""
    from registry.certificates import changes

    service_obj = notice.service
    values = {
        "name": service_obj.name,
        "service_model": service_obj.service_model,
        "description": service_obj.description,
    }
    return changes.notice_propose_service(
        notice=notice, by=by, values=values, sites=site_rows(service_obj, country=country), third_parties=[]
    )


def filed_notice(certificate_obj, by, *, change_type="adaptive", kind="location", effective_on=None, country="US"):
    """A filed change notice moving the certified service's storage site to `country`."""
    from registry.certificates import changes

    notice = changes.notice_open(provider=certificate_obj.service.provider, service=certificate_obj.service, by=by)
    proposed_storage_move(notice, by, country)
    return changes.notice_file(
        notice=notice, by=by, kind=kind, change_type=change_type,
        effective_on=effective_on or timezone.localdate(), description="Storage moves to a new site.",
    )  # fmt: skip


def evaluator(centre=None, *, active=True, **kw):
    """A person who evaluates for `centre` (a new approved centre by default), as an accepted invitation leaves them."""
    from registry.evaluation.models import Evaluator

    return Evaluator.objects.create(user=user(**kw), centre=centre or evaluation_center(), active=active)


def evaluating(d: Dossier, *, reviewer, center, provider_user=None) -> Dossier:
    """A dossier placed in evaluation, instructed by `reviewer`, under a validated evaluation contract with `center`
    (rows written directly, for tests of what follows the contract; tests/evaluation/test_contracts.py walks the real
    path)."""
    from registry.evaluation.models import EvaluationContract
    from registry.qualification.services.documents import store_document

    Dossier.objects.filter(pk=d.pk).update(
        status=Dossier.Status.EVALUATION, instructing_reviewer=reviewer, evaluation_center=center
    )
    d.refresh_from_db()
    by = provider_user or reviewer
    document = checked(
        store_document(
            dossier_id=d.pk, kind=DocumentKind.EVALUATION_CONTRACT, title="Evaluation contract", uploaded=pdf(), by=by
        )
    )
    EvaluationContract.objects.create(
        dossier=d,
        centre=center,
        document_id=document.pk,
        state=EvaluationContract.State.VALIDATED,
        filed_by=by,
        confirmed_at=timezone.now(),
        decided_by=reviewer,
        decided_at=timezone.now(),
    )
    return d


def audited(audit_obj, evaluator_user, reviewer):
    """A surveillance audit assigned to the evaluator's centre with `reviewer` instructing it, worked through the
    services as the centre and the reviewer do: the plan filed and validated, one requirement graded, the report
    submitted (its document checked). A scheme without requirements gets one to grade."""
    import datetime

    from registry.evaluation import selectors as evaluation_selectors
    from registry.evaluation import surveillance as audit_work

    audit_obj.refresh_from_db()
    day = timezone.localdate()
    plan = audit_work.audit_plan_file(
        audit_obj=audit_obj,
        by=evaluator_user,
        scope="Access management and logging.",
        sites=[],
        other_locations="A remote session with the provider's team.",
        starts_on=day - datetime.timedelta(days=10),
        ends_on=day - datetime.timedelta(days=8),
        team="Eva Evaluator, lead",
    )
    audit_work.audit_plan_validate(plan=plan, by=reviewer)
    requirements = evaluation_selectors.audit_requirements(audit_obj)
    if not requirements:
        scheme_obj = audit_obj.certificate.scheme
        chapter = Requirement.objects.create(
            scheme=scheme_obj, ref="12", title_en="Operations", title_fr="Exploitation", position=90
        )
        requirements = [
            Requirement.objects.create(
                scheme=scheme_obj,
                ref="12.4",
                parent=chapter,
                title_en="Logging",
                title_fr="Journalisation",
                position=91,
            )
        ]
    audit_work.audit_verdict_record(
        audit_obj=audit_obj,
        requirement=requirements[0],
        by=evaluator_user,
        value="conform",
        evidence_reviewed="The access reviews of the last quarter.",
    )
    report = audit_work.audit_report_submit(
        audit_obj=audit_obj,
        by=evaluator_user,
        uploaded=pdf("audit-report.pdf"),
        title="Surveillance audit report",
        conclusion="The service still meets the requirements audited.",
    )
    checked(report.document)
    audit_obj.refresh_from_db()
    return audit_obj
