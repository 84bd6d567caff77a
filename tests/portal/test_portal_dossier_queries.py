"""The queries of the portal's dossier pages: each page runs a bounded number, and the number does not grow with the
dossier (more chapters, documents, versions and messages)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from registry.catalogue.models import Requirement
from registry.qualification.models import Answer
from registry.qualification.services import dossiers as svc
from registry.qualification.services.documents import document_add
from tests import factories as f
from tests.portal.dossier_pages import url

pytestmark = pytest.mark.django_db


# Query counts


def populated_dossier(provider, owner, editor, *, per_chapter, documents, versions, messages):
    """A dossier with chapters of `per_chapter` requirements, `documents` documents (`versions` with a second version),
    every answer citing three documents, and `messages` messages with two attachments each."""
    scheme = f.scheme(with_requirements=False)
    position = 0
    for c, size in enumerate(per_chapter):
        position += 1
        chapter = Requirement.objects.create(
            scheme=scheme, ref=str(5 + c), title_en=f"Chapter {c}", title_fr="C", position=position
        )
        for i in range(size):
            position += 1
            Requirement.objects.create(
                scheme=scheme,
                ref=f"{5 + c}.{i + 1}",
                parent=chapter,
                title_en=f"R {i}",
                title_fr="R",
                position=position,
            )
    service = f.service(provider)
    f.eu_sites(service)
    f.third_party(service)
    f.shareholder(provider)
    d = svc.dossier_create(service=service, scheme=scheme, by=owner)
    kinds = ["security_policy", "risk_analysis", "extra_eu_risks"] + ["evidence"] * (documents - 3)
    docs = [
        document_add(dossier=d, kind=kind, title=f"Doc {i}", uploaded=f.pdf(), by=editor)
        for i, kind in enumerate(kinds)
    ]
    for i in range(versions):
        docs.append(document_add(dossier=d, kind="evidence", title=f"Doc {i + 3}", uploaded=f.pdf(), by=editor))
    for r in svc.applicable_requirements(d):
        answer = Answer.objects.create(dossier=d, requirement=r, status="partially_met", justification="Partly.")
        answer.evidence.set(docs[:3])
    for i in range(messages):
        svc.message_post(dossier=d, by=editor, body=f"Message {i}", attachments=docs[:2])
    return d


@pytest.fixture
def big_dossier(provider, owner, editor):
    return populated_dossier(provider, owner, editor, per_chapter=[40, 7, 7, 7], documents=20, versions=5, messages=10)


@pytest.fixture
def small_dossier(provider, owner, editor):
    return populated_dossier(provider, owner, editor, per_chapter=[2, 1], documents=4, versions=1, messages=1)


def _pages(d):
    return [
        url("dossier", d.reference),
        url("dossier-section", d.reference, "scope"),
        url("dossier-section", d.reference, "locations"),
        url("dossier-section", d.reference, "ownership"),
        url("dossier-assessment", d.reference, "5"),
        url("dossier-documents", d.reference),
        url("dossier-declaration", d.reference),
        url("dossier-message", d.reference),
        url("dossier-withdraw", d.reference),
    ]


# Every dossier page: session, user, the dossier (with service, provider, scheme, centre, declarant, certificate), the
# memberships (actor_for), then the progress meter: requirements, answers, current document kinds. Then each page's own:
PAGE_QUERIES = {
    # sovereignty (shareholders, third parties, sites, kinds), submission facts (requirements, answers, kinds),
    # timeline, message count
    "dossier": 7 + 9,
    "scope": 7,
    "locations": 7 + 1,  # sites
    "ownership": 7 + 2,  # shareholders, third parties
    "assessment": 7 + 2,  # evidence of the answers, current documents
    "documents": 7 + 1,  # every version with its uploader
    "declaration": 7,
    "messages": 7 + 4,  # current documents (attachments to choose), thread, attachments, members
    "withdraw": 7,
}


def test_every_dossier_page_runs_a_bounded_number_of_queries(client, owner, big_dossier, django_assert_max_num_queries):
    assert Answer.objects.filter(dossier=big_dossier).count() == 61
    assert big_dossier.documents.count() == 25
    client.force_login(owner)
    for name, page_url in zip(PAGE_QUERIES, _pages(big_dossier), strict=True):
        with django_assert_max_num_queries(PAGE_QUERIES[name]):
            assert client.get(page_url).status_code == 200


def test_the_number_of_queries_does_not_grow_with_the_dossier(client, owner, big_dossier, small_dossier):
    client.force_login(owner)
    for big_url, small_url in zip(_pages(big_dossier), _pages(small_dossier), strict=True):
        counts = []
        for page_url in (small_url, big_url):
            with CaptureQueriesContext(connection) as queries:
                assert client.get(page_url).status_code == 200
            counts.append(len(queries))
        assert counts[1] == counts[0], (big_url, counts)
