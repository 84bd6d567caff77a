"""The French translation: the catalogue is complete, the committed .mo matches the .po, and pages speak French.

The .po is read with a small parser below and the .mo with the standard library's gettext, so these tests need no
gettext tools (msgfmt, xgettext) on the machine that runs them.
"""

import gettext
import re
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import translation

from registry.qualification.models import Dossier
from registry.qualification.workflow import COMMITTEE, REVIEWERS, Actor, can

LOCALE_DIR = Path(settings.BASE_DIR) / "locale" / "fr" / "LC_MESSAGES"
PO_PATH = LOCALE_DIR / "django.po"
MO_PATH = LOCALE_DIR / "django.mo"
NBSP = "\u00a0"


@dataclass
class Entry:
    msgid: str = ""
    msgid_plural: str | None = None
    msgctxt: str | None = None
    msgstr: dict = field(default_factory=dict)  # index -> text; a singular entry has only index 0
    flags: set = field(default_factory=set)

    @property
    def label(self) -> str:
        return f"{self.msgctxt}|{self.msgid}" if self.msgctxt is not None else self.msgid


_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", '"': '"', "\\": "\\", "a": "\a", "b": "\b", "f": "\f", "v": "\v"}


def _unquote(quoted: str) -> str:
    assert quoted.startswith('"') and quoted.endswith('"'), quoted
    return re.sub(r"\\(.)", lambda m: _ESCAPES.get(m.group(1), "\\" + m.group(1)), quoted[1:-1])


def parse_po(text: str) -> list[Entry]:
    """Every live entry of a .po file (the header included, with msgid ""); obsolete "#~" entries are skipped."""
    entries = []
    for block in re.split(r"\n[ \t]*\n", text.strip()):
        entry, target = Entry(), None
        keyword = re.compile(r'^(msgctxt|msgid_plural|msgid|msgstr(?:\[(\d+)\])?)\s+(".*")\s*$')
        has_msgid = False
        for line in block.splitlines():
            line = line.strip()
            if line.startswith("#,"):
                entry.flags |= {flag.strip() for flag in line[2:].split(",") if flag.strip()}
            elif line.startswith("#"):
                continue
            elif match := keyword.match(line):
                name, index, value = match.group(1), match.group(2), _unquote(match.group(3))
                if name.startswith("msgstr"):
                    target = ("msgstr", int(index or 0))
                    entry.msgstr[target[1]] = value
                else:
                    target = (name, None)
                    setattr(entry, name, value)
                    has_msgid = has_msgid or name == "msgid"
            elif line.startswith('"'):
                value = _unquote(line)
                if target[0] == "msgstr":
                    entry.msgstr[target[1]] += value
                else:
                    setattr(entry, target[0], getattr(entry, target[0]) + value)
        if has_msgid:
            entries.append(entry)
    return entries


@pytest.fixture(autouse=True)
def _back_to_the_default_language():
    # LocaleMiddleware activates the request's language in the thread and never deactivates it: after a French
    # request through the test client, every later test would otherwise run in French.
    yield
    translation.deactivate()


@pytest.fixture(scope="module")
def po_entries() -> list[Entry]:
    return parse_po(PO_PATH.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def messages(po_entries) -> list[Entry]:
    """The translatable entries, without the header."""
    return [e for e in po_entries if e.msgid != ""]


# --- the catalogue itself -------------------------------------------------------------------------------------------


def test_the_catalogue_declares_french_and_its_plural_rule(po_entries):
    header = po_entries[0]
    assert header.msgid == ""
    assert "fuzzy" not in header.flags
    assert "Language: fr\n" in header.msgstr[0]
    assert "Content-Type: text/plain; charset=UTF-8\n" in header.msgstr[0]
    assert "Plural-Forms: nplurals=2; plural=(n > 1);\n" in header.msgstr[0]


def test_every_message_is_translated_and_none_is_fuzzy(messages):
    assert len(messages) > 100, "the catalogue looks truncated"
    untranslated = [e.label for e in messages if not all(e.msgstr.get(i) for i in range(2 if e.msgid_plural else 1))]
    fuzzy = [e.label for e in messages if "fuzzy" in e.flags]
    assert untranslated == [], f"{len(untranslated)} untranslated: {untranslated[:10]}"
    assert fuzzy == [], f"{len(fuzzy)} fuzzy: {fuzzy[:10]}"


def test_plural_messages_have_both_french_forms(messages):
    plurals = [e for e in messages if e.msgid_plural is not None]
    assert plurals
    for entry in plurals:
        assert sorted(entry.msgstr) == [0, 1], entry.label


_PRINTF = re.compile(r"%(?:\([A-Za-z_][A-Za-z0-9_]*\))?[-#0 +]*\d*(?:\.\d+)?[sdifrx%]")
_BRACES = re.compile(r"\{[A-Za-z_][A-Za-z0-9_]*\}")
_TAGS = re.compile(r"</?[a-zA-Z][^>]*>")


def _placeholders(text: str, entry: Entry) -> list[str]:
    found = []
    if "python-format" in entry.flags:
        found += _PRINTF.findall(text)
    if "python-brace-format" in entry.flags:
        found += _BRACES.findall(text)
    return sorted(found)


def test_translations_keep_the_placeholders_and_the_markup(messages):
    wrong = []
    for entry in messages:
        for index, translated in entry.msgstr.items():
            source = entry.msgid_plural if (index > 0 and entry.msgid_plural) else entry.msgid
            if _placeholders(translated, entry) != _placeholders(source, entry):
                wrong.append((entry.label, "placeholders", translated))
            if sorted(_TAGS.findall(translated)) != sorted(_TAGS.findall(source)):
                wrong.append((entry.label, "markup", translated))
    assert wrong == []


def test_the_committed_mo_file_matches_the_po_file(messages):
    """A .po edited without recompiling would leave the site showing the old text: the .mo must say the same."""
    assert MO_PATH.exists(), "run: DEBUG=1 .venv/bin/python manage.py compilemessages -l fr --ignore=.venv"
    with MO_PATH.open("rb") as handle:
        compiled = gettext.GNUTranslations(handle)
    assert compiled.info().get("plural-forms") == "nplurals=2; plural=(n > 1);"
    stale = []
    for entry in messages:
        if entry.msgid_plural is not None:
            got = {
                0: compiled.npgettext(entry.msgctxt, entry.msgid, entry.msgid_plural, 1)
                if entry.msgctxt is not None
                else compiled.ngettext(entry.msgid, entry.msgid_plural, 1),
                1: compiled.npgettext(entry.msgctxt, entry.msgid, entry.msgid_plural, 2)
                if entry.msgctxt is not None
                else compiled.ngettext(entry.msgid, entry.msgid_plural, 2),
            }
        else:
            got = {
                0: compiled.pgettext(entry.msgctxt, entry.msgid)
                if entry.msgctxt is not None
                else compiled.gettext(entry.msgid)
            }
        if got != entry.msgstr:
            stale.append(entry.label)
    assert stale == [], f"the .mo is older than the .po for {len(stale)} entries, e.g. {stale[:5]}; run compilemessages"


# --- Django speaks French --------------------------------------------------------------------------------------------


def test_key_strings_are_french_under_the_french_locale():
    with translation.override("fr"):
        assert translation.gettext("Trusted Cloud Registry") == "Registre du cloud de confiance"
        assert translation.gettext("Self-assessment") == "Autoévaluation"
        assert str(Dossier.Status.DECISION.label) == "En attente de décision"
        assert str(Dossier.Status.CHANGES_REQUESTED.label) == "Modifications demandées"
        assert translation.pgettext("badge", "superseded") == "remplacé"
        assert translation.ngettext("%(counter)s service found", "%(counter)s services found", 1) == (
            "%(counter)s service trouvé"
        )
        assert translation.ngettext("%(counter)s service found", "%(counter)s services found", 2) == (
            "%(counter)s services trouvés"
        )
    with translation.override("en"):
        assert translation.gettext("Trusted Cloud Registry") == "Trusted Cloud Registry"


def test_the_four_eyes_refusal_is_given_in_french():
    # Pure workflow: the person who instructed the dossier sits on the committee too, and may still not decide.
    dossier = SimpleNamespace(status=Dossier.Status.DECISION, instructing_reviewer_id=7, instructor_ids=frozenset())
    actor = Actor(user_id=7, groups=frozenset({REVIEWERS, COMMITTEE}))
    with translation.override("fr"):
        allowed, reason = can(actor, dossier, "qualify")
    assert not allowed
    assert reason.startswith("Vous avez pris part à l’instruction de ce dossier")


def test_a_refusal_names_the_action_and_the_status_in_french():
    dossier = SimpleNamespace(status=Dossier.Status.DRAFT, instructing_reviewer_id=None)
    actor = Actor(user_id=1, groups=frozenset({REVIEWERS}))
    with translation.override("fr"):
        allowed, reason = can(actor, dossier, "take")
    assert not allowed
    action, status = f"«{NBSP}Prendre en charge ce dossier{NBSP}»", f"«{NBSP}brouillon{NBSP}»"
    assert reason == f"L’action {action} n’est pas possible lorsque le dossier est à l’état {status}."


@pytest.mark.django_db
def test_the_home_page_speaks_french_to_a_french_browser(client):
    from tests import factories as f

    f.scheme(with_requirements=False)  # the caps the page states are the scheme's: 24 % and 39 %
    page = client.get("/", HTTP_ACCEPT_LANGUAGE="fr")
    assert page.status_code == 200
    html = page.content.decode()
    assert '<html lang="fr">' in html
    assert "Des services cloud de confiance pour vos données sensibles" in html
    assert f"Aucun actionnaire hors UE au-delà de 24{NBSP}% seul" in html  # a "%" in {% blocktranslate %} survives
    # The language switch links to set_language and marks French as the current language.
    switch = re.escape(reverse("set_language"))
    assert re.search(rf'<a href="{switch}\?language=fr&amp;next=/"[^>]*aria-current="true"', html)
    assert re.search(rf'<a href="{switch}\?language=en&amp;next=/"', html)
    assert "Cloud services you can trust with sensitive data" not in html


@pytest.mark.django_db
def test_the_home_page_stays_english_by_default(client):
    page = client.get("/", HTTP_ACCEPT_LANGUAGE="en")
    assert page.status_code == 200
    assert "Cloud services you can trust with sensitive data" in page.content.decode()


@pytest.mark.django_db
def test_the_sign_in_page_speaks_french(client):
    page = client.get(reverse("account_login"), HTTP_ACCEPT_LANGUAGE="fr")
    assert page.status_code == 200
    html = page.content.decode()
    assert "Registre du cloud de confiance" in html
    assert "Créer un compte" in html  # our navigation
    assert "Mot de passe" in html  # allauth's own form, in its shipped French


@pytest.mark.django_db
def test_the_provider_portal_speaks_french_to_a_signed_in_owner(client, owner, provider):
    client.force_login(owner)
    # With one organisation the portal's home leads straight to it.
    page = client.get(reverse("portal:home"), HTTP_ACCEPT_LANGUAGE="fr", follow=True)
    assert page.status_code == 200
    html = page.content.decode()
    assert provider.legal_name in html
    assert "Portail des prestataires" in html
    assert "Ajouter un service" in html
    assert "Add a service" not in html


@pytest.mark.django_db
def test_the_verify_form_speaks_french(client):
    page = client.get(reverse("registry:verify"), HTTP_ACCEPT_LANGUAGE="fr")
    if page.status_code != 200:
        pytest.skip(f"the verify page answers {page.status_code}: still under construction")
    html = page.content.decode()
    assert "Vérifier un certificat" in html
    assert "Numéro de certificat" in html
