"""Named reads of dossiers, shared by the agency's workspace and the notifications."""

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.db.models import CharField, Count, Exists, IntegerField, Min, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce, Concat, NullIf, Trim
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from registry.evaluation.models import EvaluationContract, EvaluationPlan
from registry.evaluation.selectors import readable_reports
from registry.qualification.choices import CLOSED_DOSSIER_STATUSES, DocumentKind
from registry.qualification.choices import DossierStatus as S
from registry.qualification.models import Document, Dossier, DossierEvent, DossierVisit, Message
from registry.qualification.workflow import ADMINISTRATORS, COMMITTEE, INSTRUCTION_MOVES, MOVES, REVIEWERS


def instructor_ids(dossier) -> frozenset:
    """Everyone the dossier's history names as having instructed it: the actors of its instruction moves and the
    authors of every version of its evaluation report (registry.qualification.workflow.instructors adds the current
    instructing reviewer)."""
    movers = DossierEvent.objects.filter(dossier=dossier, action__in=INSTRUCTION_MOVES, actor__isnull=False)
    authors = Document.objects.filter(dossier=dossier, kind=DocumentKind.EVALUATION_REPORT, uploaded_by__isnull=False)
    # One query for both: a dossier page or a move reads them once.
    return frozenset(
        movers.order_by()
        .values_list("actor_id", flat=True)
        .union(authors.order_by().values_list("uploaded_by_id", flat=True))
    )


def with_instructors(dossier):
    """The dossier, with its instructors read from its history: what the four-eyes rule of the workflow asks."""
    dossier.instructor_ids = instructor_ids(dossier)
    return dossier


def instructed_by(user_id) -> Q:
    """instructors() in SQL: the dossiers this person took part in instructing."""
    moved = DossierEvent.objects.filter(dossier=OuterRef("pk"), action__in=INSTRUCTION_MOVES, actor_id=user_id)
    wrote = Document.objects.filter(dossier=OuterRef("pk"), kind=DocumentKind.EVALUATION_REPORT, uploaded_by_id=user_id)
    return Q(instructing_reviewer_id=user_id) | Q(Exists(moved)) | Q(Exists(wrote))


def waiting_for(actor) -> Q:
    """The dossiers on which this agency member has a move to make now, as a condition.

    Mirrors the agency rows of registry.qualification.workflow.MOVES in SQL; tests/agency/test_admin_dossiers.py checks
    the two agree.
    """
    condition = Q(pk__in=[])
    if actor.in_group(REVIEWERS):
        condition |= to_take() | Q(status__in=(S.IN_REVIEW, S.EVALUATION), instructing_reviewer_id=actor.user_id)
    if actor.in_group(COMMITTEE):
        condition |= awaiting_decision_by(actor.user_id)
    return condition


def dossiers_waiting_for(actor, queryset=None):
    """The dossiers waiting_for() this agency member."""
    qs = queryset if queryset is not None else Dossier.objects.all()
    return qs.filter(waiting_for(actor))


# --- The agency's queues: what waits on whom, each a condition on dossiers for one person. ---

# The statuses in which a dossier waits on the agency (in draft and when changes were requested it waits on the
# provider; closed, on nobody).
AGENCY_SIDE = (S.SUBMITTED, S.IN_REVIEW, S.EVALUATION, S.DECISION)
# The moves a provider makes: such an event on a dossier is the provider answering the agency (a resubmission).
PROVIDER_MOVES = tuple(action for action, move in MOVES.items() if not move.agency)
# Where the reviewer waits for the provider or the evaluation centre, and may hear from the provider.
INSTRUCTED_OPEN = (S.IN_REVIEW, S.CHANGES_REQUESTED, S.EVALUATION)


def to_take() -> Q:
    """Submitted and taken by nobody yet: any reviewer may take them."""
    return Q(status=S.SUBMITTED)


def mine_open(user_id) -> Q:
    """The open dossiers this reviewer instructs, whatever waits on whom."""
    return Q(instructing_reviewer_id=user_id) & ~Q(status__in=CLOSED_DOSSIER_STATUSES)


def mine_in_review(user_id) -> Q:
    """The dossiers this reviewer instructs that are in review (a resubmission comes back here, to its reviewer)."""
    return Q(status=S.IN_REVIEW, instructing_reviewer_id=user_id)


def answered_since_my_last_action(user_id) -> Q:
    """The dossiers this reviewer instructs on which the provider wrote or resubmitted after the reviewer's last word.

    The reviewer's last word is their latest move or message on the dossier: a provider's message or move that no move
    or message of the reviewer followed is an answer still to read."""
    mine_after = Q(created_at__gte=OuterRef("created_at"))
    my_move = DossierEvent.objects.filter(mine_after, dossier_id=OuterRef(OuterRef("pk")), actor_id=user_id)
    my_message = Message.objects.filter(mine_after, dossier_id=OuterRef(OuterRef("pk")), author_id=user_id)
    unanswered = ~Exists(my_move) & ~Exists(my_message)
    provider_moves = DossierEvent.objects.filter(dossier_id=OuterRef("pk"), action__in=PROVIDER_MOVES)
    provider_messages = Message.objects.filter(
        dossier_id=OuterRef("pk"), author__memberships__provider_id=OuterRef("service__provider_id")
    )
    return Q(status__in=INSTRUCTED_OPEN, instructing_reviewer_id=user_id) & (
        Exists(provider_moves.filter(unanswered)) | Exists(provider_messages.filter(unanswered))
    )


def _centre_report():
    # The centre's technical report of this round (since the dossier last entered evaluation: a dossier the committee
    # sent back waits for a new one), as the guard of "send to decision" reads it (evaluation.selectors.evaluation_facts).
    return readable_reports().filter(dossier_id=OuterRef("pk"), submitted_at__gte=OuterRef("status_changed_at"))


def mine_in_evaluation(user_id, *, reported: bool) -> Q:
    """The dossiers this reviewer instructs that are in evaluation: waiting for the centre's report (reported=False),
    or with the report in, to send to decision (reported=True)."""
    report = Exists(_centre_report())
    return Q(status=S.EVALUATION, instructing_reviewer_id=user_id) & (report if reported else ~report)


def centre_step_to_validate(user_id) -> Q:
    """The dossiers this reviewer instructs on which the evaluation waits on them: a contract the centre confirmed, or
    a plan the centre filed (registry.evaluation)."""
    contract = EvaluationContract.objects.filter(dossier_id=OuterRef("pk"), state=EvaluationContract.State.CONFIRMED)
    plan = EvaluationPlan.objects.filter(dossier_id=OuterRef("pk"), state=EvaluationPlan.State.FILED)
    return Q(status=S.EVALUATION, instructing_reviewer_id=user_id) & (Exists(contract) | Exists(plan))


def awaiting_decision_by(user_id) -> Q:
    """The dossiers awaiting a decision that this person may take: never one they took part in instructing."""
    return Q(status=S.DECISION) & ~instructed_by(user_id)


def overdue_since(days: int, today: datetime.date) -> datetime.datetime:
    """The moment before which a dossier entered its status to have waited more than `days` days on `today`: the start
    of the day `days` days back (the reminders count whole days the same way)."""
    return timezone.make_aware(datetime.datetime.combine(today - datetime.timedelta(days=days), datetime.time.min))


def overdue(today: datetime.date) -> Q:
    """Waiting on the agency for too long: more than REVIEW_REMINDER_DAYS in a status of the agency's, or more than
    EVALUATION_TARGET_DAYS in evaluation (the centre's report is late)."""
    review = overdue_since(max(1, int(settings.REVIEW_REMINDER_DAYS)), today)
    evaluation = overdue_since(max(1, int(settings.EVALUATION_TARGET_DAYS)), today)
    return Q(status__in=(S.SUBMITTED, S.IN_REVIEW, S.DECISION), status_changed_at__lt=review) | Q(
        status=S.EVALUATION, status_changed_at__lt=evaluation
    )


@dataclass(frozen=True)
class Queue:
    """A named list of dossiers for one person, shown on the workspace's home (on_home) and in the dossier list."""

    key: str
    label: str
    groups: tuple  # the agency groups it is for; a person sees the queues of their groups
    on_home: bool = True

    def condition(self, actor, today: datetime.date) -> Q:
        """The queue's dossiers for this person: none when it is not a queue of their groups (a reviewer outside the
        committee has no decision waiting for them), except "all"."""
        if self.key != "all" and not self.is_for(actor):
            return Q(pk__in=[])
        return _CONDITIONS[self.key](actor, today)

    def is_for(self, actor) -> bool:
        return any(actor.in_group(group) for group in self.groups)


AGENCY = (REVIEWERS, COMMITTEE, ADMINISTRATORS)
QUEUES = {
    queue.key: queue
    for queue in (
        Queue("mine", _("Mine, open"), (REVIEWERS,), on_home=False),
        Queue("to_take", _("To take"), (REVIEWERS,)),
        Queue("in_review", _("Mine in review"), (REVIEWERS,)),
        Queue("answered", _("Answered by the provider since my last action"), (REVIEWERS,)),
        Queue("to_validate", _("Contract or evaluation plan to validate"), (REVIEWERS,)),
        Queue("evaluation", _("Mine in evaluation, waiting for the report"), (REVIEWERS,)),
        Queue("reported", _("Report received, to send to decision"), (REVIEWERS,)),
        Queue("decision", _("Awaiting my decision"), (COMMITTEE,)),
        Queue("overdue", _("Overdue"), AGENCY),
        Queue("waiting", _("Everything waiting for me"), (REVIEWERS, COMMITTEE), on_home=False),
        Queue("all", _("All dossiers"), AGENCY, on_home=False),
    )
}


def _overdue_for(actor, today) -> Q:
    # Administrators oversee the whole agency; the others, what waits on them.
    if actor.in_group(ADMINISTRATORS):
        return overdue(today)
    return overdue(today) & waiting_for(actor)


_CONDITIONS = {
    "mine": lambda actor, today: mine_open(actor.user_id),
    "to_take": lambda actor, today: to_take(),
    "in_review": lambda actor, today: mine_in_review(actor.user_id),
    "answered": lambda actor, today: answered_since_my_last_action(actor.user_id),
    "to_validate": lambda actor, today: centre_step_to_validate(actor.user_id),
    "evaluation": lambda actor, today: mine_in_evaluation(actor.user_id, reported=False),
    "reported": lambda actor, today: mine_in_evaluation(actor.user_id, reported=True),
    "decision": lambda actor, today: awaiting_decision_by(actor.user_id),
    "overdue": _overdue_for,
    "waiting": lambda actor, today: waiting_for(actor),
    "all": lambda actor, today: Q(),
}


def queues_for(actor, *, on_home: bool | None = None) -> list[Queue]:
    """The queues of this person's groups, in the order of QUEUES."""
    return [q for q in QUEUES.values() if q.is_for(actor) and (on_home is None or q.on_home == on_home)]


def default_queue(actor) -> Queue:
    """The queue the dossier list opens on: a reviewer's own open dossiers, a committee member's decisions, else all."""
    if actor.in_group(REVIEWERS):
        return QUEUES["mine"]
    if actor.in_group(COMMITTEE):
        return QUEUES["decision"]
    return QUEUES["all"]


@dataclass(frozen=True)
class QueueSize:
    queue: Queue
    count: int
    oldest: datetime.datetime | None  # when the dossier longest in its status entered it


def queue_sizes(actor, queues, today: datetime.date | None = None) -> list[QueueSize]:
    """How many dossiers each queue holds and since when the oldest waits: one query for all of them (conditional
    aggregation over the open dossiers), whatever their number."""
    today = today or timezone.localdate()
    if not queues:
        return []
    aggregates = {}
    for queue in queues:
        condition = queue.condition(actor, today)
        aggregates[f"{queue.key}_count"] = Count("pk", filter=condition)
        aggregates[f"{queue.key}_oldest"] = Min("status_changed_at", filter=condition)
    row = Dossier.objects.exclude(status__in=(S.DRAFT, *CLOSED_DOSSIER_STATUSES)).aggregate(**aggregates)
    return [QueueSize(q, row[f"{q.key}_count"], row[f"{q.key}_oldest"]) for q in queues]


# --- What the dossier list shows of each row. ---


def with_last_activity(queryset):
    """The dossiers with their latest event's time (last_activity_at) and its actor's name (last_activity_by: the full
    name, else the e-mail; None for the registry itself), read by two subqueries on the rows shown."""
    latest = DossierEvent.objects.filter(dossier_id=OuterRef("pk")).order_by("-created_at", "-pk")
    full_name = NullIf(Trim(Concat("actor__first_name", Value(" "), "actor__last_name")), Value(""))
    return queryset.annotate(
        last_activity_at=Subquery(latest.values("created_at")[:1]),
        last_activity_by=Subquery(
            latest.annotate(who=Coalesce(full_name, "actor__email", output_field=CharField())).values("who")[:1]
        ),
    )


def unread_messages(user_id):
    """The messages on a dossier (OuterRef "pk") that this person did not write, posted after they last opened its
    page (DossierVisit); all of them if they never did."""
    seen = DossierVisit.objects.filter(
        user_id=user_id, dossier_id=OuterRef("dossier_id"), seen_at__gte=OuterRef("created_at")
    )
    return Message.objects.filter(dossier_id=OuterRef("pk")).exclude(author_id=user_id).exclude(Exists(seen))


def with_unread(queryset, user_id):
    """The dossiers with `unread`: how many unread_messages() each holds for this person, in one subquery."""
    counted = unread_messages(user_id).order_by().values("dossier_id").annotate(n=Count("pk")).values("n")
    return queryset.annotate(unread=Coalesce(Subquery(counted, output_field=IntegerField()), 0))
