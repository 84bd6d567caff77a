"""A large, realistic registry for benchmarks: `manage.py seed_bench`.

Unlike seed_demo, nothing goes through the workflow services: rows are planned in Python (deterministic for a given
seed) and written in bulk, one transaction per chunk of services, so 10,000 services take seconds, not hours.
What the services would have written is written too, consistently: every dossier's event log from its creation to its
status (all marked notified, so the outbox sends nothing), each certificate's public history and the status it ends
in, the simple-history records the portal and admin history pages read, and the reference and certificate-number
counters advanced past every number used, so real dossiers and qualifications that follow never collide.

How a service's life is drawn: registry/devtools/bench_plan.py; the vocabulary and the odds: bench_data.py; the fast
inserts: bench_rows.py. No e-mail, no task per row: one registry snapshot is asked for at the very end (after commit).
Not written: evidence documents (files) and messages; a full self-assessment (answers) exists for about 1 % of the
dossiers only (bench_data.ANSWERED_SHARE), which keeps the answer table to ~90 rows per answered dossier.
"""

import collections
import datetime
import random
import time
from dataclasses import dataclass, field
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.db import connection, transaction
from django.utils import timezone
from django.utils.text import slugify

from registry.catalogue.models import EvaluationCenter, Requirement
from registry.catalogue.selectors import current_scheme
from registry.catalogue.services import DEFAULT_SCHEME_FILE, read_scheme_file, scheme_load
from registry.certificates.models import Certificate, CertificateEvent
from registry.core.models import Counter
from registry.devtools import bench_data as vocab
from registry.devtools.bench_plan import CertificatePlan, DossierPlan, LifePlanner, Numbers, weighted
from registry.devtools.bench_rows import dates_as_given, history_row, insert_rows
from registry.providers.models import Membership, Provider, Service, Shareholder, Site, ThirdParty
from registry.public import read_model
from registry.public.publication import publish_on_commit
from registry.qualification import workflow
from registry.qualification.models import Answer, Dossier, DossierEvent

# The Counter row that says this database was seeded, and how many bench services it holds (the next run's offset).
MARKER = "seed-bench-services"
BATCH = 2000
AGENCY_DOMAIN = "agency.bench.example"
PROVIDER_ACTIONS = {"create", "submit", "resubmit", "withdraw"}
COMMITTEE_ACTIONS = {"qualify", "reject", "send_back"}
S = Dossier.Status


class AlreadySeeded(Exception):
    """The database holds bench data already (rerun with append=True to add more)."""


@dataclass
class BenchSummary:
    created: collections.Counter = field(default_factory=collections.Counter)
    seconds: float = 0.0  # writing the rows
    snapshot_seconds: float = 0.0  # queuing the registry snapshot, or issuing it when tasks run inline
    scheme: str = ""


class BenchSeeder:
    def __init__(self, *, services: int, dossiers_per_service: int, seed: int, offset: int, summary: BenchSummary):
        self.n_services = services
        self.per_service = dossiers_per_service
        # An --append run draws from its own stream: the same seed must not replay the first run's names.
        self.rng = random.Random(f"{seed}:{offset}")
        self.summary = summary
        self.now = timezone.now()
        self.numbers = Numbers()
        self.used_names = set(Provider.objects.values_list("legal_name", flat=True))
        self.used_slugs = set(Provider.objects.values_list("slug", flat=True))
        self.used_service_slugs = set(Service.objects.values_list("slug", flat=True))
        self.service_names = collections.defaultdict(set)
        self.relied_upon = []  # (service id, provider index) of services created so far, for 19.6.d dependencies

    def count(self, label: str, n: int) -> None:
        self.summary.created[label] += n

    def insert(self, label: str, rows: list) -> None:
        """Rows as (model, column values), written with insert_rows, one model at a time."""
        by_model = collections.defaultdict(list)
        for model, values in rows:
            by_model[model].append(values)
        for model, values in by_model.items():
            insert_rows(model, values)
        self.count(label, len(rows))

    def bulk(self, label: str, objs: list) -> list:
        """Objects whose ids are needed afterwards, through bulk_create (which sets them)."""
        by_model = collections.defaultdict(list)
        for obj in objs:
            by_model[type(obj)].append(obj)
        for model, rows in by_model.items():
            model._default_manager.bulk_create(rows, batch_size=BATCH)
        self.count(label, len(objs))
        return objs

    # --- the cast: scheme, agency staff, evaluation centres, providers -------------------------------------------

    def prepare(self) -> None:
        scheme = current_scheme()
        if scheme is None:
            scheme, _stats = scheme_load(data=read_scheme_file(DEFAULT_SCHEME_FILE))
        self.scheme = scheme
        self.summary.scheme = str(scheme)
        requirements = list(
            Requirement.objects.filter(scheme=scheme, parent__isnull=False, retired=False).order_by("position")
        )
        self.requirements = {m: [r for r in requirements if r.applies_to(m)] for m in vocab.PRODUCTS}
        with transaction.atomic():
            self.reviewers = self._staff("reviewer", max(4, self.n_services // 250), workflow.REVIEWERS)
            self.committee = self._staff("committee", max(2, self.n_services // 2000), workflow.COMMITTEE)
            self.centres = self._centres()
            self.planner = LifePlanner(
                rng=self.rng, now=self.now, numbers=self.numbers, per_service=self.per_service,
                validity_months=scheme.validity_months, reviewers=self.reviewers, committee=self.committee,
                centres=self.centres,
            )  # fmt: skip
            self._providers(max(1, self.n_services // 10))

    def _staff(self, kind: str, count: int, group_name: str) -> list[int]:
        User = get_user_model()
        emails = [f"{kind}-{i:03d}@{AGENCY_DOMAIN}" for i in range(1, count + 1)]
        existing = set(User.objects.filter(email__in=emails).values_list("email", flat=True))
        # Sign-in stays impossible (unusable password): benchmarks log these people in through a session.
        new = [
            User(username=e, email=e, password=make_password(None), is_staff=True, first_name=kind.title(),
                 last_name=e.split("@")[0].split("-")[1])
            for e in emails if e not in existing
        ]  # fmt: skip
        self.bulk("users", new)
        group = Group.objects.get(name=group_name)
        group.user_set.add(*new)
        return list(User.objects.filter(email__in=emails).order_by("email").values_list("pk", flat=True))

    def _centres(self) -> list[int]:
        names = ["Oppidum", "Vigie", "Rempart", "Bastion", "Sentinelle", "Égide"]
        ids = []
        for i, name in enumerate(names, start=1):
            centre, created = EvaluationCenter.objects.get_or_create(
                approval_reference=f"BENCH-CESTI-{i:02d}", defaults={"name": f"{name} Évaluation", "country": "FR"}
            )
            self.count("evaluation centres", created)
            ids.append(centre.pk)
        return ids

    def _providers(self, count: int) -> None:
        rng = self.rng
        User = get_user_model()
        self.providers, owners, holders = [], [], []
        for _ in range(count):
            home = weighted(rng, vocab.HOME_COUNTRY_WEIGHTS)
            brand, legal_name, slug = self._provider_name(home)
            places = [home, home, home]
            if rng.random() < 0.05:  # a few fail 19.6.a: their principal establishment sits outside the EU
                places[2] = rng.choice(list(vocab.NON_EU_CITIES))
            created = self.now - datetime.timedelta(days=rng.randint(7300, 8800), hours=rng.randint(0, 23))
            provider = Provider(
                legal_name=legal_name, slug=slug, registration_id=f"{home}-{rng.randint(10**8, 10**9 - 1)}",
                website=f"https://www.{slugify(brand)}.example", description=f"{brand}: cloud provider based in {home}.",
                registered_office_country=places[0], central_administration_country=places[1],
                principal_establishment_country=places[2], created_at=created,
            )  # fmt: skip
            provider.brand, provider.home = brand, home
            self.providers.append(provider)
            email = f"owner@{slug}.bench.example"
            owners.append(User(username=email, email=email, password=make_password(None), first_name="Owner",
                               last_name=brand, date_joined=created))  # fmt: skip
        self.bulk("providers", self.providers)
        self.bulk("users", owners)
        members, history = [], []
        for provider, owner in zip(self.providers, owners, strict=True):
            provider.owner_id = owner.pk
            members.append(Membership(user=owner, provider=provider, role=Membership.Role.OWNER))
            for holder in self._shareholders(provider):
                holders.append(holder)
            history.append(history_row(Provider, provider, provider.created_at, owner.pk))
        self.bulk("memberships", members)
        self.bulk("shareholders", holders)
        history += [history_row(Shareholder, h, h.provider.created_at, h.provider.owner_id) for h in holders]
        self.insert("history records", history)
        # Service counts per provider are skewed, as in life: a few large providers, many with one or two services.
        weights = [1 / (i + 1) ** 0.6 for i in range(len(self.providers))]
        rng.shuffle(weights)
        rest = rng.choices(range(len(self.providers)), weights=weights, k=max(0, self.n_services - len(self.providers)))
        self.assignment = [*range(len(self.providers)), *rest][: self.n_services]
        rng.shuffle(self.assignment)

    def _provider_name(self, home):
        rng = self.rng
        for attempt in range(1000):
            brand = rng.choice(vocab.BRAND_HEADS) + rng.choice(vocab.BRAND_TAILS)
            if attempt > 20:
                brand += f" {attempt}"
            legal_name = f"{brand} {rng.choice(vocab.BRAND_KINDS)} {rng.choice(vocab.LEGAL_FORMS[home])}"
            slug = slugify(legal_name)[:80]
            if legal_name not in self.used_names and slug not in self.used_slugs:
                self.used_names.add(legal_name)
                self.used_slugs.add(slug)
                return brand, legal_name, slug
        raise RuntimeError("No free provider name left.")

    def _shareholders(self, provider) -> list[Shareholder]:
        rng = self.rng
        founder = rng.randint(35, 90)
        holders = [(rng.choice(vocab.EU_HOLDERS[:2] + vocab.EU_HOLDERS[-1:]), provider.home, founder, True)]
        left = 100 - founder
        others = rng.randint(0, 3) if left else 0
        for i in range(others):
            share = left if i == others - 1 else rng.randint(1, max(1, left - (others - i - 1)))
            left -= share
            if rng.random() < 0.35:  # a non-EU investor; beyond 24 % the provider fails 19.6.b
                name, country = rng.choice(vocab.NON_EU_HOLDERS)
            else:
                name, country = rng.choice(vocab.EU_HOLDERS[2:-1]), rng.choice(list(vocab.EU_CITIES))
            holders.append((name, country, share, False))
            if not left:
                break
        seen, result = set(), []
        for name, country, share, board in holders:
            if name in seen or not share:
                continue
            seen.add(name)
            result.append(
                Shareholder(provider=provider, name=name, country=country, capital_percent=Decimal(share),
                            voting_percent=Decimal(share), veto_right=board and share < 50,
                            appoints_board_majority=board)
            )  # fmt: skip
        return result

    # --- services, chunk by chunk -----------------------------------------------------------------------------------

    def seed_services(self, start: int, stop: int) -> None:
        rng = self.rng
        services, plans = [], []
        for i in range(start, stop):
            provider_index = self.assignment[i]
            provider = self.providers[provider_index]
            model = weighted(rng, {m: spec[0] for m, spec in vocab.PRODUCTS.items()})
            name = self._service_name(provider, model)
            slug = self._service_slug(provider, name)
            service = Service(provider=provider, name=name, slug=slug, service_model=model,
                              description=vocab.PRODUCTS[model][2])  # fmt: skip
            service.provider_index = provider_index
            dossiers, certificates = self.planner.service_life(service)
            first = min(step[1] for d in dossiers for step in d.steps)
            created = max(
                provider.created_at + datetime.timedelta(days=30), first - datetime.timedelta(days=rng.randint(10, 200))
            )
            service.created_at = service.updated_at = min(created, first - datetime.timedelta(hours=1))
            services.append(service)
            plans.append((service, dossiers, certificates))
        self.bulk("services", services)
        self._places(services)
        self._write_dossiers(plans)
        self.relied_upon += [(s.pk, s.provider_index) for s in services]

    def _service_name(self, provider, model) -> str:
        rng = self.rng
        taken = self.service_names[provider.pk]
        for attempt in range(200):
            edition = rng.choice(vocab.EDITIONS) if attempt < 20 else str(attempt)
            name = " ".join(filter(None, [provider.brand, rng.choice(vocab.PRODUCTS[model][1]), edition]))
            if name not in taken:
                taken.add(name)
                return name
        raise RuntimeError("No free service name left.")

    def _service_slug(self, provider, name) -> str:
        base = slugify(name)[:100]
        slug, i = base, 1
        while slug in self.used_service_slugs:
            i += 1
            slug = f"{base}-{i}"
        self.used_service_slugs.add(slug)
        return slug

    def _places(self, services) -> None:
        """Sites (2 to 5: storage and processing always, then administration, support, technical data) and 0–4 third
        parties per service, with their creation records in the history."""
        rng = self.rng
        sites, parties = [], []
        for service in services:
            home = service.provider.home
            data_country = home if rng.random() < 0.85 else rng.choice(list(vocab.EU_CITIES))
            roles = [Site.Role.STORAGE, Site.Role.PROCESSING]
            roles += rng.sample(vocab.OPTIONAL_SITE_ROLES, rng.randint(0, 3))
            for role in roles:
                country, operations = data_country if role != Site.Role.ADMINISTRATION else home, ""
                if role == Site.Role.STORAGE and rng.random() < 0.03:  # a few fail 19.2: data stored outside the EU
                    country = rng.choice(list(vocab.NON_EU_CITIES))
                if role == Site.Role.SUPPORT and rng.random() < 0.1:
                    country, operations = rng.choice(list(vocab.NON_EU_CITIES)), vocab.SUPPORT_OPERATIONS
                cities = vocab.EU_CITIES.get(country) or vocab.NON_EU_CITIES[country]
                sites.append(Site(service=service, role=role, country=country, city=rng.choice(cities),
                                  operations=operations))  # fmt: skip
            for name, kind, country in rng.sample(vocab.THIRD_PARTIES, rng.choice([0, 0, 1, 1, 2, 3, 4])):
                parties.append(ThirdParty(service=service, name=name, kind=kind, country_of_control=country,
                                          technical_access_to_data=rng.random() < 0.2,
                                          autonomy_evidence=rng.choice(vocab.AUTONOMY_EVIDENCE)))  # fmt: skip
            if self.relied_upon and rng.random() < 0.08:  # hosted on another qualified service of the registry
                relied_id, provider_index = rng.choice(self.relied_upon)
                host = self.providers[provider_index]
                if host.pk != service.provider_id:
                    parties.append(ThirdParty(service=service, name=host.legal_name, kind=ThirdParty.Kind.HOSTING,
                                              country_of_control=host.home, relies_on_service_id=relied_id))  # fmt: skip
        self.bulk("sites", sites)
        self.bulk("third parties", parties)
        history = [history_row(Service, s, s.created_at, s.provider.owner_id) for s in services]
        history += [history_row(Site, x, x.service.created_at, x.service.provider.owner_id) for x in sites]
        history += [history_row(ThirdParty, x, x.service.created_at, x.service.provider.owner_id) for x in parties]
        self.insert("history records", history)

    # --- writing what was planned -----------------------------------------------------------------------------------

    def _write_dossiers(self, plans) -> None:
        dossiers = [d for _, ds, _ in plans for d in ds]
        certificates = [c for _, _, cs in plans for c in cs]
        prefix = self.scheme.certificate_prefix
        for c in sorted(certificates, key=lambda c: c.events[0][1]):
            c.number = f"{prefix}-{c.issued_on.year}-{self.numbers.take(f'{prefix}-{c.issued_on.year}'):04d}"
        depth = max(d.generation for d in dossiers)
        for generation in range(depth + 1):
            batch = [d for d in dossiers if d.generation == generation]
            for d in batch:
                d.obj = self._dossier_row(d)
            self.bulk("dossiers", [d.obj for d in batch])
            rows = [c for c in certificates if c.dossier.generation == generation]
            for c in rows:
                c.obj = self._certificate_row(c)
            self.bulk("certificates", [c.obj for c in rows])
        self._dossier_events(dossiers)
        self._certificate_events(certificates)
        self._answers(dossiers)
        self.numbers.save()

    def _dossier_row(self, d: DossierPlan) -> Dossier:
        declared_at = None
        for action, when in d.steps:
            if action in ("submit", "resubmit"):
                declared_at = when - datetime.timedelta(minutes=20)
            elif action == "request_changes":
                declared_at = None
        owner = d.service.provider.owner_id
        return Dossier(
            reference=d.reference, service=d.service, scheme=self.scheme, kind=d.kind,
            renews=d.renews.obj if d.renews else None, status=d.status, status_changed_at=d.steps[-1][1],
            instructing_reviewer_id=d.reviewer_id, decision_maker_id=d.committee_id, evaluation_center_id=d.centre_id,
            listed_in_process_consent=d.consent and d.status != S.DRAFT,
            declared_by_id=owner if declared_at else None, declared_at=declared_at,
            declared_by_name=vocab.SIGNATORY if declared_at else "",
            declared_by_capacity=vocab.SIGNATORY_CAPACITY if declared_at else "",
            created_by_id=owner, created_at=d.steps[0][1],
        )  # fmt: skip

    def _certificate_row(self, c: CertificatePlan) -> Certificate:
        status, changed = c.events[-1][0], c.events[-1][1]
        # No PDF is stored: the verification pages draw it on request and the periodic job draws and stores them.
        return Certificate(
            number=c.number, dossier=c.dossier.obj, service=c.dossier.service, scheme=self.scheme,
            scope=vocab.PRODUCTS[c.dossier.service.service_model][2], conditions=c.conditions,
            issued_on=c.issued_on, expires_on=c.expires_on, status=status, status_changed_at=changed,
        )  # fmt: skip

    def _dossier_events(self, dossiers) -> None:
        rng = self.rng
        events = []
        for d in dossiers:
            status = ""
            owner = d.service.provider.owner_id
            for action, when in d.steps:
                target = S.DRAFT if action == "create" else workflow.target_of(action)
                actor = d.reviewer_id
                if action in PROVIDER_ACTIONS:
                    actor = owner
                elif action in COMMITTEE_ACTIONS:
                    actor = d.committee_id
                comments = vocab.REVIEW_COMMENTS.get(action)
                detail = {}
                if action == "report":  # the reviewer's recommendation, as the committee then decided
                    detail = {
                        "recommendation": "refuse" if d.status == S.REJECTED else "qualify",
                        "proposed_conditions": "",
                    }
                # Born notified: these moves happened long ago, nobody is to be e-mailed about them now.
                events.append((DossierEvent, {
                    "dossier_id": d.obj.pk, "actor_id": actor, "action": action, "from_status": status,
                    "to_status": target, "comment": rng.choice(comments) if comments else "", "internal": False,
                    "detail": detail, "created_at": when, "notified_at": when + datetime.timedelta(minutes=1),
                }))  # fmt: skip
                status = target
        self.insert("dossier events", events)

    def _certificate_events(self, certificates) -> None:
        events = []
        for c in certificates:
            for status, when, reason, actor in c.events:
                events.append((CertificateEvent, {
                    "certificate_id": c.obj.pk, "status": status, "reason": reason, "reason_fr": "", "actor_id": actor,
                    "effective_on": None, "internal_note": "",
                    "created_at": when, "notified_at": when + datetime.timedelta(minutes=1),
                }))  # fmt: skip
        self.insert("certificate events", events)

    def _answers(self, dossiers) -> None:
        rng = self.rng
        answers = []
        for d in dossiers:
            if d.status == S.DRAFT or rng.random() >= vocab.ANSWERED_SHARE:
                continue
            reported = dict(d.steps).get("report")
            for requirement in self.requirements[d.service.service_model]:
                roll = rng.random()
                status, justification = Answer.Status.MET, vocab.JUSTIFICATION
                if roll < 0.07:
                    status, justification = Answer.Status.PARTIALLY_MET, vocab.PARTIAL_JUSTIFICATION
                elif roll < 0.1:
                    status, justification = Answer.Status.NOT_APPLICABLE, vocab.NOT_APPLICABLE_JUSTIFICATION
                finding = ""
                if reported:
                    finding = Answer.Finding.MINOR if roll < 0.07 else Answer.Finding.CONFORM
                answers.append((Answer, {
                    "dossier_id": d.obj.pk, "requirement_id": requirement.pk, "status": status,
                    "justification": justification, "updated_at": reported or d.steps[-1][1], "finding": finding,
                    "finding_note": "", "finding_by_id": d.reviewer_id if reported else None,
                    "finding_at": reported - datetime.timedelta(days=1) if reported else None, "finding_internal": False,
                }))  # fmt: skip
        self.insert("answers", answers)


def seed_bench(*, services=1000, dossiers_per_service=5, seed=1, append=False, chunk=1000, progress=None):
    """Write `services` services over services/10 providers with their whole history; see the module's docstring.

    Refuses (AlreadySeeded) when the database was seeded before, unless append is set. `progress(done, total)` is
    called after each committed chunk."""
    if services < 1 or dossiers_per_service < 1:
        raise ValueError("At least one service and one dossier per service.")
    started = time.monotonic()
    summary = BenchSummary()
    done = Counter.objects.filter(key=MARKER).values_list("value", flat=True).first()
    if done is not None and not append:
        raise AlreadySeeded(done)
    seeder = BenchSeeder(
        services=services, dossiers_per_service=dossiers_per_service, seed=seed, offset=done or 0, summary=summary
    )
    with dates_as_given():
        seeder.prepare()
        for start in range(0, services, chunk):
            stop = min(services, start + chunk)
            with transaction.atomic():
                seeder.seed_services(start, stop)
                Counter.objects.get_or_create(key=MARKER)
                Counter.objects.filter(key=MARKER).update(value=(done or 0) + stop)
            if progress is not None:
                progress(stop, services)
    with transaction.atomic():
        read_model.rebuild()  # the rows were bulk-inserted around the saves: the public read model of all of them
    if connection.vendor == "postgresql":
        # Planner statistics for the tables just filled, now rather than when autovacuum gets to them: the first
        # queries after seeding (a benchmark's) would otherwise be planned as if the tables were nearly empty.
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    summary.seconds = time.monotonic() - started
    with transaction.atomic():
        publish_on_commit()  # one snapshot for the whole run, after commit (inline without a broker)
    summary.snapshot_seconds = time.monotonic() - started - summary.seconds
    return summary
