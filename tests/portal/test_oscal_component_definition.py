"""The self-assessment in and out of the portal as an OSCAL component definition: exported for any member, read back
by compliance-trestle's models; imported by an owner or editor through a preview that writes nothing, then a
confirmation that saves what maps and a report of what did not, and why."""

import datetime
import json

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils.html import escape
from trestle.oscal.component import ComponentDefinition

from registry.catalogue.models import Requirement
from registry.catalogue.oscal import catalog_url
from registry.qualification import oscal_components
from registry.qualification.models import Answer, DossierEvent
from registry.qualification.services.answers import answer_save
from registry.qualification.services.documents import document_add
from tests import factories as f

pytestmark = pytest.mark.django_db
STATUSES = {"19.2": ("met", ""), "19.6": ("partially_met", "Two of three sites."), "19.7": ("not_met", "Planned Q3."),
            "19.8": ("not_applicable", "No personal data.")}  # fmt: skip


def export_url(d):
    return reverse("portal:dossier-oscal-export", args=[d.reference])


def import_url(d):
    return reverse("portal:dossier-oscal-import", args=[d.reference])


def confirm_url(d):
    return reverse("portal:dossier-oscal-import-confirm", args=[d.reference])


def more_requirements(scheme, refs=("19.7", "19.8")):
    chapter = scheme.requirements.get(ref="19")
    for i, ref in enumerate(refs):
        Requirement.objects.create(
            scheme=scheme, ref=ref, parent=chapter, title_en=f"R {ref}", title_fr=f"E {ref}", position=10 + i
        )


def answered(d, by, statuses=STATUSES):
    for ref, (status, justification) in statuses.items():
        answer_save(
            dossier=d, requirement=d.scheme.requirements.get(ref=ref), by=by, status=status, justification=justification
        )
    return d


def signed_in(client, user):
    client.force_login(user)
    return client


def upload(client, d, document, name="self-assessment.json"):
    raw = document if isinstance(document, bytes) else json.dumps(document).encode()
    return client.post(import_url(d), {"document": SimpleUploadedFile(name, raw, content_type="application/json")})


def confirm(client, d, preview):
    return client.post(confirm_url(d), {"preview": preview.context["confirm_form"].initial["preview"]})


def document_of(scheme, *implemented):
    """A component definition of `scheme` with these (control-id, implementation-status, description) lines."""
    rows = []
    for ident, status, description in implemented:
        row = {"uuid": "9f1c8a1e-2c0d-4e7a-9a43-1f2d0c7e9b21", "description": description}
        if ident is not None:
            row["control-id"] = ident
        if status is not None:
            row["props"] = [{"name": "implementation-status", "value": status}]
        rows.append(row)
    return {
        "component-definition": {
            "uuid": "5b0c6f3e-8d1a-4f6e-9a43-1f2d0c7e9b21",
            "metadata": {
                "title": "From a tool",
                "last-modified": "2026-01-01T00:00:00Z",
                "version": "1",
                "oscal-version": "1.1.2",
            },  # fmt: skip
            "components": [
                {
                    "uuid": "6b0c6f3e-8d1a-4f6e-9a43-1f2d0c7e9b21",
                    "type": "service",
                    "title": "Compute",
                    "description": "VMs.",
                    "control-implementations": [
                        {
                            "uuid": "7b0c6f3e-8d1a-4f6e-9a43-1f2d0c7e9b21",
                            "source": catalog_url(scheme.code),
                            "description": "Self-assessment.",
                            "implemented-requirements": rows,
                        }
                    ],
                }
            ],
        }
    }


def state(d) -> dict:
    return {a.requirement.ref: (a.status, a.justification) for a in Answer.objects.filter(dossier=d)}


# Export


def test_the_answers_export_as_a_component_definition_that_oscal_tools_read(client, draft, owner, viewer):
    more_requirements(draft.scheme)
    answered(draft, owner)
    Answer.objects.create(dossier=draft, requirement=draft.scheme.requirements.get(ref="19.9"), justification="x")
    answer = signed_in(client, viewer).get(export_url(draft))  # a viewer reads, so exports
    assert answer.status_code == 200 and answer["Content-Type"].startswith("application/json")
    assert "attachment" in answer["Content-Disposition"]
    document = json.loads(answer.content)
    ComponentDefinition.parse_obj(document["component-definition"])  # raises on anything OSCAL 1.1 does not allow
    (component,) = document["component-definition"]["components"]
    assert component["type"] == "service" and component["title"] == draft.service.name
    (implementation,) = component["control-implementations"]
    assert implementation["source"] == catalog_url(draft.scheme.code)
    found = {
        row["control-id"]: (row["props"][0]["value"], row["description"])
        for row in implementation["implemented-requirements"]
    }
    assert found == {  # the answer without a self-assessment (a draft justification) is not exported
        "req-19.2": ("implemented", ""),
        "req-19.6": ("partial", "Two of three sites."),
        "req-19.7": ("planned", "Planned Q3."),
        "req-19.8": ("not-applicable", "No personal data."),
    }


def test_a_re_export_is_the_same_document_but_for_its_last_modified(client, draft, owner):
    answered(draft, owner, {"19.2": ("met", "")})
    signed_in(client, owner)
    first = client.get(export_url(draft)).json()["component-definition"]
    with time_machine.travel(datetime.timedelta(hours=1)):
        again = client.get(export_url(draft)).json()["component-definition"]
    assert first["metadata"].pop("last-modified") != again["metadata"].pop("last-modified")
    assert first == again


def test_a_dossier_without_answers_exports_a_component_without_control_implementations(client, draft, owner):
    document = signed_in(client, owner).get(export_url(draft)).json()
    ComponentDefinition.parse_obj(document["component-definition"])
    assert "control-implementations" not in document["component-definition"]["components"][0]


# Import


def test_export_then_import_into_another_dossier_reproduces_the_answers(client, draft, another_draft, owner):
    more_requirements(draft.scheme)
    answered(draft, owner)
    signed_in(client, owner)
    exported = client.get(export_url(draft)).content
    preview = upload(client, another_draft, exported, name="exported.json")
    assert preview.status_code == 200 and len(preview.context["plan"].mapped) == 4
    report = confirm(client, another_draft, preview)
    assert report.status_code == 302
    assert state(another_draft) == state(draft) == STATUSES
    event = DossierEvent.objects.get(dossier=another_draft, action="oscal_import")
    assert report["Location"] == reverse("portal:dossier-oscal-import-report", args=[another_draft.reference, event.pk])
    assert event.detail | {"unmapped": []} == {"mapped": 4, "changed": 4, "unmapped_count": 0, "unmapped": [],
                                              "file": "exported.json"}  # fmt: skip
    page = client.get(report["Location"])
    assert page.status_code == 200 and "4 answers imported (4 changed)" in page.content.decode()
    # On the provider's timeline, and the dossier's own export now says the same as the first one.
    assert (
        "4 answers imported from an OSCAL file"
        in client.get(reverse("portal:dossier", args=[another_draft.reference])).content.decode()
    )
    again = json.loads(client.get(export_url(another_draft)).content)["component-definition"]
    rows = again["components"][0]["control-implementations"][0]["implemented-requirements"]
    original = json.loads(exported)["component-definition"]["components"][0]["control-implementations"][0]
    assert [(r["control-id"], r["description"], r["props"]) for r in rows] == [
        (r["control-id"], r["description"], r["props"]) for r in original["implemented-requirements"]
    ]


def test_the_preview_says_what_would_change_and_writes_nothing(client, draft, owner):
    answered(draft, owner, {"19.2": ("not_met", "Not yet.")})
    before, events = state(draft), DossierEvent.objects.count()
    preview = upload(
        signed_in(client, owner),
        draft,
        document_of(draft.scheme, ("req-19.2", "implemented", "Done."), ("req-19.6", "planned", "Next year.")),
    )
    assert preview.status_code == 200
    lines = {line.requirement.ref: line for line in preview.context["plan"].mapped}
    assert (lines["19.2"].old_status, lines["19.2"].new_status, lines["19.2"].new_justification) == (
        "not_met",
        "met",
        "Done.",
    )
    assert lines["19.6"].old_status == "" and lines["19.6"].new_status == "not_met"
    content = preview.content.decode()
    assert "Not yet." in content and "Done." in content and "Next year." in content
    assert state(draft) == before and DossierEvent.objects.count() == events


def test_what_does_not_map_is_listed_with_its_reason_and_the_rest_is_imported(client, draft, owner):
    scheme = draft.scheme
    more_requirements(scheme, refs=("19.7",))
    scheme.requirements.filter(ref="19.7").update(retired=True)
    document = document_of(
        scheme,
        ("req-19.2", "implemented", "First."),
        ("req-19.2", "planned", "Second, ignored."),
        ("req-99", "implemented", ""),
        ("req-19.7", "implemented", ""),
        ("req-19.9", "implemented", ""),
        ("req-19.6", "alternative", "A compensating control."),
        ("req-19", "implemented", ""),
        (None, "implemented", "No control id."),
    )
    document["component-definition"]["components"][0]["control-implementations"][0]["implemented-requirements"].append(
        {"uuid": "1b0c6f3e-8d1a-4f6e-9a43-1f2d0c7e9b21", "control-id": "req-19.6", "description": ""}
    )
    signed_in(client, owner)
    preview = upload(client, draft, document)
    reasons = [(line.entry.control_id, line.reason) for line in preview.context["plan"].unmapped]
    assert reasons == [
        ("req-19.2", "duplicate"),
        ("req-99", "unknown_control"),
        ("req-19.7", "retired"),
        ("req-19.9", "not_applicable"),
        ("req-19.6", "unknown_status"),
        ("req-19", "unknown_control"),  # a chapter is never answered
        ("", "malformed"),
        ("req-19.6", "duplicate"),
    ]
    confirm(client, draft, preview)
    assert state(draft) == {"19.2": ("met", "First.")}
    event = DossierEvent.objects.get(dossier=draft, action="oscal_import")
    content = client.get(reverse("portal:dossier-oscal-import-report", args=[draft.reference, event.pk])).content
    text = content.decode()
    for reason in ("duplicate", "unknown_control", "retired", "not_applicable", "unknown_status", "malformed"):
        assert escape(str(oscal_components.REASONS[reason])) in text


def test_odd_shapes_inside_a_component_definition_are_lines_that_do_not_map(client, draft, owner):
    document = document_of(draft.scheme, ("req-19.2", "implemented", "Kept."))
    component = document["component-definition"]["components"][0]
    rows = component["control-implementations"][0]["implemented-requirements"]
    rows += ["not an object", {"control-id": 7}, {"control-id": "req-19.6", "props": 5, "description": ["x"]}]
    component["control-implementations"].append("not an object")
    document["component-definition"]["components"].append(None)
    preview = upload(signed_in(client, owner), draft, document)
    assert preview.status_code == 200
    assert [line.requirement.ref for line in preview.context["plan"].mapped] == ["19.2"]
    assert [line.reason for line in preview.context["plan"].unmapped] == ["malformed", "malformed", "unknown_status"]


def test_a_status_other_than_implemented_needs_a_justification(client, draft, owner):
    preview = upload(signed_in(client, owner), draft, document_of(draft.scheme, ("req-19.6", "partial", "  ")))
    assert [line.reason for line in preview.context["plan"].unmapped] == ["justification_missing"]


def test_an_import_keeps_the_documents_an_answer_cites(client, draft, owner):
    evidence = f.checked(document_add(dossier=draft, kind="evidence", title="Plan", uploaded=f.pdf(), by=owner))
    answer_save(
        dossier=draft, requirement=draft.scheme.requirements.get(ref="19.6"), by=owner, status="not_met",
        justification="Later.", evidence=[evidence],
    )  # fmt: skip
    signed_in(client, owner)
    confirm(client, draft, upload(client, draft, document_of(draft.scheme, ("req-19.6", "implemented", "Now."))))
    answer = Answer.objects.get(dossier=draft, requirement__ref="19.6")
    assert (answer.status, answer.justification, list(answer.evidence.all())) == ("met", "Now.", [evidence])


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"{not json", "not JSON"),
        (b"\xff\xfe\x00", "not JSON"),
        (b"[1, 2]", "not an OSCAL component definition"),
        (json.dumps({"catalog": {}}).encode(), "not an OSCAL component definition"),
        ("other scheme", "not this dossier"),
        ("no implementation", "implements no requirement"),
    ],
)
def test_a_file_that_is_not_a_component_definition_of_the_scheme_is_a_form_error(
    client, draft, owner, content, message
):
    answered(draft, owner, {"19.2": ("met", "Kept.")})
    if content == "other scheme":
        content = json.dumps(document_of(f.scheme(), ("req-19.2", "implemented", "x"))).encode()
    elif content == "no implementation":
        document = document_of(draft.scheme)
        del document["component-definition"]["components"][0]["control-implementations"]
        content = json.dumps(document).encode()
    answer = upload(signed_in(client, owner), draft, content)
    assert answer.status_code == 400 and message in answer.content.decode()
    assert "confirm_form" not in answer.context
    assert state(draft) == {"19.2": ("met", "Kept.")}


def test_a_file_too_large_is_refused_before_it_is_read(client, draft, owner, monkeypatch):
    monkeypatch.setattr(oscal_components, "MAX_BYTES", 100)
    answer = upload(signed_in(client, owner), draft, document_of(draft.scheme, ("req-19.2", "implemented", "x")))
    assert answer.status_code == 400 and "too large" in answer.content.decode()


def test_a_tampered_foreign_or_expired_preview_writes_nothing(client, draft, another_draft, owner):
    signed_in(client, owner)
    preview = upload(client, draft, document_of(draft.scheme, ("req-19.2", "implemented", "x")))
    token = preview.context["confirm_form"].initial["preview"]
    tampered = token[:-3] + ("aaa" if not token.endswith("aaa") else "bbb")
    refused = client.post(confirm_url(draft), {"preview": tampered})
    assert refused.status_code == 400 and "could not be verified" in refused.content.decode()
    # Made for another dossier: refused on this one.
    assert client.post(confirm_url(another_draft), {"preview": token}).status_code == 400
    assert client.post(confirm_url(draft), {}).status_code == 400
    with time_machine.travel(datetime.timedelta(hours=2)):
        expired = client.post(confirm_url(draft), {"preview": token})
    assert expired.status_code == 400 and "expired" in expired.content.decode()
    assert state(draft) == {} and state(another_draft) == {}
    assert not DossierEvent.objects.filter(action="oscal_import").exists()
