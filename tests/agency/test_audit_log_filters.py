"""The audit log's filter by object type names the events without an object (sign-ins, failed attempts) in words, and
shows exactly them (Django's own filter on the field offered them as a link without text); its search field is labelled
in words on the screen."""

from django.urls import reverse

from registry.accounts.audit import record
from tests import factories as f

URL = reverse("admin:registry_auditevent_changelist")


def rows(response) -> str:
    """The change list's table only (the filters beside it name every action)."""
    text = response.content.decode()
    start = text.find('<table id="result_list"')
    return text[start : text.find("</table>", start)] if start >= 0 else ""


def test_events_without_an_object_are_a_named_choice_of_the_object_type_filter(client, reviewer, decision_maker):
    certificate = f.certificate()
    record("certificate.suspend", actor=decision_maker, obj=certificate, reason="Incident.")
    record("login.failed", actor_label="someone@example.test")
    f.login_with_mfa(client, reviewer)

    page = client.get(URL)
    assert '<a href="?object_type=-">No object</a>' in page.text
    assert '<a href="?object_type=">' not in page.text

    without = rows(client.get(URL, {"object_type": "-"}))
    assert "login.failed" in without and "certificate.suspend" not in without
    certificates = rows(client.get(URL, {"object_type": "certificate"}))
    assert "certificate.suspend" in certificates and "login.failed" not in certificates


def test_the_log_search_field_is_labelled_in_words_on_the_screen(client, reviewer):
    f.login_with_mfa(client, reviewer)
    page = client.get(URL)
    assert "Search the log</label>" in page.text
    assert 'aria-describedby="searchbar_helptext"' in page.text  # the help text still read with the field
