"""Public texts people write, in English and French (core.bilingual): the page's language first, the other marked with
its `lang` where it stands in, and the registry's own reasons translated rather than shown as a stand-in."""

import pytest
from django.template import Context, Template
from django.utils import translation

from registry.certificates.models import CertificateEvent
from registry.core import bilingual
from tests import factories as f

pytestmark = pytest.mark.django_db


def render(source: str, language: str, **context) -> str:
    with translation.override(language):
        return Template("{% load registry_tags %}" + source).render(Context(context))


def test_the_french_page_marks_the_english_text_standing_in_and_the_english_page_does_not():
    service = f.service(description="Managed virtual machines.")
    assert (
        render('{% bilingual s "description" %}', "fr", s=service) == '<span lang="en">Managed virtual machines.</span>'
    )
    assert render('{% bilingual s "description" %}', "en", s=service) == "Managed virtual machines."


def test_each_page_shows_its_own_language_unmarked_when_both_are_written():
    service = f.service(description="Managed virtual machines.", description_fr="Machines virtuelles gérées.")
    assert render('{% bilingual s "description" %}', "fr", s=service) == "Machines virtuelles gérées."
    assert render('{% bilingual s "description" %}', "en", s=service) == "Managed virtual machines."


def test_the_english_page_marks_the_french_text_standing_in():
    service = f.service(description="", description_fr="Machines virtuelles gérées.")
    assert (
        render('{% bilingual s "description" %}', "en", s=service)
        == '<span lang="fr">Machines virtuelles gérées.</span>'
    )


def test_paragraphs_keep_the_line_breaks_inside_one_marked_block():
    service = f.service(description="First.\n\nSecond.")
    assert render('{% bilingual s "description" paragraphs=True %}', "fr", s=service) == (
        '<div lang="en"><p>First.</p>\n\n<p>Second.</p></div>'
    )


def test_a_reason_the_agency_wrote_in_english_stands_in_on_the_french_page_marked():
    event = CertificateEvent(status="suspended", reason="Storage moved outside the EU.")
    assert (
        render("{% bilingual e.reason_text %}", "fr", e=event) == '<span lang="en">Storage moved outside the EU.</span>'
    )


def test_the_registrys_own_reason_is_translated_not_shown_as_a_stand_in():
    event = CertificateEvent(status="active", reason="Qualification granted.")
    with translation.override("fr"):
        text = event.reason_text
    assert (text.fallback, text.lang) == (False, "fr")
    assert text.text != "Qualification granted."  # the French words of locale/, whatever they are
    assert 'lang="' not in render("{% bilingual e.reason_text %}", "fr", e=event)


def test_a_french_reason_is_shown_on_the_french_page():
    event = CertificateEvent(status="suspended", reason="Storage moved.", reason_fr="Stockage déplacé.")
    assert render("{% bilingual e.reason_text %}", "fr", e=event) == "Stockage déplacé."


@pytest.mark.parametrize(
    ("english", "french", "missing"),
    [
        ("", "", True),
        ("  ", "\n", True),
        ("Scope.", "", False),
        ("", "Périmètre.", False),
        ("Scope.", "Périmètre.", False),
    ],
)
def test_a_text_that_must_be_written_may_be_in_either_language(english, french, missing):
    assert bilingual.missing(english, french) is missing


def test_the_emails_give_a_reason_and_a_summary_in_their_readers_language():
    from django.template.loader import render_to_string

    from registry.certificates.models import ChangeNotice

    certificate = f.certified_service()
    event = CertificateEvent(
        certificate=certificate, status="suspended", reason="Storage moved.", reason_fr="Stockage déplacé."
    )
    notice = ChangeNotice(kind="location", public_summary="A second site.", public_summary_fr="Un second site.")
    context = {"certificate": certificate, "event": event, "notice": notice, "change": "suspended", "target": "x"}
    for language, reason, summary in (
        ("fr", "Stockage déplacé.", "Un second site."),
        ("en", "Storage moved.", "A second site."),
    ):
        with translation.override(language):
            assert reason in render_to_string("emails/subscription_event.txt", context)
            assert reason in render_to_string("emails/certificate_event.html", context)
            assert summary in render_to_string("emails/subscription_change.txt", context)
            assert summary in render_to_string("emails/subscription_change.html", context)
    notice.public_summary_fr = ""
    with translation.override("fr"):  # no French written: the English one rather than nothing
        assert "A second site." in render_to_string("emails/subscription_change.txt", context)
