"""Public wording that cannot mislead (issue 16, point 1): what happened told as events, figures that agree with the
lists they link to, a suspended or withdrawn certificate's pages opening with a notice, a verification for a past day
that also says where the certificate stands today, and a badge snippet that links to the verification."""

import datetime
import html
import re

import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format

from registry.certificates import services as svc
from registry.certificates.models import CertificateEvent
from registry.qualification.models import Dossier
from tests import factories as f

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()


def qualified(name, *, days_ago=400):
    """A service qualified `days_ago` days ago, with the first event of its public history as issuing writes it."""
    provider = f.provider(legal_name=f"{name} SAS", slug=f"{name.lower().replace(' ', '-')}-sas")
    service = f.service(provider, name=name, slug=name.lower().replace(" ", "-"))
    issued_on = TODAY - datetime.timedelta(days=days_ago)
    certificate = f.certificate(service, issued_on=issued_on)
    CertificateEvent.objects.create(
        certificate=certificate,
        status="active",
        reason="Qualification granted.",
        created_at=timezone.make_aware(datetime.datetime.combine(issued_on, datetime.time(10))),
    )
    return certificate


def suspend(certificate, administrator, reason="Backups not audited since the move.", days_ago=0):
    svc.certificate_suspend(
        certificate=certificate,
        by=administrator,
        reason=reason,
        review_on=f.review_date(),
        effective_on=TODAY - datetime.timedelta(days=days_ago),
    )
    if days_ago:
        CertificateEvent.objects.filter(certificate=certificate, status="suspended").update(
            created_at=timezone.now() - datetime.timedelta(days=days_ago)
        )
    certificate.refresh_from_db()
    return certificate


def latest_decisions(page) -> list[tuple[str, str]]:
    """The home's latest decisions as (what happened, its text) in order."""
    section = page.text[page.text.index('id="latest-title"') :]
    return re.findall(r'<li class="list-group-item" data-event="([a-z_]+)">(.*?)</li>', section, re.S)


# --- 1. Decisions listed as events ---


def test_latest_decisions_say_what_happened_not_the_certificate_status_of_today(client, administrator):
    nuage = qualified("NuageFR")
    suspend(nuage, administrator, reason="Backups not audited since the move.")
    page = client.get(reverse("registry:home"))
    events = latest_decisions(page)
    assert [kind for kind, _ in events] == ["suspended", "qualified"]
    suspended, first = (text for _, text in events)
    assert "<strong>Suspended</strong>" in suspended and "Backups not audited since the move." in suspended
    assert "<strong>Qualified</strong>" in first and "NuageFR" in first and nuage.number in first
    # The qualification's line tells the event of its day, with that day: no "Active" badge under a suspension.
    assert date_format(nuage.issued_on, "DATE_FORMAT") in first
    assert "tcr-status" not in page.text[page.text.index('id="latest-title"') :]


def test_a_return_to_active_after_a_suspension_is_a_reinstatement_not_a_qualification(client, administrator):
    nuage = suspend(qualified("NuageFR"), administrator, days_ago=5)
    svc.certificate_reinstate(certificate=nuage, by=administrator, reason="Backups audited again.")
    kinds = [kind for kind, _ in latest_decisions(client.get(reverse("registry:home")))]
    assert kinds == ["reinstated", "suspended", "qualified"]
    page = client.get(reverse("registry:home"))
    assert "<strong>Reinstated</strong>" in page.text


def test_withdrawals_and_accepted_changes_are_events_too(client, administrator):
    nuage = qualified("NuageFR")
    f.accepted_change_record(
        nuage, kind="location", summary="A second storage site, in Lyon.", adopted_at=timezone.now()
    )
    other = qualified("Altocumulus")
    svc.certificate_withdraw(certificate=other, by=administrator, reason="Data moved outside the EU.")
    events = latest_decisions(client.get(reverse("registry:home")))
    kinds = [kind for kind, _ in events]
    assert set(kinds[:2]) == {"withdrawn", "change_accepted"}
    texts = dict(events)
    assert "A second storage site, in Lyon." in texts["change_accepted"]
    assert "Data moved outside the EU." in texts["withdrawn"]


def test_a_reason_written_only_in_english_is_marked_as_english_on_the_french_home(client, administrator):
    suspend(qualified("NuageFR"), administrator, reason="Backups not audited since the move.")
    page = client.get(reverse("registry:home"), headers={"accept-language": "fr"})
    assert '<html lang="fr"' in page.text
    assert re.search(r'lang="en">Backups not audited since the move\.<', page.text)


def test_a_reason_written_in_french_is_shown_on_the_french_home(client):
    nuage = qualified("NuageFR")
    CertificateEvent.objects.create(
        certificate=nuage, status="suspended", reason="Backups not audited.", reason_fr="Sauvegardes non auditées."
    )
    nuage.status = "suspended"
    nuage.save(update_fields=["status"])
    french = client.get(reverse("registry:home"), headers={"accept-language": "fr"}).text
    assert "Sauvegardes non auditées." in french and "Backups not audited." not in french
    assert "Backups not audited." in client.get(reverse("registry:home"), headers={"accept-language": "en"}).text


# --- 2. Figures that agree with the lists they link to ---


def figures(page) -> dict[str, tuple[str, int]]:
    """The home's linked figures: {name: (the link, the number shown)}."""
    found = {}
    for href, name, number in re.findall(
        r'<a[^>]*href="([^"]+)" data-figure="([a-z-]+)"><div class="card-body[^"]*"><div[^>]*>(\d+)</div>', page.text
    ):
        found[name] = (href.replace("&amp;", "&"), int(number))
    for href, name, number in re.findall(r'<a href="([^"]+)" data-figure="(suspended)">[^<]*?(\d+)', page.text):
        found[name] = (href.replace("&amp;", "&"), int(number))
    return found


def listed_count(client, url) -> int:
    page = client.get(url)
    assert page.status_code == 200, url
    if url.startswith(reverse("registry:in-process")):
        return page.text.count("<tr><td") - page.text.count("No service is listed as in process")
    return int(re.search(r"(\d+) services? found", page.text).group(1))


def test_each_figure_of_the_home_is_the_count_the_linked_list_shows(client, administrator):
    for name in ("Alpha", "Beta", "Gamma"):
        qualified(name)
    suspend(qualified("Delta"), administrator)
    suspend(qualified("Epsilon"), administrator)
    svc.certificate_withdraw(certificate=qualified("Zeta"), by=administrator, reason="Sold.")
    for name in ("Eta", "Theta"):
        f.dossier(f.service(name=name), status=Dossier.Status.EVALUATION, listed_in_process_consent=True)
    f.dossier(f.service(name="Iota"), status=Dossier.Status.EVALUATION, listed_in_process_consent=False)

    found = figures(client.get(reverse("registry:home")))

    assert {name: number for name, (_, number) in found.items()} == {
        "qualified": 3,
        "suspended": 2,
        "in-process": 2,
    }
    for name, (url, number) in found.items():
        assert listed_count(client, url) == number, name
    # The registry without a filter shows both, as its own figure says.
    assert listed_count(client, reverse("registry:list")) == 5


def test_the_home_words_its_figures_in_the_singular_and_runs_a_bounded_number_of_queries(
    client, administrator, django_assert_max_num_queries
):
    qualified("Alpha")
    suspend(qualified("Beta"), administrator)
    # The counts (qualified, their providers, suspended, in process), the events, the accepted changes, the scheme
    # and the session's language: whatever the number of services.
    with django_assert_max_num_queries(8):
        page = client.get(reverse("registry:home"))
    assert "1 suspended service," in page.text
    assert re.search(r">1</div><div class=\"small\">qualified service<", page.text)


# --- 3. A suspended or withdrawn certificate's pages open with a notice ---


def notice(page) -> str:
    """The page's status notice (registry/_status_notice.html), or "" when there is none."""
    found = re.search(
        r'<div class="alert[^"]*tcr-notice" role="status" aria-labelledby="notice-title"(.*?)</div>\s*\n',
        page.text,
        re.S,
    )
    return found.group(1) if found else ""


def test_a_suspended_service_page_opens_with_since_when_why_and_what_it_means(client, administrator):
    nuage = suspend(qualified("NuageFR"), administrator, reason="Backups not audited since the move.", days_ago=3)
    since = date_format(TODAY - datetime.timedelta(days=3), "DATE_FORMAT")
    page = client.get(reverse("registry:service", args=[nuage.service.slug]))
    text = notice(page)
    assert f'<h2 id="notice-title" class="h5">Suspended since {since}</h2>' in text
    assert "<p>Backups not audited since the move.</p>" in text
    assert "the service is not qualified" in text
    # It opens the page: before the certificate's details and the history, right under the title.
    assert page.text.index("tcr-notice") < page.text.index("Current certificate") < page.text.index("Status history")


def test_the_notice_uses_the_day_the_suspension_took_effect_and_the_french_reason(client):
    nuage = qualified("NuageFR")
    CertificateEvent.objects.create(
        certificate=nuage,
        status="suspended",
        reason="Backups not audited.",
        reason_fr="Sauvegardes non auditées.\n\nAudit prévu.",
        effective_on=TODAY - datetime.timedelta(days=9),
    )
    nuage.status = "suspended"
    nuage.save(update_fields=["status"])
    french = notice(
        client.get(reverse("registry:service", args=[nuage.service.slug]), headers={"accept-language": "fr"})
    )
    assert "<p>Sauvegardes non auditées.</p>\n\n<p>Audit prévu.</p>" in french and "Backups" not in french
    english = notice(client.get(reverse("registry:verify-number", args=[nuage.number])))
    assert f"Suspended since {date_format(TODAY - datetime.timedelta(days=9), 'DATE_FORMAT')}" in english
    assert "Backups not audited." in english


def test_a_withdrawn_certificate_pages_open_with_a_notice_and_an_active_one_has_none(client, administrator):
    active = qualified("Alpha")
    gone = qualified("NuageFR")
    svc.certificate_withdraw(certificate=gone, by=administrator, reason="Data moved outside the EU.")
    for url in (
        reverse("registry:service", args=[gone.service.slug]),
        reverse("registry:verify-number", args=[gone.number]),
    ):
        text = notice(client.get(url))
        assert f"Withdrawn since {date_format(TODAY, 'DATE_FORMAT')}" in text, url
        assert "Data moved outside the EU." in text and "no longer qualified" in text
    for url in (
        reverse("registry:service", args=[active.service.slug]),
        reverse("registry:verify-number", args=[active.number]),
    ):
        assert "tcr-notice" not in client.get(url).text


# --- 4. A verification for another day says where the certificate stands today ---


def test_a_past_day_when_it_was_valid_also_says_it_is_suspended_today(client, administrator):
    nuage = suspend(qualified("NuageFR", days_ago=400), administrator, days_ago=20)
    past = TODAY - datetime.timedelta(days=100)
    page = client.get(reverse("registry:verify-number", args=[nuage.number]), {"on": past.isoformat()})
    assert 'data-verdict="valid" data-today="suspended"' in page.text
    # Not a green box: the worse of the two verdicts colours it.
    assert re.search(r'<div class="alert alert-warning fs-5" role="status" data-verdict="valid"', page.text)
    verdicts = page.text[
        page.text.index('data-verdict="valid"') : page.text.index("</div>", page.text.index('data-verdict="valid"'))
    ]
    since = date_format(TODAY - datetime.timedelta(days=20), "DATE_FORMAT")
    assert f"On {date_format(past, 'DATE_FORMAT')}:" in verdicts and "<strong>valid</strong>" in verdicts
    assert f"Today, {date_format(TODAY, 'DATE_FORMAT')}:" in verdicts
    assert f"<strong>suspended since {since}</strong>" in verdicts


def test_a_past_day_of_a_certificate_still_active_says_valid_then_and_today(client):
    alpha = qualified("Alpha", days_ago=400)
    past = TODAY - datetime.timedelta(days=100)
    page = client.get(reverse("registry:verify-number", args=[alpha.number]), {"on": past.isoformat()})
    assert 'data-verdict="valid" data-today="valid"' in page.text
    assert re.search(r'<div class="alert alert-success fs-5" role="status" data-verdict="valid"', page.text)
    assert f"Today, {date_format(TODAY, 'DATE_FORMAT')}:" in page.text
    # Today's own verification needs no second line.
    today = client.get(reverse("registry:verify-number", args=[alpha.number]))
    assert "data-today" not in today.text and "Now:" in today.text


def test_the_verification_runs_a_bounded_number_of_queries(client, administrator, django_assert_max_num_queries):
    nuage = suspend(qualified("NuageFR"), administrator, days_ago=2)
    with django_assert_max_num_queries(6):
        client.get(reverse("registry:verify-number", args=[nuage.number]), {"on": "2026-01-01"})
    with django_assert_max_num_queries(10):
        client.get(reverse("registry:service", args=[nuage.service.slug]))


# --- 5. The badge snippet links to the verification ---


def test_the_badge_snippet_links_to_the_verification_page_with_a_meaningful_alt(client, settings):

    settings.SITE_URL = "https://registry.example.eu"
    alpha = qualified("Alpha")
    page = client.get(reverse("registry:service", args=[alpha.service.slug]))
    snippet = html.unescape(re.search(r"<pre[^>]*data-snippet><code>(.*?)</code></pre>", page.text, re.S).group(1))
    verify_url = f"https://registry.example.eu/verify/{alpha.number}/"
    badge_url = f"https://registry.example.eu/badge/{alpha.number}.svg"
    match = re.fullmatch(r'<a href="([^"]+)"><img src="([^"]+)" alt="([^"]+)" height="20"></a>', snippet)
    assert match, snippet
    assert match.group(1) == verify_url and match.group(2) == badge_url
    assert alpha.number in match.group(3) and "status" in match.group(3)
    # Never the request's host: the snippet is pasted on other sites.
    assert "testserver" not in snippet
    # The badge shown on the page is the same link.
    assert f'<a href="/verify/{alpha.number}/"><img src="/badge/{alpha.number}.svg" alt="' in page.text
    assert client.get(match.group(1).removeprefix(settings.SITE_URL)).status_code == 200
