"""Named reads of certificates and their public history, built on the rules of registry.certificates.rules."""

import datetime

from django.db.models import Count, Exists, Min, OuterRef, Q
from django.utils import timezone

from registry.certificates import rules
from registry.certificates.choices import CertificateStatus
from registry.certificates.models import Certificate, CertificateEvent


def status_on(certificate, day: datetime.date, events=None) -> str | None:
    """The certificate's status at the end of `day`, read from its public history; None before it was issued.

    `events`: its history when the caller already holds it (any order), else read here."""
    end = timezone.make_aware(datetime.datetime.combine(day, datetime.time.max))
    history = events if events is not None else certificate.events.all()
    status = None
    for event in sorted(history, key=rules.history_key):
        if rules.took_effect_at(event) <= end:
            status = event.status
    if status is None and certificate.issued_on <= day:
        status = CertificateStatus.ACTIVE  # a certificate issued without its first event (imported data) was active
    if status is not None and rules.lapsed(status, certificate.expires_on, day):
        status = CertificateStatus.EXPIRED
    return status


def certificates_due_to_expire(day: datetime.date | None = None):
    """The certificates the nightly expiry moves: past their date on `day` (today) and not yet recorded expired."""
    return Certificate.objects.filter(rules.lapsed_on(day or timezone.localdate()))


def with_change(events):
    """The events annotated with `has_earlier`, what rules.change_of() needs, in one subquery whatever their number."""
    earlier = CertificateEvent.objects.filter(certificate_id=OuterRef("certificate_id")).filter(
        rules.before_in_history(OuterRef("created_at"), OuterRef("pk"))
    )
    return events.annotate(has_earlier=Exists(earlier))


def event_change(event) -> str:
    """What one event of the public history tells the public (rules.CHANGES), the same in the feed and the e-mails.

    Reads `has_earlier` when with_change() annotated it, else asks the database (only an "active" event needs it)."""
    has_earlier = getattr(event, "has_earlier", None)
    if has_earlier is None and event.status == CertificateStatus.ACTIVE:
        has_earlier = (
            CertificateEvent.objects.filter(certificate_id=event.certificate_id)
            .filter(rules.before_in_history(event.created_at, event.pk))
            .exists()
        )
    return rules.change_of(event.status, has_earlier=bool(has_earlier))


def needing_action(day: datetime.date | None = None) -> dict:
    """What waits on the agency among certificates on `day` (today), as the list's "needs action" filter sorts them:
    {"review": (how many suspensions are due for review, the earliest planned review), "expiring": (how many expire
    within rules.EXPIRING_WITHIN, the earliest expiry), "proposed": (how many have a suspension proposed, the earliest
    proposal), "surveillance": (how many have an audit overdue past its
    scheme's grace, the earliest due day), "conditions": (how many have an overdue condition, the earliest due day)}.
    Four queries, whatever the number of certificates: the certificates, the schemes' graces, the audits, the
    conditions."""
    from registry.certificates.models import Condition, SurveillanceAudit

    day = day or timezone.localdate()
    review, expiring = rules.review_due_on(day), rules.expiring_by(day)
    row = Certificate.objects.aggregate(
        review=Count("pk", filter=review),
        review_since=Min("review_due_on", filter=review),
        expiring=Count("pk", filter=expiring),
        expiring_from=Min("expires_on", filter=expiring),
        proposed=Count("pk", filter=Q(suspension_proposed_at__isnull=False)),
        proposed_since=Min("suspension_proposed_at", filter=Q(suspension_proposed_at__isnull=False)),
    )
    late = SurveillanceAudit.objects.filter(rules.audits_past_grace_on(day, scheme_graces())).aggregate(
        count=Count("certificate_id", distinct=True), since=Min("due_on")
    )
    overdue = Condition.objects.filter(rules.conditions_overdue_on(day)).aggregate(
        count=Count("certificate_id", distinct=True), since=Min("due_on")
    )
    return {
        "review": (row["review"], row["review_since"]),
        "expiring": (row["expiring"], row["expiring_from"]),
        "proposed": (row["proposed"], row["proposed_since"]),
        "surveillance": (late["count"], late["since"]),
        "conditions": (overdue["count"], overdue["since"]),
    }


def scheme_graces() -> list[int]:
    """The grace days the schemes set, what rules.audits_past_grace_on() needs: a handful of values, one query."""
    from registry.catalogue.models import Scheme

    return sorted(set(Scheme.objects.values_list("surveillance_grace_days", flat=True)))


def needing_action_filter(key: str, day: datetime.date):
    """The certificates one of needing_action()'s counts counts, as a condition on Certificate (the list's filter)."""
    from django.db.models import Q

    from registry.certificates.models import Condition, SurveillanceAudit

    if key == "review":
        return rules.review_due_on(day)
    if key == "expiring":
        return rules.expiring_by(day)
    if key == "surveillance":
        late = SurveillanceAudit.objects.filter(rules.audits_past_grace_on(day, scheme_graces()))
        return Q(pk__in=late.values("certificate_id"))
    if key == "conditions":
        return Q(pk__in=Condition.objects.filter(rules.conditions_overdue_on(day)).values("certificate_id"))
    return Q()


# --- After qualification: the reads both sides and the public share. ---


def surveillance_dates(certificate_ids) -> dict[int, tuple]:
    """{certificate id: (last surveillance, next surveillance due)} for these certificates, in one query.

    The last surveillance is the day of the latest audit whose outcome is recorded; the next one due is the earliest
    audit still without an outcome. A certificate no longer live has no next audit (None). Absent ids: (None, None)."""
    from django.db.models import Max, Q

    from registry.certificates.choices import LIVE_CERTIFICATE_STATUSES

    recorded = Q(surveillance_audits__recorded_at__isnull=False)
    waiting = Q(surveillance_audits__recorded_at__isnull=True, status__in=LIVE_CERTIFICATE_STATUSES)
    rows = (
        Certificate.objects.filter(pk__in=list(certificate_ids))
        .order_by()
        .values("pk")
        .annotate(
            last=Max("surveillance_audits__performed_on", filter=recorded),
            next=Min("surveillance_audits__due_on", filter=waiting),
        )
    )
    return {row["pk"]: (row["last"], row["next"]) for row in rows}


def accepted_changes(certificate_ids):
    """The accepted changes of these certificates, as their public history shows them: the CertifiedRecord versions an
    accepted change notice made (version 1 is the qualification itself), oldest first, with their notice.

    `certificate_ids` may be a queryset of ids: it is then a subquery, not a list (the snapshot asks for all of them)."""
    from django.db.models import QuerySet

    from registry.certificates.choices import ChangeStatus
    from registry.certificates.models import CertifiedRecord

    ids = certificate_ids if isinstance(certificate_ids, QuerySet) else list(certificate_ids)
    return (
        # Only acceptance writes a version with a notice; the status is checked too, so that nothing but an accepted
        # notice can ever reach the public history.
        CertifiedRecord.objects.filter(certificate_id__in=ids, change_notice__status=ChangeStatus.ACCEPTED)
        .select_related("change_notice")
        .order_by("certificate_id", "adopted_at", "pk")
    )
