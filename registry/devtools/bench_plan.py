"""Planning a bench service's life for seed_bench: its certificates one after the other (renewed, lapsed, suspended,
withdrawn), the dossiers that led to them, an application in progress and earlier attempts that failed, and each
dossier's moves with their dates. Pure Python but for the counters' starting values; registry/devtools/bench.py writes
what is planned here.
"""

import datetime
from dataclasses import dataclass, field

from dateutil.relativedelta import relativedelta

from registry.certificates.models import Certificate
from registry.core.models import Counter
from registry.devtools import bench_data as vocab
from registry.providers.models import Service
from registry.qualification.models import Dossier

S = Dossier.Status
C = Certificate.Status


@dataclass
class DossierPlan:
    service: Service
    status: str
    kind: str
    renews: "CertificatePlan | None"
    steps: list  # (action, datetime), oldest first
    reviewer_id: int | None = None
    committee_id: int | None = None
    centre_id: int | None = None
    consent: bool = False
    reference: str = ""
    obj: Dossier | None = None

    @property
    def generation(self) -> int:
        # A renewal can only be written once the certificate it renews has its id: one round per renewal depth.
        return 0 if self.renews is None else self.renews.dossier.generation + 1


@dataclass
class CertificatePlan:
    dossier: DossierPlan
    issued_on: datetime.date
    expires_on: datetime.date
    events: list = field(default_factory=list)  # (status, datetime, reason, actor id)
    number: str = ""
    conditions: str = ""
    obj: Certificate | None = None


class Numbers:
    """Reference and certificate numbers per key (DOS-2024, SNC-2025…), continuing from the Counter rows."""

    def __init__(self):
        self.last = {}

    def take(self, key: str) -> int:
        if key not in self.last:
            self.last[key] = Counter.objects.filter(key=key).values_list("value", flat=True).first() or 0
        self.last[key] += 1
        return self.last[key]

    def save(self) -> None:
        # Never lower a counter: a real qualification may have run since it was read.
        for key, value in self.last.items():
            Counter.objects.get_or_create(key=key, defaults={"value": value})
            Counter.objects.filter(key=key, value__lt=value).update(value=value)


def weighted(rng, weights: dict):
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def _at(rng, day: datetime.date) -> datetime.datetime:
    """A moment in office hours (UTC) on that day."""
    return datetime.datetime.combine(day, datetime.time(rng.randint(7, 17), rng.randint(0, 59)), tzinfo=datetime.UTC)


class LifePlanner:
    def __init__(self, *, rng, now, numbers, per_service, validity_months, reviewers, committee, centres):
        self.rng, self.now, self.today = rng, now, now.date()
        self.numbers = numbers
        self.per_service = per_service
        self.validity_months = validity_months
        self.reviewers, self.committee, self.centres = reviewers, committee, centres

    def service_life(self, service):
        """The service's dossiers and certificates, oldest certificate first; every dossier has its reference."""
        rng, today = self.rng, self.today
        n_certificates = min(self.per_service, weighted(rng, vocab.CERTIFICATE_COUNT_WEIGHTS))
        last_status = weighted(rng, vocab.LAST_CERTIFICATE_WEIGHTS)
        age = {"active": (20, 1050), "suspended": (20, 1050), "withdrawn": (90, 1050), "expired": (1110, 1500)}
        issue_days = [today - datetime.timedelta(days=rng.randint(*age[last_status]))]
        lapsed = []  # lapsed[k]: certificate k expired before certificate k + 1 was issued (no renewal)
        for _ in range(n_certificates - 1):
            gap_lapsed = rng.random() < 0.15
            gap = rng.randint(1150, 1400) if gap_lapsed else rng.randint(1000, 1080)
            issue_days.insert(0, issue_days[0] - datetime.timedelta(days=gap))
            lapsed.insert(0, gap_lapsed)
        dossiers, certificates = [], []
        for k, day in enumerate(issue_days):
            renews = certificates[k - 1] if k and not lapsed[k - 1] else None
            qualified_at = _at(rng, day)
            dossier = self._dossier(service, S.QUALIFIED, qualified_at, renews)
            certificate = CertificatePlan(
                dossier=dossier, issued_on=day, expires_on=day + relativedelta(months=self.validity_months),
                conditions=rng.choice(vocab.CONDITIONS),
                events=[(C.ACTIVE, qualified_at, "Qualification granted.", dossier.committee_id)],
            )  # fmt: skip
            if k:
                previous = certificates[k - 1]
                if lapsed[k - 1]:
                    previous.events.append(self._expiry(previous))
                else:
                    reason = f"Replaced by the renewal {dossier.reference}."
                    previous.events.append((C.SUPERSEDED, qualified_at, reason, None))
            dossiers.append(dossier)
            certificates.append(certificate)
        self._last_status(certificates[-1], last_status)
        anchor = certificates[-1].events[-1][1]
        free = self.per_service - n_certificates
        if free and rng.random() < 0.55:
            live = certificates[-1].events[-1][0] in (C.ACTIVE, C.SUSPENDED)
            if not live or (today - certificates[-1].issued_on).days >= 700:
                dossiers.append(self._open_dossier(service, certificates[-1] if live else None, anchor))
                free -= 1
        cursor = dossiers[0].steps[0][1]
        for _ in range(free):  # earlier attempts that failed: refused or withdrawn
            end = cursor - datetime.timedelta(days=rng.randint(30, 200), hours=rng.randint(0, 8))
            dossier = self._dossier(service, rng.choice([S.REJECTED, S.WITHDRAWN]), end, None)
            dossiers.append(dossier)
            cursor = dossier.steps[0][1]
        return dossiers, certificates

    def _expiry(self, certificate):
        when = _at(self.rng, certificate.expires_on + datetime.timedelta(days=1))
        return (C.EXPIRED, when.replace(hour=1), "Validity period ended.", None)

    def _last_status(self, certificate, status) -> None:
        rng, now = self.rng, self.now
        issued = certificate.events[0][1]
        span = (now - issued).days
        admin = rng.choice(self.committee)
        if status == "expired":
            certificate.events.append(self._expiry(certificate))
            return
        if status in ("suspended", "withdrawn") or (span > 60 and rng.random() < 0.05):
            suspended = issued + datetime.timedelta(days=rng.randint(max(1, span // 3), max(1, span * 2 // 3)))
            if status != "withdrawn" or rng.random() < 0.5:
                certificate.events.append((C.SUSPENDED, suspended, rng.choice(vocab.SUSPENSION_REASONS), admin))
                if status == "active":
                    days_left = (now - suspended).days
                    back = suspended + datetime.timedelta(days=rng.randint(1, max(1, min(30, days_left - 1))))
                    certificate.events.append((C.ACTIVE, back, rng.choice(vocab.REINSTATEMENT_REASONS), admin))
            if status == "withdrawn":
                withdrawn = suspended + datetime.timedelta(days=rng.randint(1, max(1, span // 3 - 1)))
                certificate.events.append((C.WITHDRAWN, withdrawn, rng.choice(vocab.WITHDRAWAL_REASONS), admin))

    def _open_dossier(self, service, renews, anchor) -> DossierPlan:
        rng = self.rng
        status = weighted(rng, vocab.OPEN_STATUS_WEIGHTS)
        end = self.now - datetime.timedelta(days=rng.randint(0, 75), hours=rng.randint(1, 12))
        dossier = self._dossier(service, status, end, renews)
        if dossier.steps[0][1] <= anchor:
            # Not enough time since the last certificate for that much progress: a draft opened since.
            opened = anchor + (self.now - anchor) * rng.uniform(0.3, 0.95)
            dossier = self._dossier(service, S.DRAFT, opened, renews)
        return dossier

    def _actions(self, target) -> list[str]:
        rng = self.rng
        if target == S.DRAFT:
            return ["create"]
        if target == S.WITHDRAWN:
            return [*self._actions(rng.choice([S.DRAFT, S.SUBMITTED, S.IN_REVIEW, S.EVALUATION])), "withdraw"]
        if target == S.CHANGES_REQUESTED:
            return ["create", "submit", "take", "request_changes"]
        head = ["create", "submit", "take"]
        # A resubmission goes straight back to the reviewer who asked for the changes (no second "take"), so a
        # dossier still waiting to be taken was never sent back.
        sent_back = rng.random() < 0.2
        if target == S.SUBMITTED:
            return ["create", "submit"]
        if sent_back:
            head += ["request_changes", "resubmit"]
        if target == S.IN_REVIEW:
            return head
        if target == S.REJECTED and rng.random() < 0.3:
            return [*head, "declare_inadmissible"]
        tail = ["admit", "report"]
        if target == S.EVALUATION:
            return [*head, "admit"]
        if target == S.DECISION:
            return head + tail
        if rng.random() < 0.05:
            tail += ["send_back", "report"]
        return [*head, *tail, "qualify" if target == S.QUALIFIED else "reject"]

    def _dossier(self, service, status, end, renews) -> DossierPlan:
        rng = self.rng
        actions = self._actions(status)
        times = [end]
        for action in reversed(actions[1:]):
            low, high = vocab.STEP_DAYS[action]
            times.insert(0, times[0] - datetime.timedelta(days=rng.randint(low, high), hours=rng.randint(0, 8)))
        created = times[0]
        plan = DossierPlan(
            service=service,
            status=status,
            kind=Dossier.Kind.RENEWAL if renews else Dossier.Kind.INITIAL,
            renews=renews,
            steps=list(zip(actions, times, strict=True)),
            reviewer_id=rng.choice(self.reviewers) if "take" in actions else None,
            committee_id=rng.choice(self.committee) if {"qualify", "reject"} & set(actions) else None,
            centre_id=rng.choice(self.centres) if "admit" in actions else None,
            consent=rng.random() < 0.7,
        )
        plan.reference = f"DOS-{created.year}-{self.numbers.take(f'DOS-{created.year}'):05d}"
        return plan
