"""Private files in an S3-compatible object store (S3_BUCKET): moto's S3 server on a loopback port stands for it.

Uploads, document checks, certificate PDFs and the snapshot's development signing key go to the bucket; downloads
stream back from it through the views that check who asks. With PostgreSQL and Redis a real worker process does the
background work against the same bucket, as another machine would; without them the tasks run inline. Nothing of
ours is mocked: the only stand-in is the object store itself.
"""

import base64
import io
import uuid

import boto3
import pytest
from cryptography.hazmat.primitives import serialization
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.urls import reverse
from moto.server import ThreadedMotoServer
from reportlab.pdfgen import canvas

from registry.certificates import tasks as certificate_tasks
from registry.certificates.models import Certificate
from registry.public import signing
from registry.public import tasks as public_tasks
from registry.public.models import RegistrySnapshot
from registry.qualification.models import Document
from tests import factories as f
from tests.integration.harness import LOOPBACK, wait_until

# A worker process when it can share the database and the broker; the tasks inline otherwise.
REAL_WORKER = connection.vendor == "postgresql" and bool(settings.REDIS_URL)
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

REGION = "eu-west-3"
PREFIX = "installation-a"
CREDENTIALS = {"AWS_ACCESS_KEY_ID": "moto-test", "AWS_SECRET_ACCESS_KEY": "moto-test"}
TIMEOUT = 30  # a bound, not an expectation: the worker answers in well under a second


@pytest.fixture(scope="module")
def s3_endpoint():
    server = ThreadedMotoServer(ip_address=LOOPBACK, port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture
def bucket(s3_endpoint, settings, monkeypatch):
    """A fresh bucket, and this process's private storage in it (as S3_BUCKET and friends would configure it)."""
    for name, value in CREDENTIALS.items():
        monkeypatch.setenv(name, value)
    name = f"tcr-{uuid.uuid4().hex[:12]}"
    client = boto3.client("s3", endpoint_url=s3_endpoint, region_name=REGION, **_lower(CREDENTIALS))
    client.create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": REGION})
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "registry.core.storage.PrivateS3Storage",
            "OPTIONS": {
                "bucket_name": name,
                "endpoint_url": s3_endpoint,
                "region_name": REGION,
                "location": PREFIX,
                "default_acl": "private",
                "file_overwrite": False,
                "max_memory_size": 5 * 1024 * 1024,
            },
        },
    }
    settings.SNAPSHOT_SIGNING_KEY = ""  # the development key, created in the bucket
    signing._development_key.cache_clear()
    yield Bucket(name, client, s3_endpoint)
    signing._development_key.cache_clear()


def _lower(credentials: dict) -> dict:
    return {name.lower(): value for name, value in credentials.items()}


class Bucket:
    def __init__(self, name, client, endpoint):
        self.name, self.client, self.endpoint = name, client, endpoint

    def objects(self) -> list[str]:
        return sorted(o["Key"] for o in self.client.list_objects_v2(Bucket=self.name).get("Contents", []))

    def read(self, key: str) -> bytes:
        return self.client.get_object(Bucket=self.name, Key=key)["Body"].read()

    def grants(self, key: str) -> list[str]:
        return [grant["Permission"] for grant in self.client.get_object_acl(Bucket=self.name, Key=key)["Grants"]]

    def worker_env(self) -> dict:
        return {
            "S3_BUCKET": self.name,
            "S3_ENDPOINT_URL": self.endpoint,
            "S3_REGION": REGION,
            "S3_PREFIX": PREFIX,
            "SNAPSHOT_SIGNING_KEY": "",
            **CREDENTIALS,
        }


@pytest.fixture
def background(request, bucket):
    """Starts a worker on the bucket when there is one to start; the tasks run inline otherwise."""
    if REAL_WORKER:
        request.getfixturevalue("start_worker")(**bucket.worker_env())


def evidence_pdf() -> bytes:
    """A real PDF of a few hundred kilobytes: a download takes many reads from the object store's stream."""
    out = io.BytesIO()
    page = canvas.Canvas(out, pageCompression=0)
    for number in range(40):
        for line in range(60):
            page.drawString(40, 800 - 12 * line, f"Page {number + 1}, line {line + 1}: network segmentation plan.")
        page.showPage()
    page.save()
    return out.getvalue()


def test_an_upload_goes_to_the_bucket_is_checked_and_only_members_download_it(
    client, bucket, background, editor, viewer, draft, other_owner
):
    content = evidence_pdf()
    client.force_login(editor)
    response = client.post(
        reverse("portal:dossier-documents", args=[draft.reference]),
        {
            "kind": "evidence",
            "title": "Network plan",
            "file": SimpleUploadedFile("plan.pdf", content, "application/pdf"),
        },
    )
    assert response.status_code == 302
    document = Document.objects.get(dossier=draft, title="Network plan")

    wait_until(
        lambda: Document.objects.filter(pk=document.pk).exclude(scan_status=Document.ScanStatus.PENDING).exists(),
        timeout=TIMEOUT,
        message="document checked",
    )
    document.refresh_from_db()
    assert (document.scan_status, document.pages) == ("clean", 40)  # the check read it back from the bucket
    key = f"{PREFIX}/{document.file.name}"
    assert key in bucket.objects()
    assert bucket.read(key) == content
    assert bucket.grants(key) == ["FULL_CONTROL"]  # the owner's, nobody else's: the object is private

    client.force_login(viewer)
    download = client.get(reverse("portal:document-download", args=[document.pk]))
    assert download.status_code == 200
    assert download["Content-Length"] == str(len(content))
    assert download["Content-Security-Policy"] == "default-src 'none'; sandbox"
    assert b"".join(download.streaming_content) == content

    client.force_login(other_owner)
    assert client.get(reverse("portal:document-download", args=[document.pk])).status_code == 404


def test_a_refused_upload_is_moved_to_quarantine_inside_the_bucket(client, bucket, background, editor, draft):
    client.force_login(editor)
    client.post(
        reverse("portal:dossier-documents", args=[draft.reference]),
        {"kind": "evidence", "title": "Broken", "file": f.pdf("broken.pdf", b"%PDF-1.4 nothing else")},
    )
    document = Document.objects.get(dossier=draft, title="Broken")
    wait_until(
        lambda: Document.objects.filter(pk=document.pk, quarantined=True).exists(),
        timeout=TIMEOUT,
        message="document quarantined",
    )
    document.refresh_from_db()
    assert document.scan_status == Document.ScanStatus.REFUSED
    assert document.file.name.startswith("quarantine/")
    # The copy is kept, the original deleted once the row named the copy.
    wait_until(
        lambda: bucket.objects() == [f"{PREFIX}/{document.file.name}"], timeout=TIMEOUT, message="original deleted"
    )
    assert bucket.read(f"{PREFIX}/{document.file.name}") == b"%PDF-1.4 nothing else"


def test_a_file_gone_from_the_bucket_is_404_not_500(client, bucket, editor, draft):
    from registry.qualification.services.documents import document_add

    document = f.checked(document_add(dossier=draft, kind="evidence", title="Plan", uploaded=f.pdf(), by=editor))
    bucket.client.delete_object(Bucket=bucket.name, Key=f"{PREFIX}/{document.file.name}")
    client.force_login(editor)
    assert client.get(reverse("portal:document-download", args=[document.pk])).status_code == 404


def test_a_certificate_pdf_is_rendered_into_the_bucket_and_served_from_it(client, bucket, background, owner, service):
    certificate = f.certificate(service)
    certificate_tasks.render_certificate_pdf.delay(certificate.pk)
    wait_until(
        lambda: Certificate.objects.filter(pk=certificate.pk, pdf_status=certificate.status).exists(),
        timeout=TIMEOUT,
        message="certificate PDF rendered",
    )
    certificate.refresh_from_db()
    stored = bucket.read(f"{PREFIX}/{certificate.pdf.name}")
    assert stored.startswith(b"%PDF")

    public = client.get(reverse("registry:certificate-pdf", args=[certificate.number]))
    assert public.status_code == 200
    assert b"".join(public.streaming_content) == stored  # the stored file, not one drawn for the response

    client.force_login(owner)
    portal = client.get(reverse("portal:certificate-pdf", args=[service.provider.slug, certificate.number]))
    assert portal.status_code == 200
    assert b"".join(portal.streaming_content) == stored


def test_the_snapshot_is_signed_with_a_key_kept_in_the_bucket_and_verifies(client, bucket, background, service):
    f.certificate(service)
    public_tasks.issue_registry_snapshot.delay()
    wait_until(lambda: RegistrySnapshot.objects.exists(), timeout=TIMEOUT, message="snapshot issued")

    # The worker created the development key in the bucket; this process, another machine, signs with the same one.
    assert f"{PREFIX}/{signing.DEVELOPMENT_KEY_NAME}" in bucket.objects()
    body = client.get(reverse("registry:snapshot")).content
    signature = base64.b64decode(client.get(reverse("registry:snapshot-signature")).content, validate=True)
    key = serialization.load_pem_public_key(client.get(reverse("registry:signing-key")).content)
    key.verify(signature, body)  # raises InvalidSignature otherwise
    assert service.name in body.decode()


def test_private_files_have_no_url(bucket, editor, draft):
    from registry.qualification.services.documents import document_add

    document = document_add(dossier=draft, kind="evidence", title="Plan", uploaded=f.pdf(), by=editor)
    with pytest.raises(NotImplementedError):
        document.file.url  # noqa: B018 — a presigned link would bypass the permission checks
