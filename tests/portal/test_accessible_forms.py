"""Form errors a screen reader can find: an error summary at the top of the form (role="alert", focused on load by
static/js/error-summary.js) lists every error with a link to its field, and each invalid field says it is invalid
(aria-invalid) and points at its own message (aria-describedby). Read from the HTML the pages send."""

from html.parser import HTMLParser

import pytest
from django.urls import reverse

from registry.catalogue.models import Requirement
from tests import factories as f

pytestmark = pytest.mark.django_db


class Node:
    def __init__(self, tag, attrs, parent=None):
        self.tag, self.attrs, self.parent, self.children = tag, dict(attrs), parent, []

    @property
    def text(self) -> str:
        return " ".join(" ".join(c.text if isinstance(c, Node) else c for c in self.children).split())

    def walk(self):
        for child in self.children:
            if isinstance(child, Node):
                yield child
                yield from child.walk()


VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


class Page(HTMLParser):
    """The page as a small tree, enough to follow ids the way assistive technology does."""

    def __init__(self, html):
        super().__init__()
        self.root = self.current = Node("document", {})
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        node = Node(tag, attrs, self.current)
        self.current.children.append(node)
        if tag not in VOID:
            self.current = node

    def handle_endtag(self, tag):
        node = self.current
        while node is not self.root and node.tag != tag:
            node = node.parent
        if node is not self.root:
            self.current = node.parent

    def handle_data(self, data):
        self.current.children.append(data)

    def by_id(self, ident) -> Node:
        [node] = [n for n in self.root.walk() if n.attrs.get("id") == ident]
        return node

    def select(self, predicate) -> list[Node]:
        return [n for n in self.root.walk() if predicate(n)]

    def summary(self) -> Node:
        [node] = self.select(lambda n: "data-error-summary" in n.attrs)
        return node

    def described_by(self, node) -> str:
        """What a screen reader reads after the field's name: the texts of the elements aria-describedby names."""
        return " ".join(self.by_id(i).text for i in node.attrs.get("aria-describedby", "").split())


def assert_field_in_error(page, field_id, message):
    field = page.by_id(field_id)
    assert field.attrs.get("aria-invalid") == "true", field.attrs
    assert message in page.described_by(field)
    summary = page.summary()
    links = {a.attrs["href"]: a.text for a in summary.walk() if a.tag == "a"}
    assert message in links[f"#{field_id}"]


def test_a_sign_in_without_password_ties_the_error_to_the_field_and_sums_it_up_at_the_top(client):
    response = client.post(reverse("account_login"), {"login": "someone@example.org", "password": ""})
    page = Page(response.text)
    assert_field_in_error(page, "id_password", "This field is required.")
    summary = page.summary()
    assert summary.attrs["role"] == "alert"
    assert summary.attrs["tabindex"] == "-1"  # error-summary.js moves the focus there
    assert page.by_id("id_login").attrs.get("aria-invalid") is None  # the valid field is not called invalid


def test_a_wrong_password_is_announced_in_the_summary_without_blaming_a_field(client):
    f.user(email="someone@example.org")
    response = client.post(reverse("account_login"), {"login": "someone@example.org", "password": "wrong-one-42"})
    page = Page(response.text)
    summary = page.summary()
    assert summary.attrs["role"] == "alert"
    assert "not correct" in summary.text
    assert page.select(lambda n: n.attrs.get("aria-invalid") == "true") == []


def test_the_summary_of_a_portal_form_links_each_error_to_its_field(client, provider, editor):
    client.force_login(editor)
    response = client.post(
        reverse("portal:service-new", args=[provider.slug]),
        {"name": "", "service_model": "mainframe", "description": "Typed and kept."},
    )
    assert response.status_code == 200
    page = Page(response.text)
    assert_field_in_error(page, "id_name", "This field is required.")
    assert_field_in_error(page, "id_service_model", "Select a valid choice.")
    assert page.by_id("id_description").attrs.get("aria-invalid") is None
    assert "2 errors" in page.summary().text
    assert len(page.select(lambda n: "data-error-summary" in n.attrs)) == 1


def test_the_self_assessments_radio_and_text_errors_are_tied_to_their_fields(client, editor, draft, scheme):
    first = Requirement.objects.get(scheme=scheme, ref="19.2")
    second = Requirement.objects.get(scheme=scheme, ref="19.6")
    client.force_login(editor)
    response = client.post(
        reverse("portal:dossier-assessment", args=[draft.reference, "19"]),
        {f"r{first.pk}-status": "not_met", f"r{first.pk}-justification": "", f"r{second.pk}-status": "bogus"},
    )
    assert response.status_code == 200
    page = Page(response.text)
    justification = page.by_id(f"id_r{first.pk}-justification")
    assert justification.attrs.get("aria-invalid") == "true"
    assert "a justification is required" in page.described_by(justification)
    # The answer's buttons are radios: each says the group is invalid and reads the group's message.
    radios = page.select(lambda n: n.attrs.get("name") == f"r{second.pk}-status")
    assert radios and all(r.attrs.get("aria-invalid") == "true" for r in radios)
    assert all("Select a valid choice" in page.described_by(r) for r in radios)
    summary = page.summary()
    assert summary.attrs["role"] == "alert"
    # Each link goes to the field itself: the text area, or the first radio of the group.
    links = {a.attrs["href"] for a in summary.walk() if a.tag == "a"}
    assert {f"#id_r{first.pk}-justification", f"#id_r{second.pk}-status_0"} <= links
    assert all(page.by_id(link[1:]) is not None for link in links)


def test_the_service_page_sums_up_the_service_and_its_sites_in_one_summary(client, provider, editor, service):
    from tests.portal.test_portal_services import service_post

    client.force_login(editor)
    data = service_post(service, sites=[{"role": "support", "country": "IN", "city": "Pune"}], name="")
    response = client.post(reverse("portal:service", args=[provider.slug, service.slug]), data)
    assert response.status_code == 200
    page = Page(response.text)
    [summary] = page.select(lambda n: "data-error-summary" in n.attrs)
    assert_field_in_error(page, "id_name", "This field is required.")
    assert "Support outside the EU must list the operations allowed from there (19.2.e)." in summary.text
