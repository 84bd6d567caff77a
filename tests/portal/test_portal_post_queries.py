"""The queries of the portal's main POSTs: saving a chapter of the self-assessment costs the same number whether the
chapter has 5 requirements or 20, on a first save as on a later one that changes every answer; so does submitting the
dossier, and a reply costs the same with one attachment or five."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from registry.catalogue.models import Requirement
from registry.qualification.models import Answer, Dossier
from registry.qualification.services import dossiers as svc
from registry.qualification.services.documents import document_add
from tests import factories as f
from tests.portal.dossier_pages import url

pytestmark = pytest.mark.django_db

# Session, user, the requirement page's dossier and memberships, the progress (requirements, answers with their
# evidence, current documents), the documents to cite; then the save: the dossier locked, the applicable
# requirements, the chapter's answers, their evidence links, one insert of the new answers or one update of the
# changed ones, the evidence links removed and added; savepoints and the success message's session write.
CHAPTER_SAVE_QUERIES = 18
# Session, user, the dossier and memberships; the dossier locked, its past actors, the submission facts (answers,
# requirements, document kinds), its update, its event and the audit record; savepoints.
SUBMIT_QUERIES = 14
# The page frame and its progress (requirements, answers, document kinds), the documents to attach; the message, the
# attachments already there and the new ones in one insert, the event; savepoints.
REPLY_QUERIES = 16


def dossier_with_chapter(provider, owner, editor, size):
    """A draft whose chapter "5" has `size` requirements, and two documents to cite as evidence."""
    scheme = f.scheme(with_requirements=False)
    chapter = Requirement.objects.create(scheme=scheme, ref="5", title_en="Chapter", title_fr="Chapitre", position=1)
    for i in range(size):
        Requirement.objects.create(
            scheme=scheme, ref=f"5.{i + 1}", parent=chapter, title_en=f"R {i}", title_fr="R", position=i + 2
        )
    d = svc.dossier_create(service=f.service(provider), scheme=scheme, by=owner)
    documents = [
        document_add(dossier=d, kind=kind, title=kind, uploaded=f.pdf(), by=editor)
        for kind in ("security_policy", "risk_analysis")
    ]
    return d, chapter, documents


def chapter_data(chapter, status, justification, evidence):
    data = {}
    for requirement in Requirement.objects.filter(parent=chapter):
        data[f"r{requirement.pk}-status"] = status
        data[f"r{requirement.pk}-justification"] = justification
        data[f"r{requirement.pk}-evidence"] = [str(d.pk) for d in evidence]
    return data


def save_counts(client, d, chapter, documents):
    """The queries of a first save of every answer of the chapter, then of a second that changes them all."""
    counts = []
    for data in (
        chapter_data(chapter, "met", "", documents[:1]),
        chapter_data(chapter, "partially_met", "Partly.", documents[1:]),
    ):
        with CaptureQueriesContext(connection) as queries:
            assert client.post(url("dossier-assessment", d.reference, "5"), data).status_code == 302
        counts.append(len(queries))
    return counts


def test_saving_a_chapter_costs_the_same_queries_for_5_or_20_requirements(
    client, provider, owner, editor, django_assert_max_num_queries
):
    client.force_login(editor)
    small = dossier_with_chapter(provider, owner, editor, 5)
    big = dossier_with_chapter(provider, owner, editor, 20)
    small_counts = save_counts(client, *small)
    big_counts = save_counts(client, *big)
    assert big_counts == small_counts
    d, chapter, documents = big
    assert set(Answer.objects.filter(dossier=d).values_list("status", "justification")) == {
        ("partially_met", "Partly.")
    }
    assert {a.evidence.get() for a in Answer.objects.filter(dossier=d)} == {documents[1]}
    data = chapter_data(chapter, "met", "", documents)
    with django_assert_max_num_queries(CHAPTER_SAVE_QUERIES):
        client.post(url("dossier-assessment", d.reference, "5"), data)
    assert Answer.objects.filter(dossier=d, status="met", evidence=documents[0]).count() == 20


def submitted_queries(client, d):
    with CaptureQueriesContext(connection) as queries:
        assert client.post(url("dossier-submit", d.reference), {"comment": "Ready."}).status_code == 302
    d.refresh_from_db()
    assert d.status == Dossier.Status.SUBMITTED
    return len(queries)


def test_submitting_costs_the_same_queries_for_5_or_20_requirements(client, provider, owner, editor):
    client.force_login(editor)
    counts = []
    for size in (5, 20):
        d, _chapter, _documents = dossier_with_chapter(provider, owner, editor, size)
        counts.append(submitted_queries(client, f.complete(d, editor)))
    assert counts[1] == counts[0] <= SUBMIT_QUERIES


def test_a_reply_costs_the_same_queries_with_1_or_5_attachments(client, provider, owner, editor, walk):
    client.force_login(editor)
    counts = []
    for attached in (1, 5):
        d, _chapter, _documents = dossier_with_chapter(provider, owner, editor, 2)
        documents = [
            document_add(dossier=d, kind="evidence", title=f"Evidence {i}", uploaded=f.pdf(), by=editor)
            for i in range(attached)
        ]
        d = walk(f.complete(d, editor), Dossier.Status.SUBMITTED)
        data = {"body": "See the attachments.", "attachments": [str(document.pk) for document in documents]}
        with CaptureQueriesContext(connection) as queries:
            assert client.post(url("dossier-message", d.reference), data).status_code == 302
        counts.append(len(queries))
        assert d.messages.get().attachments.count() == attached
    assert counts[1] == counts[0] <= REPLY_QUERIES
