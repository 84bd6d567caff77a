"""The signed trusted list (/registry/trusted-list.xml), shaped after ETSI TS 119 612: verified by Debian's xmlsec1 with
the published certificate alone, refused after a one-byte change; its scheme information, providers, services,
statuses and histories; when a new issue is made; its signing key."""

import base64
import datetime
import secrets
import shutil
import subprocess

import pytest
from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding
from django.core.exceptions import ImproperlyConfigured
from django.urls import reverse
from lxml import etree

from registry.certificates import services as svc
from registry.certificates.models import CertificateEvent
from registry.public import tasks as public_tasks
from registry.public import trusted_list_key
from registry.public.models import TrustedListIssue
from registry.public.trusted_list import list_content
from registry.public.trusted_lists import trusted_list_issue
from tests import factories as f

pytestmark = pytest.mark.django_db

TSL = "{http://uri.etsi.org/02231/v2#}"
NS = {"tsl": "http://uri.etsi.org/02231/v2#", "ds": "http://www.w3.org/2000/09/xmldsig#"}
GRANTED = "http://uri.etsi.org/TrstSvc/TrustedList/Svcstatus/granted"
XMLSEC1 = shutil.which("xmlsec1")
needs_xmlsec1 = pytest.mark.skipif(XMLSEC1 is None, reason="needs Debian's xmlsec1 (apt-get install xmlsec1)")


@pytest.fixture(autouse=True)
def _development_key(settings, private_storage):
    # No configured key: the development key is made in this test's private storage.
    settings.TRUSTED_LIST_SIGNING_KEY = ""
    settings.TRUSTED_LIST_SIGNING_CERTIFICATE = ""
    trusted_list_key._development.cache_clear()
    trusted_list_key._configured.cache_clear()
    yield
    trusted_list_key._development.cache_clear()
    trusted_list_key._configured.cache_clear()


def certified(provider=None, **kw):
    service = f.service(provider)
    f.eu_sites(service)
    certificate = f.certificate(service, **kw)
    CertificateEvent.objects.create(certificate=certificate, status="active", reason="Qualification granted.")
    return certificate


@pytest.fixture
def live(db):
    return certified()


def fetch(client, name, *args):
    response = client.get(reverse(name, args=args))
    assert response.status_code == 200, response.content
    return response


def xmlsec1_verify(tmp_path, document: bytes, certificate: bytes) -> subprocess.CompletedProcess:
    (tmp_path / "list.xml").write_bytes(document)
    (tmp_path / "signing.pem").write_bytes(certificate)
    command = [
        XMLSEC1,
        "--verify",
        "--trusted-pem",
        "signing.pem",
        # The signature's references name the root's Id and the XAdES SignedProperties' Id.
        "--id-attr:Id",
        "TrustServiceStatusList",
        "--id-attr:Id",
        "http://uri.etsi.org/01903/v1.3.2#:SignedProperties",
        "list.xml",
    ]
    return subprocess.run(command, cwd=tmp_path, capture_output=True, text=True, check=False)  # noqa: S603


@needs_xmlsec1
def test_xmlsec1_verifies_the_served_list_with_the_published_certificate_alone(client, live, tmp_path):
    trusted_list_issue()
    document = fetch(client, "registry:trusted-list").content
    certificate = fetch(client, "registry:trusted-list-signing").content

    result = xmlsec1_verify(tmp_path, document, certificate)

    assert result.returncode == 0, result.stderr
    assert "OK" in result.stderr
    # Every reference checked: the list itself, the signed properties, the certificate.
    assert "References (ok/all): 3/3" in result.stderr


@needs_xmlsec1
@pytest.mark.parametrize("part", ["sequence number", "status", "service name"])
def test_xmlsec1_refuses_the_list_after_a_one_byte_change(client, live, tmp_path, part):
    target = {
        "sequence number": b"<TSLSequenceNumber>1<",
        "status": GRANTED.encode(),
        "service name": f">{live.service.name}<".encode(),
    }[part]
    trusted_list_issue()
    document = bytearray(fetch(client, "registry:trusted-list").content)
    certificate = fetch(client, "registry:trusted-list-signing").content
    where = bytes(document).index(target) + len(target) - 2
    document[where] ^= 0x01

    result = xmlsec1_verify(tmp_path, bytes(document), certificate)

    assert result.returncode != 0
    assert "FAIL" in result.stderr or "failed" in result.stderr.lower()


@needs_xmlsec1
def test_xmlsec1_refuses_the_list_with_another_certificate(client, live, tmp_path, settings):
    trusted_list_issue()
    document = fetch(client, "registry:trusted-list").content
    other = trusted_list_key.derived_certificate(
        trusted_list_key._private_key(base64.b64encode(secrets.token_bytes(32)).decode()), "Someone else", "FR"
    )

    result = xmlsec1_verify(tmp_path, document, other.public_bytes(encoding=Encoding.PEM))

    assert result.returncode != 0


def parsed(client, name="registry:trusted-list", *args):
    return etree.fromstring(fetch(client, name, *args).content)


def test_the_scheme_information_says_number_dates_territory_operator_and_history_period(client, live, settings):
    settings.AGENCY_NAME = "Agence de confiance"
    issue = trusted_list_issue()
    root = parsed(client)

    info = root.find(f"{TSL}SchemeInformation")
    assert info.findtext(f"{TSL}TSLSequenceNumber") == str(issue.sequence) == "1"
    assert info.findtext(f"{TSL}SchemeTerritory") == "FR"
    assert info.findtext(f"{TSL}HistoricalInformationPeriod") == "65535"
    assert info.find(f"{TSL}SchemeOperatorName/{TSL}Name").text == "Agence de confiance"
    issued = datetime.datetime.fromisoformat(info.findtext(f"{TSL}ListIssueDateTime"))
    next_update = datetime.datetime.fromisoformat(info.findtext(f"{TSL}NextUpdate/{TSL}dateTime"))
    assert issued == issue.issued_at
    assert next_update - issued == datetime.timedelta(seconds=settings.SNAPSHOT_INTERVAL)
    assert info.findtext(f"{TSL}DistributionPoints/{TSL}URI").endswith("/registry/trusted-list.xml")
    # The signature is enveloped: the last child of the list, over the whole list.
    signature = root[-1]
    assert signature.tag == "{http://www.w3.org/2000/09/xmldsig#}Signature"
    assert signature.find("ds:SignedInfo/ds:Reference", NS).get("URI") == "#TrustServiceStatusList"


def test_each_provider_is_one_entry_and_each_certificate_one_service_with_its_status_history(
    client, live, administrator
):
    other = certified(live.service.provider)
    svc.certificate_suspend(review_on=f.review_date(), certificate=live, by=administrator, reason="Audit.")
    svc.certificate_reinstate(certificate=live, by=administrator, reason="Audit passed.")
    trusted_list_issue()
    root = parsed(client)

    providers = root.findall(f"{TSL}TrustServiceProviderList/{TSL}TrustServiceProvider")
    assert len(providers) == 1
    provider = providers[0]
    assert provider.findtext(f"{TSL}TSPInformation/{TSL}TSPName/{TSL}Name") == live.service.provider.legal_name
    services = provider.findall(f"{TSL}TSPServices/{TSL}TSPService")
    numbers = [
        s.find(f"{TSL}ServiceInformation/{TSL}ServiceDigitalIdentity//{{*}}Certificate").get("number") for s in services
    ]
    assert numbers == sorted([live.number, other.number])

    entry = services[numbers.index(live.number)]
    information = entry.find(f"{TSL}ServiceInformation")
    assert information.findtext(f"{TSL}ServiceName/{TSL}Name") == live.service.name
    assert information.findtext(f"{TSL}ServiceStatus") == GRANTED
    events = list(CertificateEvent.objects.filter(certificate=live).order_by("created_at", "pk"))
    assert [e.status for e in events] == ["active", "suspended", "active"]
    assert information.findtext(f"{TSL}StatusStartingTime") == events[-1].created_at.strftime("%Y-%m-%dT%H:%M:%SZ")
    # The history: the statuses before the current one, newest first, each with the time it started.
    history = entry.findall(f"{TSL}ServiceHistory/{TSL}ServiceHistoryInstance")
    assert [h.findtext(f"{TSL}ServiceStatus").rsplit("/", 1)[1] for h in history] == ["suspended", "granted"]
    assert [h.findtext(f"{TSL}StatusStartingTime") for h in history] == [
        e.created_at.strftime("%Y-%m-%dT%H:%M:%SZ") for e in reversed(events[:-1])
    ]
    # A service with one status has no history.
    assert services[numbers.index(other.number)].find(f"{TSL}ServiceHistory") is None


def test_a_withdrawn_certificate_stays_listed_as_withdrawn(client, live, administrator):
    svc.certificate_withdraw(certificate=live, by=administrator, reason="Data moved outside the EU.")
    trusted_list_issue()

    status = parsed(client).find(f".//{TSL}TSPService/{TSL}ServiceInformation/{TSL}ServiceStatus").text

    assert status == "http://uri.etsi.org/TrstSvc/TrustedList/Svcstatus/withdrawn"


def test_nothing_private_goes_into_the_list(client, live):
    trusted_list_issue()
    document = fetch(client, "registry:trusted-list").content.decode()

    assert live.dossier.reference not in document
    assert "Qualification granted." not in document  # reasons are on the pages, in both languages; not in the list


def test_a_public_change_issues_a_new_list_and_nothing_else_does(client, live, administrator):
    assert trusted_list_issue().sequence == 1
    assert public_tasks.issue_trusted_list() is None  # nothing changed: no new number

    svc.certificate_suspend(review_on=f.review_date(), certificate=live, by=administrator, reason="Audit.")

    assert public_tasks.issue_trusted_list() == 2
    assert public_tasks.issue_trusted_list() is None
    # The earlier issue stays served under its number, unchanged.
    first = parsed(client, "registry:trusted-list-numbered", 1)
    assert first.findtext(f".//{TSL}ServiceStatus") == GRANTED
    assert parsed(client).findtext(f".//{TSL}TSLSequenceNumber") == "2"


def test_a_list_falling_due_is_reissued_without_change(live, settings):
    first = trusted_list_issue()
    TrustedListIssue.objects.filter(pk=first.pk).update(next_update=first.issued_at + datetime.timedelta(seconds=600))

    assert public_tasks.issue_trusted_list() == 2


def test_a_new_signing_key_issues_a_new_list(live, settings):
    trusted_list_issue()
    settings.TRUSTED_LIST_SIGNING_KEY = base64.b64encode(secrets.token_bytes(32)).decode()

    assert public_tasks.issue_trusted_list() == 2
    assert TrustedListIssue.objects.get(sequence=2).certificate_sha256 != (
        TrustedListIssue.objects.get(sequence=1).certificate_sha256
    )


def test_a_client_holding_the_latest_gets_304(client, live):
    trusted_list_issue()
    first = fetch(client, "registry:trusted-list")

    again = client.get(reverse("registry:trusted-list"), HTTP_IF_NONE_MATCH=first["ETag"])

    assert first["X-Trusted-List-Sequence"] == "1"
    assert again.status_code == 304


def test_before_the_first_issue_the_list_answers_503_and_an_unknown_number_404(client, db):
    assert client.get(reverse("registry:trusted-list")).status_code == 503
    assert client.get(reverse("registry:trusted-list-numbered", args=[7])).status_code == 404


def test_reading_the_content_takes_two_queries_whatever_the_size(live, django_assert_num_queries):
    with django_assert_num_queries(2):  # the certificates with their services and providers; their status events
        small = list_content()
    for _ in range(4):
        certified()
    with django_assert_num_queries(2):
        large = list_content()

    assert sum(len(p["services"]) for p in large["providers"]) == 5 > len(small["providers"])


# --- The key. ---


def test_a_configured_key_gives_the_same_certificate_in_every_process(settings):
    settings.TRUSTED_LIST_SIGNING_KEY = base64.b64encode(secrets.token_bytes(32)).decode()
    first = trusted_list_key.list_signing_key().certificate_pem
    trusted_list_key._configured.cache_clear()  # as another process would

    assert trusted_list_key.list_signing_key().certificate_pem == first
    certificate = x509.load_pem_x509_certificate(first)
    assert certificate.public_key() == trusted_list_key.list_signing_key().private.public_key()


def test_a_configured_certificate_must_be_the_keys(settings):
    settings.TRUSTED_LIST_SIGNING_KEY = base64.b64encode(secrets.token_bytes(32)).decode()
    other = trusted_list_key._private_key(base64.b64encode(secrets.token_bytes(32)).decode())
    settings.TRUSTED_LIST_SIGNING_CERTIFICATE = (
        trusted_list_key.derived_certificate(other, "Other", "FR").public_bytes(Encoding.PEM).decode()
    )

    with pytest.raises(ImproperlyConfigured, match="not the certificate of TRUSTED_LIST_SIGNING_KEY"):
        trusted_list_key.list_signing_key()


@pytest.mark.parametrize("value", ["not base64!", base64.b64encode(b"short").decode(), "-----BEGIN PRIVATE KEY-----x"])
def test_an_unreadable_key_is_refused_with_its_reason(settings, value):
    settings.TRUSTED_LIST_SIGNING_KEY = value

    with pytest.raises(ImproperlyConfigured, match="TRUSTED_LIST_SIGNING_KEY"):
        trusted_list_key.list_signing_key()


def test_without_a_key_and_without_development_keys_nothing_is_signed(settings, private_storage, live):
    settings.SNAPSHOT_DEVELOPMENT_KEY = False

    result = public_tasks.issue_trusted_list.apply()

    assert result.failed()
    assert "TRUSTED_LIST_SIGNING_KEY is not set" in str(result.result)
    assert not TrustedListIssue.objects.exists()
    assert not (private_storage / trusted_list_key.DEVELOPMENT_KEY_NAME).exists()


def test_serving_the_list_takes_one_query_whatever_its_size(client, live, django_assert_num_queries):
    trusted_list_issue()
    with django_assert_num_queries(1):  # the latest issue, as stored
        small = client.get(reverse("registry:trusted-list"))
    for _ in range(5):
        certified()
    trusted_list_issue()
    with django_assert_num_queries(1):
        large = client.get(reverse("registry:trusted-list"))

    assert len(large.content) > len(small.content)
