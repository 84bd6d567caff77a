"""Who may export and import a self-assessment as an OSCAL component definition in the portal, and what the pages
cost: any member exports, only an owner or editor imports while the dossier is in their hands, anyone not a member gets
404 and anonymous the sign-in; the queries do not grow with the number of answers."""

import pytest
from django.urls import reverse

from registry.catalogue.models import Requirement
from registry.qualification.models import DossierEvent
from registry.qualification.services import dossiers as svc
from tests import factories as f
from tests.portal.test_oscal_component_definition import (
    answered,
    confirm,
    confirm_url,
    document_of,
    export_url,
    import_url,
    signed_in,
    state,
    upload,
)

pytestmark = pytest.mark.django_db


# Who may


def test_a_viewer_exports_but_cannot_import(client, draft, owner, viewer):
    signed_in(client, owner)
    preview = upload(client, draft, document_of(draft.scheme, ("req-19.2", "implemented", "x")))
    token = preview.context["confirm_form"].initial["preview"]
    signed_in(client, viewer)
    assert client.get(export_url(draft)).status_code == 200
    page = client.get(import_url(draft))
    assert page.status_code == 200 and b'type="file"' not in page.content  # read-only: no form
    assert upload(client, draft, document_of(draft.scheme, ("req-19.2", "implemented", "x"))).status_code == 403
    assert client.post(confirm_url(draft), {"preview": token}).status_code == 403
    assert state(draft) == {}


def test_another_provider_and_the_agency_get_404_and_anonymous_the_sign_in(client, draft, owner, other_owner, reviewer):
    signed_in(client, owner)
    preview = upload(client, draft, document_of(draft.scheme, ("req-19.2", "implemented", "x")))
    token = preview.context["confirm_form"].initial["preview"]
    confirm(client, draft, preview)
    event = DossierEvent.objects.get(action="oscal_import")
    report = reverse("portal:dossier-oscal-import-report", args=[draft.reference, event.pk])
    for person in (other_owner, reviewer):
        if person.is_staff:
            f.login_with_mfa(client, person)  # the agency's staff sign in with a another_draft factor
        else:
            signed_in(client, person)
        assert client.get(export_url(draft)).status_code == 404
        assert client.get(import_url(draft)).status_code == 404
        assert upload(client, draft, document_of(draft.scheme)).status_code == 404
        assert client.post(confirm_url(draft), {"preview": token}).status_code == 404
        assert client.get(report).status_code == 404
    client.logout()
    for answer in (
        client.get(export_url(draft)),
        client.get(import_url(draft)),
        client.post(confirm_url(draft), {"preview": token}),
        client.get(report),
    ):
        assert answer.status_code == 302 and answer["Location"].startswith(reverse("account_login"))


def test_once_submitted_the_dossier_takes_no_import(client, complete_draft, owner, editor):
    signed_in(client, owner)
    preview = upload(client, complete_draft, document_of(complete_draft.scheme, ("req-19.2", "not-applicable", "x")))
    svc.dossier_submit(dossier=complete_draft, by=editor)
    before = state(complete_draft)
    refused = confirm(client, complete_draft, preview)
    assert refused.status_code == 302  # back to the dossier, with the reason
    assert state(complete_draft) == before and not DossierEvent.objects.filter(action="oscal_import").exists()
    again = upload(client, complete_draft, document_of(complete_draft.scheme, ("req-19.2", "planned", "x")))
    assert again.status_code == 302 and state(complete_draft) == before
    assert b'type="file"' not in client.get(import_url(complete_draft)).content


# Queries


def many_requirements(scheme, count):
    chapter = scheme.requirements.get(ref="19")
    Requirement.objects.bulk_create(
        Requirement(
            scheme=scheme, ref=f"19.{100 + i}", parent=chapter, title_en=f"R {i}", title_fr="R", position=100 + i
        )
        for i in range(count)
    )


@pytest.mark.parametrize("count", [3, 30])
def test_the_import_pages_queries_do_not_grow_with_the_answers(
    client, draft, another_draft, owner, count, django_assert_max_num_queries
):
    many_requirements(draft.scheme, count)
    answered(draft, owner, {f"19.{100 + i}": ("partially_met", f"J {i}") for i in range(count)})
    signed_in(client, owner)
    # 1 the user, 2 the dossier with its service, provider and scheme (a member's), 3 the member's roles (the actor),
    # 4 the answers with their requirements.
    with django_assert_max_num_queries(4):
        exported = client.get(export_url(draft)).content
    # 1-3 user, dossier, roles; 4 the scheme's requirements and 5 the dossier's answers (the plan); the frame's
    # progress: 6 the applicable requirements, 7 the answers, 8 the kinds of documents present.
    with django_assert_max_num_queries(8):
        preview = upload(client, another_draft, exported)
    assert len(preview.context["plan"].mapped) == count
    # 1-3 user, dossier, roles; 4 savepoint; 5 the dossier locked; 6 requirements and 7 answers (the plan again, under
    # the lock); 8 the answers' cited documents; 9 the applicable requirements and 10 the existing answers (the write's
    # checks); 11 the new answers in one insert; 12 their evidence links replaced; 13 the import's event; 14 its audit
    # line; 15 release.
    with django_assert_max_num_queries(15):
        report = confirm(client, another_draft, preview)
    # 1-3 user, dossier, roles; 4 the import's event with its actor; 5-7 the frame's progress.
    with django_assert_max_num_queries(7):
        assert client.get(report["Location"]).status_code == 200
