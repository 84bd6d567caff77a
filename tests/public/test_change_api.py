"""/api/v1/changes/ (registry/public/change_log.py): the registry's public changes after a cursor, oldest first, for
programs that fetch only what changed; every entry once, in the public history's order, never one behind a cursor
already given."""

import datetime

import pytest
from django.utils import timezone

from registry.certificates.models import CertificateEvent
from registry.public import change_log
from tests import factories as f
from tests.public.test_public_after_qualification import EXPECTED_HISTORY, changed  # noqa: F401 (a fixture)
from tests.public.test_public_pages import certified

pytestmark = pytest.mark.django_db

URL = "/api/v1/changes/"


def described(entries):
    return [(e["type"], e["status"] or e["change"]["kind"], e["reason"] or e["change"]["summary"]) for e in entries]


def test_the_changes_come_oldest_first_with_their_certificate_and_identifiers(client, changed):  # noqa: F811
    answer = client.get(URL)
    assert answer.status_code == 200
    body = answer.json()
    assert described(body["results"]) == EXPECTED_HISTORY
    assert body["more"] is False and body["cursor"] == body["results"][-1]["cursor"]
    first = body["results"][0]
    assert first["certificate"] == changed.number
    assert first["certificate_urn"] == f"urn:tcr:certificate:{changed.number}"
    assert first["service_urn"] == f"urn:tcr:service:{changed.service.slug}"
    assert first["provider_urn"] == f"urn:tcr:provider:{changed.service.provider.slug}"
    # The history's own entries, as /api/v1/certificates/<number>/history/ gives them, each with a cursor.
    history = client.get(f"/api/v1/certificates/{changed.number}/history/").json()
    assert [{k: v for k, v in e.items() if k in history[0]} for e in body["results"]] == history


def test_a_client_reads_the_rest_from_its_cursor_and_nothing_twice(client, changed):  # noqa: F811
    first = client.get(URL, {"limit": 3}).json()
    assert described(first["results"]) == EXPECTED_HISTORY[:3] and first["more"] is True
    assert first["next"].endswith(f"?since={first['cursor']}&limit=3")
    rest = client.get(URL, {"since": first["cursor"], "limit": 3}).json()
    assert described(rest["results"]) == EXPECTED_HISTORY[3:] and rest["more"] is False
    done = client.get(URL, {"since": rest["cursor"]}).json()
    assert done["results"] == [] and done["cursor"] == rest["cursor"] and done["more"] is False


def test_at_one_instant_a_status_comes_before_a_change_and_each_once(client, administrator):
    certificate = certified("Alpha Cloud")
    instant = timezone.now() - datetime.timedelta(days=1)
    CertificateEvent.objects.filter(certificate=certificate).update(created_at=instant)
    f.accepted_change_record(certificate, kind="location", summary="Lyon.", adopted_at=instant)
    f.accepted_change_record(certificate, kind="scope", summary="More.", adopted_at=instant)
    seen = []
    cursor = None
    for _ in range(5):
        page = client.get(URL, {"limit": 1, **({"since": cursor} if cursor else {})}).json()
        if not page["results"]:
            break
        seen += described(page["results"])
        cursor = page["cursor"]
    assert [kind for _, kind, _ in seen] == ["active", "location", "scope"]


def test_an_entry_is_listed_once_it_is_settled_and_then_after_the_cursor(client, changed, administrator):  # noqa: F811
    from registry.certificates.services import certificate_reinstate

    cursor = client.get(URL).json()["cursor"]
    certificate_reinstate(certificate=changed, by=administrator, reason="Backups audited.")
    # Written a moment ago: its transaction might still be followed by one written before it, so it waits.
    assert client.get(URL, {"since": cursor}).json()["results"] == []
    settled = timezone.now() - datetime.timedelta(seconds=change_log.SETTLE_SECONDS + 1)
    CertificateEvent.objects.filter(certificate=changed, status="active", reason="Backups audited.").update(
        created_at=settled
    )
    assert described(client.get(URL, {"since": cursor}).json()["results"]) == [("status", "active", "Backups audited.")]


def test_nothing_internal_is_published(client, changed):  # noqa: F811
    CertificateEvent.objects.filter(certificate=changed).update(internal_note="Provider called twice, angry.")
    text = client.get(URL).content.decode()
    assert "angry" not in text and "internal" not in text and "actor" not in text


@pytest.mark.parametrize(
    "params",
    [{"since": "yesterday"}, {"since": "1-x-2"}, {"since": "9999999999999999999-s-1"}, {"since": ""},
     {"limit": "0"}, {"limit": "501"}, {"limit": "ten"}],
)  # fmt: skip
def test_a_malformed_parameter_answers_400_with_its_reason(client, params):
    answer = client.get(URL, params)
    assert answer.status_code == 400
    assert list(answer.json()) == list(params) and answer.json()[next(iter(params))]


def test_the_change_list_costs_the_same_queries_for_a_longer_history(client, django_assert_max_num_queries):
    def history(count):
        past = timezone.now() - datetime.timedelta(days=2)
        for i in range(count):
            certificate = certified(f"Cloud {f.n()}")
            CertificateEvent.objects.filter(certificate=certificate).update(created_at=past)
            f.accepted_change_record(certificate, kind="scope", summary=f"S{i}", adopted_at=past)

    history(2)
    with django_assert_max_num_queries(2):
        small = client.get(URL).json()
    history(20)
    with django_assert_max_num_queries(2):
        large = client.get(URL).json()
    assert len(small["results"]) == 4 and len(large["results"]) == 44
