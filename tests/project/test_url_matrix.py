"""The permission matrix over every URL the project resolves: each named URL x each kind of visitor, with the answer
each must get. A named URL that is in no matrix (here, or another file's listed in tests/project/url_coverage.py) fails
test_every_url_is_in_a_matrix, so a new page cannot ship without saying who may reach it.

Answers: a status code, or LOGIN for a redirect to a sign-in page (the admin's or allauth's). Each request is also
checked to reach the view of the URL name it stands for (response.resolver_match), so that the matrix cannot drift
onto another page.
"""

import importlib
from dataclasses import dataclass, field

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from registry.accounts import audit
from registry.notifications.models import DeliveryFailure, Reminder
from registry.providers.models import Invitation
from registry.public.models import RegistrySnapshot, Subscription
from registry.public.snapshots import snapshot_issue
from registry.public.trusted_lists import trusted_list_issue
from registry.public.webhook_models import WebhookEndpoint
from registry.qualification.services import dossiers as svc
from tests import factories as f
from tests.project.url_coverage import ELSEWHERE, NOT_IN_A_MATRIX

pytestmark = pytest.mark.django_db

ROLES = ("anonymous", "owner", "other_owner", "staff", "reviewer", "decision_maker", "administrator")
LOGIN = "login"
AGENCY = ("reviewer", "decision_maker", "administrator")


@dataclass
class Row:
    url: object  # world -> path
    expect: dict  # role -> status or LOGIN; roles left out are not requested
    method: str = "get"
    data: dict = field(default_factory=dict)


def answers(anonymous, owner, other_owner, staff, reviewer, decision_maker, administrator) -> dict:
    return dict(
        zip(ROLES, (anonymous, owner, other_owner, staff, reviewer, decision_maker, administrator), strict=True)
    )


# The evaluation centres' people (registry/centre/): an evaluator of centre A, which holds the world's dossier in
# evaluation, and one of centre B. Only rows that name them request them.
CENTRE_ROLES = ("evaluator", "other_evaluator")


def centre_answers(anonymous, owner, reviewer, administrator, evaluator, other_evaluator) -> dict:
    return {
        "anonymous": anonymous,
        "owner": owner,
        "reviewer": reviewer,
        "administrator": administrator,
        "evaluator": evaluator,
        "other_evaluator": other_evaluator,
    }


def everyone(status) -> dict:
    return dict.fromkeys(ROLES, status)


def webhook_row(action: str, endpoint: str, expect: dict, method: str = "get") -> Row:
    """A button of a webhook's management page, on the world's endpoint of that name."""
    return Row(
        lambda w: reverse(f"registry:webhook-{action}", args=[w["webhooks"][endpoint].manage_token]), expect, method
    )


def signed_in(anonymous, member) -> dict:
    """Account pages: what matters is signed in or not; a provider's member and an agency member stand for the rest."""
    return {"anonymous": anonymous, "owner": member, "reviewer": member}


def admin(staff, reviewer, decision_maker, administrator) -> dict:
    return answers(LOGIN, LOGIN, LOGIN, staff, reviewer, decision_maker, administrator)


def model_admin(app_model, *, view, add=(), delete=(), history=True, simple_history=False, pk=None):
    """The standard pages of one model's admin: who may see (list, page, history) and who may add and delete. Everyone
    else on the staff gets 403; anyone not on the staff, the sign-in."""

    def status(allowed):
        return admin(*(200 if role in allowed else 403 for role in ("staff", *AGENCY)))

    app, model = app_model.split(".")
    prefix = f"admin:{app}_{model}"
    obj = pk or (lambda w: w["objects"][app_model].pk)
    rows = {
        f"{prefix}_changelist": Row(lambda w: reverse(f"{prefix}_changelist"), status(view)),
        f"{prefix}_add": Row(lambda w: reverse(f"{prefix}_add"), status(add)),
        f"{prefix}_change": Row(lambda w: reverse(f"{prefix}_change", args=[obj(w)]), status(view)),
        f"{prefix}_delete": Row(lambda w: reverse(f"{prefix}_delete", args=[obj(w)]), status(delete)),
    }
    if history:
        rows[f"{prefix}_history"] = Row(lambda w: reverse(f"{prefix}_history", args=[obj(w)]), status(view))
    if simple_history:
        rows[f"{prefix}_simple_history"] = Row(
            lambda w: reverse(
                f"{prefix}_simple_history", args=[obj(w), w["objects"][app_model].history.first().history_id]
            ),
            status(view),
        )
    return rows


ADMINISTRATORS = ("administrator",)


def world_audit(w):
    """A surveillance audit of the world's certificate, unassigned, made the first time a row asks for it (E)."""
    from registry.certificates.models import SurveillanceAudit

    if "audit" not in w:
        w["audit"] = SurveillanceAudit.objects.create(
            certificate=w["certificate"], sequence=1, due_on=w["certificate"].expires_on
        )
    return w["audit"]


def world_condition(w):
    """An open condition of the world's certificate, made the first time a row asks for it (E)."""
    from registry.certificates.models import Condition

    if "condition" not in w:
        w["condition"] = Condition.objects.create(
            certificate=w["certificate"], text="Publish the plan.", due_on=w["certificate"].expires_on
        )
    return w["condition"]


def world_contract(w):
    """An evaluation contract filed with centre A on a dossier of its own in evaluation (the world's centre dossier
    keeps its validated one), made the first time a row asks for it."""
    if "contract" not in w:
        d = centre_dossier(w["provider"], w["owner"], w["dossier"].scheme, w["centre_dossier"].evaluation_center)
        d.evaluation_center = None
        d.save(update_fields=["evaluation_center"])
        from registry.evaluation import contracts

        w["contract"] = contracts.contract_file(
            dossier=d, by=w["owner"], centre=w["centre_dossier"].evaluation_center, uploaded=f.pdf("contract.pdf")
        )
    return w["contract"]


def world_evaluating(w, key):
    """A dossier of its own in evaluation at centre A under a validated contract, instructed by a reviewer who is
    nobody of the matrix, made the first time a row asks for it (issue 19)."""
    from registry.qualification.workflow import REVIEWERS

    if key not in w:
        d = centre_dossier(w["provider"], w["owner"], w["dossier"].scheme, w["centre_dossier"].evaluation_center)
        w[key] = f.evaluating(d, reviewer=f.user(groups=[REVIEWERS]), center=d.evaluation_center)
    return w[key]


def world_plan(w):
    """Centre A's evaluation plan waiting for the agency, on a dossier of its own, made the first time a row asks."""
    import datetime

    from registry.evaluation.models import EvaluationPlan

    if "plan" not in w:
        d = world_evaluating(w, "plan_dossier")
        day = datetime.date(2027, 3, 1)
        w["plan"] = EvaluationPlan.objects.create(
            dossier=d, centre=d.evaluation_center, scope="All.", starts_on=day, ends_on=day, team="Eva, lead",
            filed_by=w["owner"],
        )  # fmt: skip
    return w["plan"]


def world_centre_audit(w, key="centre_audit"):
    """A surveillance audit of a certificate of its own, assigned to centre A with a reviewer who is nobody of the
    matrix, made the first time a row asks for it (issue 19)."""
    from registry.certificates.models import SurveillanceAudit
    from registry.qualification.workflow import REVIEWERS

    if key not in w:
        certificate = f.certificate(f.service(w["provider"]), w["dossier"].scheme)
        w[key] = SurveillanceAudit.objects.create(
            certificate=certificate, sequence=1, due_on=certificate.expires_on,
            evaluation_center=w["centre_dossier"].evaluation_center, reviewer=f.user(groups=[REVIEWERS]),
        )  # fmt: skip
    return w[key]


def world_audit_plan(w):
    """Centre A's plan of an audit of its own, waiting for the audit's reviewer, made the first time a row asks."""
    import datetime

    from registry.evaluation.models import EvaluationPlan

    if "audit_plan" not in w:
        audit_obj = world_centre_audit(w, "planned_audit")
        day = datetime.date(2027, 3, 1)
        w["audit_plan"] = EvaluationPlan.objects.create(
            surveillance_audit=audit_obj, centre=audit_obj.evaluation_center, scope="All.", starts_on=day,
            ends_on=day, team="Eva, lead", filed_by=w["owner"],
        )  # fmt: skip
    return w["audit_plan"]


def world_audit_report(w):
    """Centre A's report of an audit of its own (carried over, its document the reviewer's), made when asked."""
    from registry.evaluation.models import TechnicalReport
    from registry.qualification.choices import DocumentKind
    from registry.qualification.services.documents import store_document

    if "audit_report" not in w:
        audit_obj = world_centre_audit(w, "reported_audit")
        document = f.checked(
            store_document(
                dossier_id=audit_obj.certificate.dossier_id, kind=DocumentKind.SURVEILLANCE_REPORT, title="Report",
                uploaded=f.pdf(), by=audit_obj.reviewer, surveillance_audit=audit_obj,
            )
        )  # fmt: skip
        w["audit_report"] = TechnicalReport.objects.create(
            surveillance_audit=audit_obj, centre=audit_obj.evaluation_center, document=document, carried_over=True,
            conclusion="", submitted_by=audit_obj.reviewer,
        )  # fmt: skip
    return w["audit_report"]


def world_incident(w):
    """An incident declared on the world's certificate by its owner, made the first time a row asks for it (F)."""
    if "incident" not in w:
        w["incident"] = f.incident(w["certificate"], w["owner"])
    return w["incident"]


def world_proposal(w):
    """The world's certificate with a suspension proposed from its incident, made the first time a row asks (F)."""
    from registry.certificates.services import certificate_propose_suspension
    from registry.qualification.workflow import REVIEWERS

    certificate = w["certificate"]
    certificate.refresh_from_db()
    if certificate.suspension_proposed_at is None:
        proposer = f.user(groups=[REVIEWERS])
        certificate = certificate_propose_suspension(certificate=certificate, by=proposer, reason="From an incident.")
    return certificate


def world_import(w):
    """An OSCAL import into the world's dossier, as its event records it, made the first time a row asks for it."""
    from django.utils import timezone

    from registry.qualification.models import DossierEvent

    if "import" not in w:
        w["import"] = DossierEvent.objects.create(
            dossier=w["dossier"],
            actor=w["owner"],
            action="oscal_import",
            detail={"mapped": 1, "changed": 1, "unmapped_count": 0, "unmapped": [], "file": "a.json"},
            notified_at=timezone.now(),
        )
    return w["import"]


# URL name -> its Row, or a tuple of Rows when the URL answers more than one method (each method its own row).
MATRIX: dict[str, Row | tuple[Row, ...]] = {
    # The admin's own pages.
    # The workspace's home: the agency's groups only (registry/agency/site.py); staff outside them are refused.
    "admin:index": Row(lambda w: reverse("admin:index"), admin(403, 200, 200, 200)),
    # To allauth's sign-in (one door), or to the index for staff already in; a signed-in provider is refused.
    "admin:login": Row(lambda w: reverse("admin:login"), answers(302, 403, 403, 302, 302, 302, 302)),
    # POST only; Django sends anyone not on the staff to the index (and so to the sign-in).
    "admin:logout": Row(lambda w: reverse("admin:logout"), answers(302, 302, 302, 405, 405, 405, 405)),
    "admin:password_change": Row(lambda w: reverse("admin:password_change"), admin(200, 200, 200, 200)),
    "admin:password_change_done": Row(lambda w: reverse("admin:password_change_done"), admin(200, 200, 200, 200)),
    "admin:autocomplete": Row(
        lambda w: (
            reverse("admin:autocomplete")
            + "?app_label=registry&model_name=thirdparty&field_name=relies_on_service&term=a"
        ),
        admin(403, 200, 200, 200),  # a search among services, which the agency may list anyway
    ),
    "admin:jsi18n": Row(lambda w: reverse("admin:jsi18n"), admin(200, 200, 200, 200)),
    "admin:view_on_site": Row(
        lambda w: reverse("admin:view_on_site", args=[w["provider_ct"], w["objects"]["registry.provider"].pk]),
        admin(404, 404, 404, 404),  # no model of ours has a public URL of its own to send to
    ),
    "admin:app_list": Row(lambda w: reverse("admin:app_list", args=["registry"]), admin(404, 200, 200, 200)),
    # Catalogue, kept by the registry's administrators; read by the agency.
    **model_admin("registry.provider", view=AGENCY, add=ADMINISTRATORS, delete=ADMINISTRATORS, simple_history=True),
    **model_admin("registry.service", view=AGENCY, add=ADMINISTRATORS, delete=ADMINISTRATORS, simple_history=True),
    **model_admin("registry.shareholder", view=AGENCY, add=ADMINISTRATORS, delete=ADMINISTRATORS, simple_history=True),
    **model_admin("registry.scheme", view=AGENCY, add=ADMINISTRATORS, delete=ADMINISTRATORS),
    **model_admin("registry.requirement", view=AGENCY, add=ADMINISTRATORS, delete=ADMINISTRATORS),
    **model_admin("registry.evaluationcenter", view=AGENCY, add=ADMINISTRATORS, delete=ADMINISTRATORS),
    # Dossiers and certificates: read by the agency, changed only by workflow moves (nobody adds or deletes one).
    **model_admin("registry.dossier", view=AGENCY),
    **model_admin("registry.certificate", view=AGENCY),
    "admin:registry_dossier_move": Row(
        lambda w: reverse("admin:registry_dossier_move", args=[w["dossier"].pk, "take"]),
        admin(403, 200, 302, 302),  # 302: back to the dossier with the refusal's reason (not a reviewer)
    ),
    # The contract's validation: its dossier's instructing reviewer alone (it has none here: everyone is refused).
    "admin:registry_dossier_contract_validate": Row(
        lambda w: reverse(
            "admin:registry_dossier_contract_validate", args=[world_contract(w).dossier_id, world_contract(w).pk]
        ),
        admin(403, 403, 403, 403),
        "post",
    ),
    "admin:registry_dossier_contract_refuse": Row(
        lambda w: reverse(
            "admin:registry_dossier_contract_refuse", args=[world_contract(w).dossier_id, world_contract(w).pk]
        ),
        admin(403, 403, 403, 403),
        "post",
    ),
    # The plan's review: its dossier's instructing reviewer alone (nobody of the matrix here): everyone else, who never
    # makes this decision, gets 403.
    "admin:registry_dossier_plan_validate": Row(
        lambda w: reverse("admin:registry_dossier_plan_validate", args=[world_plan(w).dossier_id, world_plan(w).pk]),
        admin(403, 403, 403, 403),
        "post",
    ),
    "admin:registry_dossier_plan_changes": Row(
        lambda w: reverse("admin:registry_dossier_plan_changes", args=[world_plan(w).dossier_id, world_plan(w).pk]),
        admin(403, 403, 403, 403),
        "post",
        {"comment": "Visit the storage site."},
    ),
    "admin:registry_dossier_findings": Row(
        lambda w: reverse("admin:registry_dossier_findings", args=[w["dossier"].pk]),
        admin(403, 403, 403, 403),  # nobody instructs a submitted dossier: the findings rule refuses everyone
        "post",
    ),
    "admin:registry_dossier_message": Row(
        lambda w: reverse("admin:registry_dossier_message", args=[w["dossier"].pk]), admin(403, 302, 302, 302), "post"
    ),
    "admin:registry_dossier_upload": Row(
        lambda w: reverse("admin:registry_dossier_upload", args=[w["dossier"].pk]), admin(403, 302, 302, 302), "post"
    ),
    # A dossier's findings as OSCAL (registry/agency/oscal.py): the agency's groups; the world's dossier has no open
    # non-conformity, so the plan of action sends back to the dossier with the reason.
    "admin:registry_dossier_oscal_results": Row(
        lambda w: reverse("admin:registry_dossier_oscal_results", args=[w["dossier"].pk]), admin(403, 200, 200, 200)
    ),
    "admin:registry_dossier_oscal_poam": Row(
        lambda w: reverse("admin:registry_dossier_oscal_poam", args=[w["dossier"].pk]), admin(403, 302, 302, 302)
    ),
    "admin:registry_document_download": Row(
        lambda w: reverse("admin:registry_document_download", args=[w["document"].pk]), admin(403, 200, 200, 200)
    ),
    "admin:registry_certificate_move": Row(
        lambda w: reverse("admin:registry_certificate_move", args=[w["certificate"].pk, "suspend"]),
        admin(403, 302, 200, 200),  # the committee and administrators; a reviewer is sent back with the reason
    ),
    # Incidents (F): read by the agency, written by the provider in the portal; a suspension proposed from one by
    # anyone at the agency, dismissed on the certificate's page by the committee or an administrator.
    **model_admin("registry.incident", view=AGENCY, pk=lambda w: world_incident(w).pk),
    "admin:registry_incident_propose_suspension": Row(
        lambda w: reverse("admin:registry_incident_propose_suspension", args=[world_incident(w).pk]),
        admin(403, 200, 200, 200),
    ),
    "admin:registry_certificate_dismiss_proposal": Row(
        lambda w: reverse("admin:registry_certificate_dismiss_proposal", args=[world_proposal(w).pk]),
        admin(403, 302, 200, 200),  # 302: a reviewer is sent back to the certificate with the refusal's reason
    ),
    # Change notices (D): read by the agency, moved through the notice's page (never added, changed or deleted).
    **model_admin("registry.changenotice", view=AGENCY),
    "admin:registry_changenotice_move": Row(
        lambda w: reverse("admin:registry_changenotice_move", args=[w["notice"].pk, "take"]),
        admin(403, 302, 302, 302),  # back to the notice: taken, or the refusal's reason (not a reviewer)
        "post",
    ),
    # Surveillance audits and conditions (E): read by the agency; an audit assigned by a reviewer or an administrator,
    # its report and outcome by its instructing reviewer alone (nobody instructs the world's audit); conditions set by
    # anyone at the agency (302: back to the certificate), closed, sent back or withdrawn by a reviewer.
    **model_admin("registry.surveillanceaudit", view=AGENCY, pk=lambda w: world_audit(w).pk),
    "admin:registry_surveillanceaudit_assign": Row(
        lambda w: reverse("admin:registry_surveillanceaudit_assign", args=[world_audit(w).pk]),
        admin(403, 200, 403, 200),  # 200: the page again, the empty form's errors beside it
        "post",
    ),
    # The centre's audit plan, reviewed by the audit's instructing reviewer alone (nobody of the matrix): 403 for
    # everyone else, who never makes this decision.
    "admin:registry_surveillanceaudit_plan_validate": Row(
        lambda w: reverse(
            "admin:registry_surveillanceaudit_plan_validate",
            args=[world_audit_plan(w).surveillance_audit_id, world_audit_plan(w).pk],
        ),
        admin(403, 403, 403, 403),
        "post",
    ),
    "admin:registry_surveillanceaudit_plan_changes": Row(
        lambda w: reverse(
            "admin:registry_surveillanceaudit_plan_changes",
            args=[world_audit_plan(w).surveillance_audit_id, world_audit_plan(w).pk],
        ),
        admin(403, 403, 403, 403),
        "post",
        {"comment": "Visit the storage site."},
    ),
    "admin:registry_surveillanceaudit_outcome": Row(
        lambda w: reverse("admin:registry_surveillanceaudit_outcome", args=[world_audit(w).pk]),
        admin(403, 403, 403, 403),
        "post",
    ),
    **model_admin("registry.condition", view=AGENCY, pk=lambda w: world_condition(w).pk),
    "admin:registry_condition_create": Row(
        lambda w: reverse("admin:registry_condition_create", args=[w["certificate"].pk]),
        admin(403, 302, 302, 302),
        "post",
    ),
    "admin:registry_condition_review": Row(
        lambda w: reverse("admin:registry_condition_review", args=[world_condition(w).pk]),
        admin(403, 200, 403, 403),  # a reviewer withdraws the open condition: the note is missing, the page again
        "post",
        {"move": "withdraw"},
    ),
    # The security audit log: read by the agency, changed by nobody.
    **model_admin("registry.auditevent", view=AGENCY),
    # The background jobs' bookkeeping: administrators only.
    **model_admin("registry.deliveryfailure", view=ADMINISTRATORS),
    **model_admin("registry.reminder", view=ADMINISTRATORS),
    # Accounts: superusers only, not the agency's groups.
    **model_admin("auth.user", view=()),
    **model_admin("auth.group", view=()),
    "admin:auth_user_password_change": Row(
        lambda w: reverse("admin:auth_user_password_change", args=[w["owner"].pk]), admin(403, 403, 403, 403)
    ),
    **model_admin("account.emailaddress", view=()),
    **model_admin("mfa.authenticator", view=()),
    **model_admin("usersessions.usersession", view=()),
    # The portal's entry pages.
    "portal:home": Row(lambda w: reverse("portal:home"), answers(LOGIN, 302, 302, 200, 200, 200, 200)),
    "portal:provider-new": Row(lambda w: reverse("portal:provider-new"), answers(LOGIN, *[200] * 6)),
    # The evaluation centres' space: its evaluators only (403 for everyone else signed in); another centre's dossier
    # or document answers 404.
    "centre:home": Row(lambda w: reverse("centre:home"), centre_answers(LOGIN, 403, 403, 403, 200, 200)),
    "centre:dossier": Row(
        lambda w: reverse("centre:dossier", args=[w["centre_dossier"].reference]),
        centre_answers(LOGIN, 403, 403, 403, 200, 404),
    ),
    "centre:document-download": Row(
        lambda w: reverse("centre:document-download", args=[w["centre_dossier"].documents.first().pk]),
        centre_answers(LOGIN, 403, 403, 403, 200, 404),
    ),
    # The centre's answer to a contract filed with it: centre A confirms (302), centre B does not see it (404).
    "centre:contract-confirm": Row(
        lambda w: reverse("centre:contract-confirm", args=[world_contract(w).dossier.reference]),
        centre_answers(LOGIN, 403, 403, 403, 302, 404),
        "post",
    ),
    "centre:contract-decline": Row(
        lambda w: reverse("centre:contract-decline", args=[world_contract(w).dossier.reference]),
        centre_answers(LOGIN, 403, 403, 403, 302, 404),  # 302: back to the page with "give the reason"
        "post",
    ),
    # The centre's plan: centre A's evaluators file it (the empty form answers 400), centre B does not see the dossier.
    "centre:plan-file": (
        Row(
            lambda w: reverse("centre:plan-file", args=[world_evaluating(w, "plan_form_dossier").reference]),
            centre_answers(LOGIN, 403, 403, 403, 200, 404),
        ),
        Row(
            lambda w: reverse("centre:plan-file", args=[world_evaluating(w, "plan_form_dossier").reference]),
            centre_answers(LOGIN, 403, 403, 403, 400, 404),
            "post",
        ),
    ),
    # The centre's grid and report (registry/centre/views/grid.py): the world's dossier has no validated plan, so the
    # pages say why nothing can be recorded yet (200) to its centre's evaluator.
    "centre:verdict": Row(
        lambda w: reverse(
            "centre:verdict",
            args=[w["centre_dossier"].reference, svc.applicable_requirements(w["centre_dossier"])[0].pk],
        ),
        centre_answers(LOGIN, 403, 403, 403, 200, 404),
    ),
    "centre:report-submit": Row(
        lambda w: reverse("centre:report-submit", args=[w["centre_dossier"].reference]),
        centre_answers(LOGIN, 403, 403, 403, 200, 404),
    ),
    # The surveillance audits assigned to centre A (issue 19): its evaluators read and file (the empty plan form
    # answers 400; the grid waits for the plan's validation: 200 saying why, 403 on POST), centre B gets 404.
    "centre:audit": Row(
        lambda w: reverse("centre:audit", args=[world_audit_plan(w).surveillance_audit_id]),
        centre_answers(LOGIN, 403, 403, 403, 200, 404),
    ),
    "centre:audit-plan": (
        Row(
            lambda w: reverse("centre:audit-plan", args=[world_centre_audit(w).pk]),
            centre_answers(LOGIN, 403, 403, 403, 200, 404),
        ),
        Row(
            lambda w: reverse("centre:audit-plan", args=[world_centre_audit(w).pk]),
            centre_answers(LOGIN, 403, 403, 403, 400, 404),
            "post",
        ),
    ),
    "centre:audit-verdict": (
        Row(
            lambda w: reverse(
                "centre:audit-verdict", args=[world_centre_audit(w).pk, svc.applicable_requirements(w["dossier"])[0].pk]
            ),
            centre_answers(LOGIN, 403, 403, 403, 200, 404),
        ),
        Row(
            lambda w: reverse(
                "centre:audit-verdict", args=[world_centre_audit(w).pk, svc.applicable_requirements(w["dossier"])[0].pk]
            ),
            centre_answers(LOGIN, 403, 403, 403, 403, 404),
            "post",
        ),
    ),
    "centre:audit-report": Row(
        lambda w: reverse("centre:audit-report", args=[world_centre_audit(w).pk]),
        centre_answers(LOGIN, 403, 403, 403, 200, 404),
    ),
    "centre:audit-report-download": Row(
        lambda w: reverse(
            "centre:audit-report-download", args=[world_audit_report(w).surveillance_audit_id, world_audit_report(w).pk]
        ),
        centre_answers(LOGIN, 403, 403, 403, 200, 404),
    ),
    "centre:invitation-accept": Row(
        lambda w: reverse("centre:invitation-accept", args=[w["evaluator_invitation"].token]),
        centre_answers(LOGIN, 200, 200, 200, 200, 200),  # the token is the secret; accepting checks who accepts
    ),
    "portal:invitation-accept": Row(
        lambda w: reverse("portal:invitation-accept", args=[w["invitation"].token]),
        answers(LOGIN, *[200] * 6),  # the token is the secret; accepting checks the invited address
    ),
    "portal:certificate-pdf": Row(
        lambda w: reverse("portal:certificate-pdf", args=[w["provider"].slug, w["certificate"].number]),
        answers(LOGIN, 200, 404, 404, 404, 404, 404),
    ),
    # A certificate's surveillance plan and conditions: its holder's members (viewers and editors in
    # tests/portal/test_portal_certificate_page.py); the answer (400: the empty form's errors) by owners and editors.
    "portal:certificate": Row(
        lambda w: reverse("portal:certificate", args=[w["provider"].slug, w["certificate"].number]),
        answers(LOGIN, 200, 404, 404, 404, 404, 404),
    ),
    "portal:condition-answer": Row(
        lambda w: reverse(
            "portal:condition-answer", args=[w["provider"].slug, w["certificate"].number, world_condition(w).pk]
        ),
        answers(LOGIN, 400, 404, 404, 404, 404, 404),
        "post",
    ),
    # A provider's incidents: its members only (viewers and editors in tests/portal/test_portal_incidents.py).
    "portal:incidents": Row(
        lambda w: reverse("portal:incidents", args=[w["provider"].slug]), answers(LOGIN, 200, 404, 404, 404, 404, 404)
    ),
    "portal:incident-new": Row(
        lambda w: reverse("portal:incident-new", args=[w["provider"].slug]),
        answers(LOGIN, 200, 404, 404, 404, 404, 404),
    ),
    "portal:incident": Row(
        lambda w: reverse("portal:incident", args=[w["provider"].slug, world_incident(w).reference]),
        answers(LOGIN, 200, 404, 404, 404, 404, 404),
    ),
    # Change notices in the portal (D): the organisation's members; anyone else 404 (viewers: tests/portal).
    "portal:changes": Row(
        lambda w: reverse("portal:changes", args=[w["provider"].slug]), answers(LOGIN, 200, 404, 404, 404, 404, 404)
    ),
    "portal:change-new": Row(
        lambda w: reverse("portal:change-new", args=[w["provider"].slug]),
        answers(LOGIN, 302, 404, 404, 404, 404, 404),
        "post",
    ),
    "portal:change-notice": Row(
        lambda w: reverse("portal:change-notice", args=[w["provider"].slug, w["notice"].reference]),
        answers(LOGIN, 200, 404, 404, 404, 404, 404),
    ),
    "portal:change-file": Row(
        lambda w: reverse("portal:change-file", args=[w["provider"].slug, w["notice"].reference]),
        answers(LOGIN, 302, 404, 404, 404, 404, 404),  # 302: back to the notice (already filed: the reason)
        "post",
    ),
    "portal:change-document": Row(
        lambda w: reverse("portal:change-document", args=[w["provider"].slug, w["notice"].reference]),
        answers(LOGIN, 302, 404, 404, 404, 404, 404),  # 302: back to the notice, with the form's refusal
        "post",
    ),
    "portal:change-withdraw": Row(
        lambda w: reverse("portal:change-withdraw", args=[w["provider"].slug, w["notice"].reference]),
        answers(LOGIN, 302, 404, 404, 404, 404, 404),
        "post",
    ),
    # The self-assessment as an OSCAL component definition (registry/portal/views/oscal.py): the dossier's members
    # (viewers: tests/portal/test_oscal_component_definition.py); anyone else 404. The world's dossier is submitted:
    # the import page says why it takes no file, and an empty confirmation is the form's error (400).
    "portal:dossier-oscal-export": Row(
        lambda w: reverse("portal:dossier-oscal-export", args=[w["dossier"].reference]),
        answers(LOGIN, 200, 404, 404, 404, 404, 404),
    ),
    "portal:dossier-oscal-import": Row(
        lambda w: reverse("portal:dossier-oscal-import", args=[w["dossier"].reference]),
        answers(LOGIN, 200, 404, 404, 404, 404, 404),
    ),
    "portal:dossier-oscal-import-confirm": Row(
        lambda w: reverse("portal:dossier-oscal-import-confirm", args=[w["dossier"].reference]),
        answers(LOGIN, 400, 404, 404, 404, 404, 404),
        "post",
    ),
    "portal:dossier-oscal-import-report": Row(
        lambda w: reverse("portal:dossier-oscal-import-report", args=[w["dossier"].reference, world_import(w).pk]),
        answers(LOGIN, 200, 404, 404, 404, 404, 404),
    ),
    # Nobody reaches it by signing in: only a scraper's METRICS_TOKEN opens it (unset here), tests/project/test_metrics.py.
    "metrics": Row(lambda w: reverse("metrics"), everyone(404)),
    # The public registry: the same for everyone.
    "registry:home": Row(lambda w: reverse("registry:home"), everyone(200)),
    "registry:list": Row(lambda w: reverse("registry:list"), everyone(200)),
    "registry:in-process": Row(lambda w: reverse("registry:in-process"), everyone(200)),
    "registry:archive": Row(lambda w: reverse("registry:archive"), everyone(200)),
    "registry:service": Row(lambda w: reverse("registry:service", args=[w["service"].slug]), everyone(200)),
    "registry:providers": Row(lambda w: reverse("registry:providers"), everyone(200)),
    "registry:provider": Row(lambda w: reverse("registry:provider", args=[w["provider"].slug]), everyone(200)),
    "registry:verify": Row(lambda w: reverse("registry:verify"), everyone(200)),
    "registry:verify-number": Row(
        lambda w: reverse("registry:verify-number", args=[w["certificate"].number]), everyone(200)
    ),
    "registry:certificate-pdf": Row(
        lambda w: reverse("registry:certificate-pdf", args=[w["certificate"].number]), everyone(200)
    ),
    "registry:stats": Row(lambda w: reverse("registry:stats"), everyone(200)),
    # The start page before sign-up: public (a signed-in person gets a link to the portal instead of sign-up).
    "registry:apply": Row(lambda w: reverse("registry:apply"), everyone(200)),
    "registry:badge": Row(lambda w: reverse("registry:badge", args=[w["certificate"].number]), everyone(200)),
    "registry:export-csv": Row(lambda w: reverse("registry:export-csv"), everyone(200)),
    "registry:export-json": Row(lambda w: reverse("registry:export-json"), everyone(200)),
    "registry:scheme-oscal-catalog": Row(
        lambda w: reverse("registry:scheme-oscal-catalog", args=[w["objects"]["registry.scheme"].code]), everyone(200)
    ),
    "registry:feed": Row(lambda w: reverse("registry:feed"), everyone(200)),
    "registry:snapshot": Row(lambda w: reverse("registry:snapshot"), everyone(200)),
    "registry:snapshot-signature": Row(lambda w: reverse("registry:snapshot-signature"), everyone(200)),
    "registry:snapshot-numbered": Row(lambda w: reverse("registry:snapshot-numbered", args=[1]), everyone(200)),
    "registry:snapshot-numbered-signature": Row(
        lambda w: reverse("registry:snapshot-numbered-signature", args=[1]), everyone(200)
    ),
    "registry:signing-key": Row(lambda w: reverse("registry:signing-key"), everyone(200)),
    "registry:trusted-list": Row(lambda w: reverse("registry:trusted-list"), everyone(200)),
    "registry:trusted-list-numbered": Row(lambda w: reverse("registry:trusted-list-numbered", args=[1]), everyone(200)),
    "registry:trusted-list-signing": Row(lambda w: reverse("registry:trusted-list-signing"), everyone(200)),
    "registry:published-key": Row(
        lambda w: reverse("registry:published-key", args=[RegistrySnapshot.objects.latest("sequence").key_id]),
        everyone(200),
    ),
    "registry:subscribe": Row(lambda w: reverse("registry:subscribe"), everyone(200)),
    # The public pages' follow form posts here without a token (it writes nothing: the page with the CSRF-protected
    # button); a POST only.
    "registry:subscribe-start": (
        Row(lambda w: reverse("registry:subscribe-start"), everyone(200), "post", {"email": "follower@x.test"}),
        Row(lambda w: reverse("registry:subscribe-start"), everyone(405)),
    ),
    "registry:subscribe-sent": Row(lambda w: reverse("registry:subscribe-sent"), everyone(200)),
    "registry:subscription-confirm": Row(
        lambda w: reverse("registry:subscription-confirm", args=[w["subscription"].token]), everyone(200)
    ),
    "registry:subscription-unsubscribe": Row(
        lambda w: reverse("registry:subscription-unsubscribe", args=[w["subscription"].token]), everyone(200)
    ),
    "registry:subscription-unsubscribed": Row(lambda w: reverse("registry:subscription-unsubscribed"), everyone(200)),
    # Signed webhooks: public pages; an endpoint is managed by whoever holds its e-mailed link (buttons POST only).
    "registry:webhook-new": Row(lambda w: reverse("registry:webhook-new"), everyone(200)),
    "registry:webhook-sent": Row(lambda w: reverse("registry:webhook-sent"), everyone(200)),
    "registry:webhook-confirm": Row(
        lambda w: reverse("registry:webhook-confirm", args=[w["webhooks"]["pending"].confirm_token]), everyone(200)
    ),
    "registry:webhook-manage": Row(
        lambda w: reverse("registry:webhook-manage", args=[w["webhooks"]["active"].manage_token]), everyone(200)
    ),
    **{
        f"registry:webhook-{action}": (
            webhook_row(action, "active", everyone(302), "post"),
            webhook_row(action, "active", everyone(405)),
        )
        for action in ("test", "rotate", "enable")
    },
    # Deleting answers once: each role deletes an endpoint of its own.
    "registry:webhook-delete": (
        webhook_row("delete", "doomed", everyone(405)),
        *(webhook_row("delete", role, {role: 302}, "post") for role in ROLES),
    ),
    "registry:webhook-deleted": Row(lambda w: reverse("registry:webhook-deleted"), everyone(200)),
    # The language strip's link (GET), and Django's own POST for other clients: both back to `next`.
    "set_language": (
        Row(lambda w: reverse("set_language"), everyone(302), "post", {"language": "fr", "next": "/"}),
        Row(lambda w: reverse("set_language"), everyone(302), "get", {"language": "fr", "next": "/"}),
    ),
    # For load balancers, anonymous; the database check only, as the test world has no worker heartbeat.
    # The public API: read-only and the same for everyone.
    "api:api-root": Row(lambda w: reverse("api:api-root"), everyone(200)),
    "api:service-list": Row(lambda w: reverse("api:service-list"), everyone(200)),
    "api:service-detail": Row(lambda w: reverse("api:service-detail", args=[w["service"].slug]), everyone(200)),
    "api:provider-list": Row(lambda w: reverse("api:provider-list"), everyone(200)),
    "api:provider-detail": Row(lambda w: reverse("api:provider-detail", args=[w["provider"].slug]), everyone(200)),
    "api:certificate-list": Row(lambda w: reverse("api:certificate-list"), everyone(200)),
    "api:certificate-detail": Row(
        lambda w: reverse("api:certificate-detail", args=[w["certificate"].number]), everyone(200)
    ),
    "api:certificate-history": Row(
        lambda w: reverse("api:certificate-history", args=[w["certificate"].number]), everyone(200)
    ),
    "api:in-process-list": Row(lambda w: reverse("api:in-process-list"), everyone(200)),
    "api:changes": Row(lambda w: reverse("api:changes"), everyone(200)),
    "api:schema": Row(lambda w: reverse("api:schema"), everyone(200)),
    "api:docs": Row(lambda w: reverse("api:docs"), everyone(200)),
    "api:not-found": Row(lambda w: "/api/v1/nothing-here/", everyone(404)),
    # Accounts (django-allauth): pages about the signed-in person's own account, and the ways in.
    "account_login": Row(lambda w: reverse("account_login"), signed_in(200, 302)),
    "account_logout": Row(lambda w: reverse("account_logout"), signed_in(302, 200)),
    "account_signup": Row(lambda w: reverse("account_signup"), signed_in(200, 302)),
    "account_inactive": Row(lambda w: reverse("account_inactive"), signed_in(200, 200)),
    "account_reauthenticate": Row(lambda w: reverse("account_reauthenticate"), signed_in(LOGIN, 200)),
    "account_email": Row(lambda w: reverse("account_email"), signed_in(LOGIN, 200)),
    "account_email_verification_sent": Row(lambda w: reverse("account_email_verification_sent"), signed_in(200, 200)),
    "account_confirm_email": Row(lambda w: reverse("account_confirm_email", args=["not-a-key"]), signed_in(200, 200)),
    "account_change_password": Row(lambda w: reverse("account_change_password"), signed_in(LOGIN, 200)),
    "account_set_password": Row(lambda w: reverse("account_set_password"), signed_in(LOGIN, 302)),
    "account_reset_password": Row(lambda w: reverse("account_reset_password"), signed_in(200, 200)),
    "account_reset_password_done": Row(lambda w: reverse("account_reset_password_done"), signed_in(200, 200)),
    "account_reset_password_from_key": Row(
        lambda w: reverse("account_reset_password_from_key", kwargs={"uidb36": "1", "key": "not-a-key"}),
        signed_in(200, 200),  # the page that says the link is invalid
    ),
    "account_reset_password_from_key_done": Row(
        lambda w: reverse("account_reset_password_from_key_done"), signed_in(200, 200)
    ),
    "account_confirm_login_code": Row(lambda w: reverse("account_confirm_login_code"), signed_in(302, 302)),
    # Second factors (allauth.mfa) and sessions (allauth.usersessions): one's own, after signing in.
    "mfa_index": Row(lambda w: reverse("mfa_index"), signed_in(LOGIN, 200)),
    "mfa_authenticate": Row(lambda w: reverse("mfa_authenticate"), signed_in(302, 302)),  # no sign-in pending
    # Without a second factor set up there is nothing to re-authenticate with: back to the account pages.
    "mfa_reauthenticate": Row(
        lambda w: reverse("mfa_reauthenticate"), {"anonymous": LOGIN, "owner": 302, "reviewer": 200}
    ),
    "mfa_activate_totp": Row(lambda w: reverse("mfa_activate_totp"), signed_in(LOGIN, 302)),
    # 404: no authenticator app to turn off; staff are not let to turn theirs off (the admin requires it).
    "mfa_deactivate_totp": Row(
        lambda w: reverse("mfa_deactivate_totp"), {"anonymous": LOGIN, "owner": 404, "reviewer": 302}
    ),
    "mfa_view_recovery_codes": Row(lambda w: reverse("mfa_view_recovery_codes"), signed_in(LOGIN, 404)),
    "mfa_generate_recovery_codes": Row(lambda w: reverse("mfa_generate_recovery_codes"), signed_in(LOGIN, 302)),
    "mfa_download_recovery_codes": Row(lambda w: reverse("mfa_download_recovery_codes"), signed_in(LOGIN, 404)),
    "mfa_list_webauthn": Row(lambda w: reverse("mfa_list_webauthn"), signed_in(LOGIN, 200)),
    "mfa_add_webauthn": Row(lambda w: reverse("mfa_add_webauthn"), signed_in(LOGIN, 302)),
    "mfa_reauthenticate_webauthn": Row(lambda w: reverse("mfa_reauthenticate_webauthn"), signed_in(LOGIN, 302)),
    # Someone else's security key: re-authentication first (then allauth finds only one's own keys).
    "mfa_edit_webauthn": Row(lambda w: reverse("mfa_edit_webauthn", args=[w["key"].pk]), signed_in(LOGIN, 302)),
    "mfa_remove_webauthn": Row(lambda w: reverse("mfa_remove_webauthn", args=[w["key"].pk]), signed_in(LOGIN, 302)),
    "usersessions_list": Row(lambda w: reverse("usersessions_list"), signed_in(LOGIN, 200)),
}


def named_urls(patterns=None, namespace=None):
    """Every named URL pattern the project resolves, with its namespace, walking included URLconfs."""
    for pattern in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(pattern, URLResolver):
            inner = namespace
            if pattern.namespace:
                inner = f"{namespace}:{pattern.namespace}" if namespace else pattern.namespace
            yield from named_urls(pattern.url_patterns, inner)
        elif isinstance(pattern, URLPattern) and pattern.name:
            yield f"{namespace}:{pattern.name}" if namespace else pattern.name


def test_every_url_is_in_a_matrix():
    for name, (module, matrix, key) in ELSEWHERE.items():
        assert key in getattr(importlib.import_module(module), matrix), (
            f"{name}: {module}.{matrix} no longer has {key!r}"
        )
    assert not set(NOT_IN_A_MATRIX) & (set(MATRIX) | set(ELSEWHERE)), "allowed without a matrix, yet in one"
    covered = set(MATRIX) | set(ELSEWHERE) | set(NOT_IN_A_MATRIX)
    missing = sorted(set(named_urls()) - covered)
    assert missing == [], "URLs in no permission matrix (add them to MATRIX with who may reach them):\n" + "\n".join(
        missing
    )
    gone = sorted(covered - set(named_urls()))
    assert gone == [], f"matrix rows for URLs that no longer exist: {gone}"


@pytest.fixture
def centres(db):
    """Centre A and centre B, one evaluator each."""
    return {"a": f.evaluator(email="evaluator@centre-a.test"), "b": f.evaluator(email="evaluator@centre-b.test")}


def centre_dossier(provider, owner, scheme, centre):
    """A dossier of the world's provider in evaluation at `centre`, with its documents."""
    return f.complete(f.dossier(f.service(provider), scheme, status="evaluation", evaluation_center=centre), owner)


@pytest.fixture
def world(
    provider,
    owner,
    other_owner,
    reviewer,
    decision_maker,
    administrator,
    scheme,
    service,
    complete_draft,
    editor,
    centres,
):
    from allauth.account.models import EmailAddress
    from allauth.mfa.models import Authenticator
    from allauth.usersessions.models import UserSession
    from django.contrib.auth.models import Group
    from django.contrib.contenttypes.models import ContentType

    from registry.evaluation.models import EvaluatorInvitation

    dossier = svc.dossier_submit(dossier=complete_draft, by=editor)
    certificate = f.certificate(service)
    notice = f.filed_notice(certificate, owner)
    snapshot_issue(force=True)
    trusted_list_issue(force=True)
    someone = f.user()
    key = Authenticator.objects.create(user=someone, type=Authenticator.Type.WEBAUTHN, data={})
    objects = {
        "registry.provider": provider,
        "registry.service": service,
        "registry.shareholder": f.shareholder(provider),
        "registry.scheme": scheme,
        "registry.requirement": scheme.requirements.first(),
        "registry.evaluationcenter": f.evaluation_center(),
        "registry.dossier": dossier,
        "registry.certificate": certificate,
        "registry.changenotice": notice,
        "registry.auditevent": audit.record("login", actor=owner),
        "registry.deliveryfailure": DeliveryFailure.objects.create(task="registry.notifications.tasks.x", error="down"),
        "registry.reminder": Reminder.objects.create(key="expiry:x:30"),
        "auth.user": someone,
        "auth.group": Group.objects.first(),
        "account.emailaddress": EmailAddress.objects.create(user=someone, email=someone.email, verified=True),
        "mfa.authenticator": key,
        "usersessions.usersession": UserSession.objects.create(
            user=someone, session_key="k" * 32, ip="192.0.2.1", user_agent="tests"
        ),
    }
    return {
        "objects": objects,
        "provider": provider,
        "service": service,
        "dossier": dossier,
        "document": dossier.documents.first(),
        "certificate": certificate,
        "notice": notice,
        "owner": owner,
        "provider_ct": ContentType.objects.get_for_model(provider).pk,
        "invitation": Invitation.objects.create(
            provider=provider, email="invited@x.test", role="viewer", invited_by=owner
        ),
        "subscription": Subscription.objects.create(email="follower@x.test", scope=Subscription.Scope.REGISTRY),
        "webhooks": {
            name: WebhookEndpoint.objects.create(
                email="hooks@x.test",
                url=f"https://hooks.x.test/{name}",
                scope=WebhookEndpoint.Scope.REGISTRY,
                confirmed_at=None if name == "pending" else timezone.now(),
            )
            for name in ("pending", "active", "doomed", *ROLES)
        },
        "key": key,
        "centre_dossier": centre_dossier(provider, owner, scheme, centres["a"].centre),
        "evaluator_invitation": EvaluatorInvitation.objects.create(
            centre=centres["a"].centre, email="invited@centre-a.test", invited_by=administrator
        ),
    }


@pytest.fixture
def clients(owner, other_owner, reviewer, decision_maker, administrator, centres):
    people = {
        "owner": owner,
        "other_owner": other_owner,
        "staff": f.user(staff=True),
        "reviewer": reviewer,
        "decision_maker": decision_maker,
        "administrator": administrator,
        "evaluator": centres["a"].user,
        "other_evaluator": centres["b"].user,
    }
    clients = {"anonymous": Client()}
    for role, person in people.items():
        clients[role] = Client()
        if person.is_staff or role in CENTRE_ROLES:
            f.login_with_mfa(clients[role], person)  # the admin opens only after a second factor
        else:
            clients[role].force_login(person)
    return clients


def is_sign_in(response) -> bool:
    return response.status_code == 302 and response["Location"].startswith(
        (reverse("admin:login"), reverse("account_login"))
    )


def group(name: str) -> str:
    """Rows are requested by group, one world and one set of signed-in clients per group (the suite stays fast)."""
    if ":" in name:
        namespace, rest = name.split(":", 1)
        if namespace == "admin" and rest.startswith("registry_"):
            return "admin:registry"
        return namespace
    return "accounts"


@pytest.mark.parametrize("group_name", sorted({group(name) for name in MATRIX}))
def test_permission_matrix(world, clients, group_name):
    wrong = []
    for name in sorted(n for n in MATRIX if group(n) == group_name):
        for row in MATRIX[name] if isinstance(MATRIX[name], tuple) else (MATRIX[name],):
            url = row.url(world)
            for role, expected in row.expect.items():
                response = getattr(clients[role], row.method)(url, row.data)
                match = response.resolver_match
                if match is None or match.view_name != name:
                    wrong.append(f"{name}: {url} reaches {match and match.view_name}")
                    continue
                got = LOGIN if expected == LOGIN and is_sign_in(response) else response.status_code
                if got != expected:
                    wrong.append(f"{name} {row.method.upper()} as {role}: {got}, expected {expected} ({url})")
    assert wrong == [], "\n".join(wrong)
