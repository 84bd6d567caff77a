"""Services in the portal: the offering, its sites (19.2) and third parties (19.6.c-d)."""

from django.urls import reverse

from registry.providers.models import Service, Site, ThirdParty
from tests import factories as f


def formset(prefix, rows, initial=0):
    data = {
        f"{prefix}-TOTAL_FORMS": str(len(rows)),
        f"{prefix}-INITIAL_FORMS": str(initial),
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "1000",
    }
    for i, row in enumerate(rows):
        for key, value in row.items():
            data[f"{prefix}-{i}-{key}"] = value
    return data


def service_post(service, sites=(), third=(), sites_initial=0, third_initial=0, **fields):
    return {
        "name": service.name,
        "service_model": service.service_model,
        "description": service.description,
        **fields,
        **formset("sites", list(sites), sites_initial),
        **formset("third", list(third), third_initial),
    }


def test_an_editor_creates_a_service_and_declares_its_sites_and_third_parties(client, provider, editor):
    client.force_login(editor)
    response = client.post(
        reverse("portal:service-new", args=[provider.slug]),
        {"name": "Nuage Kubernetes", "service_model": "caas", "description": "Managed Kubernetes."},
    )
    service = Service.objects.get(name="Nuage Kubernetes")
    assert response.status_code == 302
    assert response["Location"] == reverse("portal:service", args=[provider.slug, service.slug])

    qualified = f.service(name="Sovereign IaaS")
    certificate_holder = f.dossier(qualified, status="qualified")
    from registry.certificates.models import Certificate

    Certificate.objects.create(
        number="SNC-2026-0999", dossier=certificate_holder, service=qualified, scheme=certificate_holder.scheme,
        scope="IaaS", issued_on="2026-01-01", expires_on="2029-01-01",
    )  # fmt: skip
    data = service_post(
        service,
        sites=[
            {"role": "storage", "country": "FR", "city": "Strasbourg"},
            {
                "role": "support",
                "country": "MA",
                "city": "Rabat",
                "operations": "Level-1 ticket triage, no data access.",
            },
        ],
        third=[
            {
                "name": "Sovereign IaaS provider",
                "kind": "hosting",
                "country_of_control": "FR",
                "relies_on_service": str(qualified.pk),
            },
            {
                "name": "Kube Vendor",
                "kind": "technology_licensor",
                "country_of_control": "US",
                "autonomy_evidence": "Source escrow and in-house team.",
            },
        ],
    )
    assert client.post(reverse("portal:service", args=[provider.slug, service.slug]), data).status_code == 302
    assert set(Site.objects.filter(service=service).values_list("role", "country")) == {
        ("storage", "FR"),
        ("support", "MA"),
    }
    assert ThirdParty.objects.get(service=service, name="Sovereign IaaS provider").relies_on_service == qualified
    page = client.get(reverse("portal:service", args=[provider.slug, service.slug])).text
    assert "Support outside the EU is limited to listed operations: Morocco." in page


def test_support_outside_the_eu_without_listed_operations_is_refused_next_to_the_field(
    client, provider, editor, service
):
    client.force_login(editor)
    before = Site.objects.filter(service=service).count()
    data = service_post(service, sites=[{"role": "support", "country": "IN", "city": "Pune"}])
    response = client.post(reverse("portal:service", args=[provider.slug, service.slug]), data)
    assert response.status_code == 200
    assert "Support outside the EU must list the operations allowed from there (19.2.e)." in response.text
    assert Site.objects.filter(service=service).count() == before


def test_a_duplicate_service_name_is_refused_next_to_the_field(client, provider, editor, service):
    client.force_login(editor)
    response = client.post(
        reverse("portal:service-new", args=[provider.slug]),
        {"name": service.name, "service_model": "iaas", "description": ""},
    )
    assert response.status_code == 200
    assert "Your organisation already has a service with this name." in response.text


def test_a_viewer_reads_a_service_but_cannot_change_it(client, provider, viewer, service):
    client.force_login(viewer)
    url = reverse("portal:service", args=[provider.slug, service.slug])
    page = client.get(url)
    assert page.status_code == 200 and "sites-TOTAL_FORMS" not in page.text
    assert client.post(url, service_post(service, description="changed")).status_code == 403
    assert client.get(reverse("portal:service-new", args=[provider.slug])).status_code == 403
    service.refresh_from_db()
    assert service.description == "Virtual machines."


def test_the_service_page_runs_a_bounded_number_of_queries(
    client, provider, editor, service, django_assert_max_num_queries
):
    for i in range(30):
        f.third_party(service, name=f"Supplier {i}")
    client.force_login(editor)
    with django_assert_max_num_queries(25):
        response = client.get(reverse("portal:service", args=[provider.slug, service.slug]))
    assert response.status_code == 200
