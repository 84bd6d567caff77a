"""Who may see what on the portal's dossier pages: each page x each kind of visitor (MATRIX, which
tests/project/url_coverage.py names for the URL matrix), and the writes a viewer or another provider is refused."""

import pytest
from django.urls import reverse

from registry.qualification.models import Answer, Document, Dossier, Message
from tests import factories as f
from tests.portal.dossier_pages import url

pytestmark = pytest.mark.django_db

S = Dossier.Status


# Who may see what


ROLES = ["anonymous", "viewer", "editor", "owner", "other_owner", "reviewer"]
LOGIN = "login"

# page -> expected status per role, in ROLES order.
MATRIX = {
    "dossier-new": [LOGIN, 403, 200, 200, 404, 404],
    "dossier": [LOGIN, 200, 200, 200, 404, 404],
    "section-scope": [LOGIN, 200, 200, 200, 404, 404],
    "section-locations": [LOGIN, 200, 200, 200, 404, 404],
    "section-ownership": [LOGIN, 200, 200, 200, 404, 404],
    "assessment": [LOGIN, 200, 200, 200, 404, 404],
    "documents": [LOGIN, 200, 200, 200, 404, 404],
    "declaration": [LOGIN, 200, 200, 200, 404, 404],
    "messages": [LOGIN, 200, 200, 200, 404, 404],
    "evaluation": [LOGIN, 200, 200, 200, 404, 404],
    "withdraw": [LOGIN, 403, 403, 200, 404, 404],
    "submit (POST)": [LOGIN, 403, 302, 302, 404, 404],
    # One answer saved by static/js/autosave.js; 400 for a writer here: an empty POST is not a whole answer.
    "answer (POST)": [LOGIN, 403, 400, 400, 404, 404],
    # The agency's staff may download evidence from the portal too (a link in an e-mail, a colleague's message).
    "document-download": [LOGIN, 200, 200, 200, 404, 200],
}


@pytest.fixture
def urls(complete_draft, service):
    ref = complete_draft.reference
    return {
        "dossier-new": url("dossier-new", service.slug),
        "dossier": url("dossier", ref),
        "section-scope": url("dossier-section", ref, "scope"),
        "section-locations": url("dossier-section", ref, "locations"),
        "section-ownership": url("dossier-section", ref, "ownership"),
        "assessment": url("dossier-assessment", ref, "19"),
        "documents": url("dossier-documents", ref),
        "declaration": url("dossier-declaration", ref),
        "messages": url("dossier-message", ref),
        "evaluation": url("dossier-evaluation", ref),
        "withdraw": url("dossier-withdraw", ref),
        "submit (POST)": url("dossier-submit", ref),
        "answer (POST)": url("dossier-answer", ref, complete_draft.answers.first().requirement_id),
        "document-download": url("document-download", complete_draft.documents.first().pk),
    }


@pytest.mark.parametrize("page", MATRIX)
@pytest.mark.parametrize("role", ROLES)
def test_permission_matrix(client, portal_people, urls, page, role):
    expected = MATRIX[page][ROLES.index(role)]
    if portal_people[role] is not None:
        f.login_with_mfa(client, portal_people[role])
    response = client.post(urls[page]) if page.endswith("(POST)") else client.get(urls[page])
    if expected == LOGIN:
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("account_login"))
    else:
        assert response.status_code == expected


WRITES = {
    "assessment": lambda d: (url("dossier-assessment", d.reference, "19"), {}),
    "documents": lambda d: (url("dossier-documents", d.reference), {"kind": "evidence", "title": "X", "file": f.pdf()}),
    "declaration": lambda d: (
        url("dossier-declaration", d.reference),
        {"declare": "on", "signatory_name": "Claire Martin", "signatory_capacity": "Chief executive officer"},
    ),
    "messages": lambda d: (url("dossier-message", d.reference), {"body": "Hello"}),
    "submit": lambda d: (url("dossier-submit", d.reference), {}),
    "evaluation": lambda d: (url("dossier-evaluation", d.reference), {"centre": "1", "file": f.pdf()}),
    "withdraw": lambda d: (url("dossier-withdraw", d.reference), {}),
}


@pytest.mark.parametrize("write", WRITES)
def test_a_viewer_cannot_write(client, viewer, complete_draft, write):
    before = (Answer.objects.count(), Document.objects.count(), Message.objects.count())
    client.force_login(viewer)
    target, data = WRITES[write](complete_draft)
    assert client.post(target, data).status_code == 403
    complete_draft.refresh_from_db()
    assert complete_draft.status == S.DRAFT
    assert (Answer.objects.count(), Document.objects.count(), Message.objects.count()) == before


@pytest.mark.parametrize("write", WRITES)
def test_another_provider_cannot_write(client, other_owner, complete_draft, write):
    client.force_login(other_owner)
    target, data = WRITES[write](complete_draft)
    assert client.post(target, data).status_code == 404
