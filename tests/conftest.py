"""The cast: a provider with an owner, an editor and a viewer; another provider; the agency's reviewer, second reviewer,
decision maker and registry administrator; and anonymous visitors (the client fixture)."""

import pytest

from registry.qualification.workflow import ADMINISTRATORS, COMMITTEE, REVIEWERS
from tests import factories as f

# Plain helper modules with asserts, rewritten so that a failure shows the values compared: registered here, before any
# test module imports them (tests/core imports document_files before tests/qualification/conftest.py is read).
pytest.register_assert_rewrite("tests.qualification.dossier_events", "tests.qualification.document_files")


@pytest.fixture
def eager_tasks(monkeypatch):
    """Tasks run inline, as in development, even with REDIS_URL set: the test reads what was sent (the outbox's
    e-mails), not what was queued."""
    from trustedcloud.celery import app

    monkeypatch.setitem(app.conf, "task_always_eager", True)


@pytest.fixture(autouse=True)
def private_storage(settings, tmp_path):
    # Each test writes its documents in its own folder, never in the project's private/ folder.
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {**settings.STORAGES["default"], "OPTIONS": {"location": tmp_path}},
    }
    return tmp_path


@pytest.fixture(autouse=True)
def _locmem_email(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


@pytest.fixture(autouse=True)
def _back_to_english(settings):
    # A French request through the test client leaves French active in this thread; the next test starts in English.
    from django.utils import translation

    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture(autouse=True)
def _broker_not_taken_as_down():
    # The outbox remembers a failed publish for a while; each test starts with the broker presumed up.
    from registry.core import queue

    queue._broker_down_until = 0.0
    yield
    queue._broker_down_until = 0.0


@pytest.fixture(autouse=True)
def _empty_cache():
    # Throttles and rate limits count in the cache: each test starts with none spent.
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    # The real hasher costs ~0.3 s per user on purpose; tests create many users and check nothing about the hash.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def provider(db):
    return f.provider(legal_name="Nuage Souverain SAS", slug="nuage-souverain")


@pytest.fixture
def owner(provider):
    return f.member(provider, "owner", email="owner@nuage.test")


@pytest.fixture
def editor(provider):
    return f.member(provider, "editor", email="editor@nuage.test")


@pytest.fixture
def viewer(provider):
    return f.member(provider, "viewer", email="viewer@nuage.test")


@pytest.fixture
def other_provider(db):
    return f.provider(legal_name="Autre Cloud SA", slug="autre-cloud")


@pytest.fixture
def other_owner(other_provider):
    return f.member(other_provider, "owner", email="owner@autre.test")


@pytest.fixture
def reviewer(db):
    return f.user(email="reviewer@agency.test", groups=[REVIEWERS], first_name="Rita", last_name="Reviewer")


@pytest.fixture
def second_reviewer(db):
    return f.user(email="reviewer2@agency.test", groups=[REVIEWERS])


@pytest.fixture
def decision_maker(db):
    return f.user(email="committee@agency.test", groups=[COMMITTEE], first_name="Claude", last_name="Committee")


@pytest.fixture
def reviewer_in_committee(db):
    """Someone in both groups: may decide, but never on a dossier they instructed."""
    return f.user(email="both@agency.test", groups=[REVIEWERS, COMMITTEE])


@pytest.fixture
def administrator(db):
    return f.user(email="admin@agency.test", groups=[ADMINISTRATORS])


@pytest.fixture
def scheme(db):
    return f.scheme()


@pytest.fixture
def service(provider):
    s = f.service(provider, name="Nuage Compute", slug="nuage-compute")
    f.eu_sites(s)
    return s


@pytest.fixture
def center(db):
    return f.evaluation_center(name="CESTI Paris", approval_reference="CESTI-2026-01")


@pytest.fixture
def draft(service, scheme, owner):
    from registry.qualification.services.dossiers import dossier_create

    return dossier_create(service=service, scheme=scheme, by=owner)


@pytest.fixture
def complete_draft(draft, owner):
    return f.complete(draft, owner)


@pytest.fixture
def walk(editor, reviewer, center):
    """walk(dossier, status): the editor submits, the reviewer takes, admits at `center` and reports."""

    def go(d, to):
        return f.walk(d, to, provider_user=editor, reviewer=reviewer, center=center)

    return go


@pytest.fixture
def portal_people(viewer, editor, owner, other_owner, reviewer):
    """The portal's permission matrices' columns, in their order: who asks, from nobody to the agency."""
    return {
        "anonymous": None,
        "viewer": viewer,
        "editor": editor,
        "owner": owner,
        "other_owner": other_owner,
        "reviewer": reviewer,
    }
