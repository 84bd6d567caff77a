"""The evaluation's steps on a dossier's timeline, and who is told of each.

Each step of the centre's work (contract, plan, report) is one DossierEvent: the dossier's log is the audit trail of
all three parties and the outbox of their e-mails (registry.notifications.evaluation_emails composes them from the
table below). A step is not a move of the workflow: the dossier stays "in evaluation" throughout.
"""

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from registry.accounts import audit
from registry.notifications.outbox import notify_dossier_event_on_commit

# What a party is told: nothing, a step to know of, or a step that waits on them.
SILENT, INFORMED, WAITS = "", "informed", "waits"


@dataclass(frozen=True)
class Step:
    label: object  # the timeline's words
    done: object  # what happened, for the e-mail ("The provider filed the evaluation contract with %(centre)s.")
    provider: str = SILENT
    centre: str = SILENT
    reviewer: str = SILENT
    next_step: object = ""  # what waits, said to the party it waits on


STEPS = {
    "contract_file": Step(
        _("Evaluation contract filed"),
        _("The provider filed its evaluation contract with %(centre)s."),
        centre=WAITS,
        reviewer=INFORMED,
        next_step=_("The centre confirms the contract in its space."),
    ),
    "contract_confirm": Step(
        _("Evaluation contract confirmed by the centre"),
        _("%(centre)s confirmed the evaluation contract."),
        provider=INFORMED,
        reviewer=WAITS,
        next_step=_("The instructing reviewer validates the contract."),
    ),
    "contract_decline": Step(
        _("Evaluation contract declined by the centre"),
        _("%(centre)s declined the evaluation contract."),
        provider=WAITS,
        reviewer=INFORMED,
        next_step=_("The provider files a contract with an approved centre."),
    ),
    "contract_validate": Step(
        _("Evaluation contract validated"),
        _("The agency validated the evaluation contract with %(centre)s: the evaluation starts."),
        provider=INFORMED,
        centre=WAITS,
        next_step=_("The centre files its evaluation plan."),
    ),
    "contract_refuse": Step(
        _("Evaluation contract refused by the agency"),
        _("The agency refused the evaluation contract with %(centre)s."),
        provider=WAITS,
        centre=INFORMED,
        next_step=_("The provider files a contract with an approved centre."),
    ),
    "plan_file": Step(
        _("Evaluation plan filed"),
        _("%(centre)s filed its evaluation plan."),
        provider=INFORMED,
        reviewer=WAITS,
        next_step=_("The instructing reviewer validates the plan or asks for changes."),
    ),
    "plan_validate": Step(
        _("Evaluation plan validated"),
        _("The agency validated the evaluation plan of %(centre)s."),
        provider=INFORMED,
        centre=WAITS,
        next_step=_("The centre evaluates and records its verdicts, then submits its technical report."),
    ),
    "plan_changes": Step(
        _("Changes requested to the evaluation plan"),
        _("The agency asked %(centre)s to change its evaluation plan."),
        centre=WAITS,
        next_step=_("The centre files its plan again with the changes."),
    ),
    "report_submit": Step(
        _("Technical report submitted"),
        _("%(centre)s submitted its technical report."),
        provider=INFORMED,
        reviewer=WAITS,
        next_step=_("The instructing reviewer records the findings and sends the dossier to decision."),
    ),
    # A surveillance audit's steps (registry.evaluation.surveillance), on the certificate's dossier; the detail names
    # the audit (audit_id), so the e-mails go to the audit's reviewer and link to the audit's pages.
    "audit_plan_file": Step(
        _("Surveillance audit plan filed"),
        _(
            "%(centre)s filed its plan for surveillance audit no. %(sequence)s of certificate %(certificate)s: "
            "from %(starts_on)s to %(ends_on)s."
        ),
        provider=INFORMED,
        reviewer=WAITS,
        next_step=_("The audit's instructing reviewer validates the plan or asks for changes."),
    ),
    "audit_plan_validate": Step(
        _("Surveillance audit plan validated"),
        _(
            "The agency validated the plan of %(centre)s for surveillance audit no. %(sequence)s of certificate "
            "%(certificate)s: from %(starts_on)s to %(ends_on)s."
        ),
        provider=INFORMED,
        centre=WAITS,
        next_step=_("The centre audits the service, records its verdicts, then submits its report."),
    ),
    "audit_plan_changes": Step(
        _("Changes requested to the surveillance audit plan"),
        _(
            "The agency asked %(centre)s to change its plan for surveillance audit no. %(sequence)s of certificate "
            "%(certificate)s."
        ),
        centre=WAITS,
        next_step=_("The centre files its plan again with the changes."),
    ),
    "audit_report_submit": Step(
        _("Surveillance audit report submitted"),
        _("%(centre)s submitted its report of surveillance audit no. %(sequence)s of certificate %(certificate)s."),
        provider=INFORMED,
        reviewer=WAITS,
        next_step=_("The audit's instructing reviewer records the outcome."),
    ),
}


def done_text(action: str, detail: dict | None) -> str:
    """What happened at the step, in words: its sentence filled from the event's detail (a placeholder a step's
    detail lacks reads empty rather than failing)."""
    blanks = {"centre": "", "certificate": "", "sequence": "", "starts_on": "", "ends_on": ""}
    return str(STEPS[action].done) % (blanks | (detail or {}))


def record_step(*, dossier, action: str, by, centre, comment: str = "", detail: dict | None = None, audit_obj=None):
    """Append the step to the dossier's log, the audit log, and tell the parties once the transaction commits.

    Call inside the service's transaction, after its write."""
    from registry.qualification.models import DossierEvent

    if action not in STEPS:
        raise ValueError(f"unknown evaluation step {action}")
    event = DossierEvent.objects.create(
        dossier=dossier,
        actor=by,
        action=action,
        comment=comment.strip(),
        detail={"centre_id": centre.pk, "centre": centre.name, **(detail or {})},
    )
    audit.record(f"dossier.{action}", actor=by, obj=audit_obj or dossier, centre=centre.name, **(detail or {}))
    notify_dossier_event_on_commit(event.pk)
    return event
