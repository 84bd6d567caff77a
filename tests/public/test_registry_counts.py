"""The registry's list, its filter counts and the home's figures read the public read model: the counts are worked out
once per version of the read model and never shown for entries that changed since, whoever changed them."""

import pytest
from django.test import override_settings
from django.urls import reverse

from registry.certificates.services import certificate_suspend
from registry.providers.models import Service
from registry.public import read_model
from tests import factories as f
from tests.public.test_public_pages import certified, rows

pytestmark = pytest.mark.django_db


def option(page, value) -> str:
    """The label of the filter choice with this value, e.g. "IaaS – infrastructure (2)"."""
    text = page.content.decode()
    start = text.index(f'<option value="{value}"')
    return text[text.index(">", start) + 1 : text.index("</option>", start)]


def figure(home: str, name: str) -> str:
    """The number a figure of the home shows."""
    start = home.index(f'data-figure="{name}"')
    number = home.index('<div class="display-6 fw-semibold">', start) + len('<div class="display-6 fw-semibold">')
    return home[number : home.index("</div>", number)]


def test_the_counts_follow_a_suspension_at_once(client, administrator, django_capture_on_commit_callbacks):
    one = certified("Alpha Cloud")
    certified("Beta Cloud")
    page = client.get(reverse("registry:list"))
    assert option(page, "active") == "Active (2)" and option(page, "suspended") == "Suspended (0)"

    with django_capture_on_commit_callbacks(execute=True):  # as after a real commit: the kept pages are dropped
        certificate_suspend(
            certificate=one, by=administrator, reason="Backups outside the EU.", review_on=f.review_date()
        )

    page = client.get(reverse("registry:list"))
    assert option(page, "active") == "Active (1)" and option(page, "suspended") == "Suspended (1)"
    home = client.get(reverse("registry:home")).text
    assert figure(home, "qualified") == "1" and "1 suspended service," in home


@override_settings(PUBLIC_CACHE_SECONDS=0)  # no kept page in the way: the counts themselves are what is tested
def test_a_change_made_outside_the_services_still_changes_the_counts(client):
    certified("Alpha Cloud", model="iaas")
    beta = certified("Beta Cloud", model="iaas")
    assert option(client.get(reverse("registry:list")), "iaas") == "IaaS – infrastructure (2)"
    # A save anywhere (an admin inline, a shell) moves the read model's version: the kept counts are not used again.
    service = Service.objects.get(pk=beta.service_id)
    service.service_model = "saas"
    service.save()
    page = client.get(reverse("registry:list"))
    assert option(page, "iaas") == "IaaS – infrastructure (1)" and option(page, "saas") == "SaaS – software (1)"


@override_settings(PUBLIC_CACHE_SECONDS=0)  # each request runs the view
def test_the_counts_are_counted_once_per_version_and_filter(client, django_assert_max_num_queries):
    for i in range(30):
        certified(f"Service {i:02d}")
    url = reverse("registry:list") + "?model=iaas&sort=issued"
    before = read_model.version()
    client.get(url)  # counts the filter choices of this combination
    with django_assert_max_num_queries(5):
        # 1. the read model's version (the counts of this combination are kept under it)
        # 2. the count of the filtered entries
        # 3. the page of entries with their scheme
        # 4. the schemes offered by the scheme filter
        # 5. (the provider filter's query runs only when a provider is asked for)
        page = client.get(url)
    assert "30 services found" in page.text and "Service" in rows(page)
    assert read_model.version() == before


def test_a_search_counts_its_own_results(client):
    certified("Alpha Cloud", model="iaas")
    certified("Beta Storage", model="saas")
    page = client.get(reverse("registry:list"), {"q": "storage"})
    assert option(page, "saas") == "SaaS – software (1)" and option(page, "iaas") == "IaaS – infrastructure (0)"


@override_settings(PUBLIC_CACHE_SECONDS=0)
def test_the_home_figures_are_read_once_per_version(client, django_assert_max_num_queries):
    certified("Alpha Cloud")
    certified("Beta Cloud", status="suspended", reason="Incident.")
    client.get(reverse("registry:home"))
    with django_assert_max_num_queries(5):
        # 1. the read model's version (the figures are kept under it)
        # 2. the services in process, counted
        # 3. the latest status changes with their certificate, service, provider and scheme
        # 4. the latest accepted changes
        # 5. the current scheme (its ownership caps)
        home = client.get(reverse("registry:home")).text
    assert figure(home, "qualified") == "1" and "1 suspended service," in home
