"""The signed snapshot: /registry/snapshot.json, its .sig, the public key, numbered snapshots, and when one is issued."""

import base64
import datetime
import hashlib
import json
import shutil
import subprocess

import pytest
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from django.core.exceptions import ImproperlyConfigured
from django.urls import reverse

from registry.certificates import services as svc
from registry.certificates.models import Certificate, CertificateEvent
from registry.notifications import tasks as notification_tasks
from registry.public import signing
from registry.public import tasks as public_tasks
from registry.public.models import PublishedKey, RegistrySnapshot
from registry.public.selectors import public_certificates, public_row
from registry.public.snapshot_content import canonical_json
from registry.public.snapshots import snapshot_issue
from registry.qualification.models import Dossier, DossierEvent
from tests import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _development_key(settings):
    # No configured key: the development key is generated in this test's private storage (conftest's tmp folder).
    settings.SNAPSHOT_SIGNING_KEY = ""


def certified(**kw):
    service = f.service()
    f.eu_sites(service)
    certificate = f.certificate(service, **kw)
    CertificateEvent.objects.create(certificate=certificate, status="active", reason="Qualification granted.")
    return certificate


@pytest.fixture
def live(db):
    return certified(conditions="Région de Paris uniquement.")


def fetch(client, name, *args):
    response = client.get(reverse(name, args=args))
    assert response.status_code == 200, response.content
    return response


def published(client, snapshot_name="registry:snapshot", signature_name="registry:snapshot-signature", *args):
    """What a relying party downloads: the document's bytes, the signature's bytes and the public key."""
    body = fetch(client, snapshot_name, *args).content
    signature = base64.b64decode(fetch(client, signature_name, *args).content, validate=True)
    key = serialization.load_pem_public_key(fetch(client, "registry:signing-key").content)
    assert isinstance(key, Ed25519PublicKey)
    return body, signature, key


def test_the_signature_verifies_with_the_published_key_alone(client, live):
    snapshot_issue()
    body, signature, key = published(client)

    key.verify(signature, body)  # raises InvalidSignature otherwise


@pytest.mark.parametrize("position", [0, 100, -2])
def test_the_signature_fails_when_one_byte_of_the_document_changes(client, live, position):
    snapshot_issue()
    body, signature, key = published(client)
    tampered = bytearray(body)
    tampered[position] ^= 0x01

    with pytest.raises(InvalidSignature):
        key.verify(signature, bytes(tampered))


def test_the_document_is_canonical_json_of_the_whole_public_registry(client, live, settings):
    withdrawn = certified(status="withdrawn")
    CertificateEvent.objects.create(certificate=withdrawn, status="withdrawn", reason="Data moved outside the EU.")
    snapshot_issue()

    response = fetch(client, "registry:snapshot")
    document = json.loads(response.content)

    assert response["Content-Type"] == "application/json"
    assert response.content == canonical_json(document)  # sorted keys, no spaces, UTF-8: reproducible
    assert "Région de Paris".encode() in response.content  # UTF-8 itself, not \u escapes
    snapshot = RegistrySnapshot.objects.get()
    assert document["sequence"] == snapshot.sequence == int(response["X-Snapshot-Sequence"])
    assert document["issued_at"] == snapshot.issued_at.strftime("%Y-%m-%dT%H:%M:%SZ")
    assert snapshot.next_issue_at - snapshot.issued_at == datetime.timedelta(seconds=settings.SNAPSHOT_INTERVAL)
    assert document["next_issue_at"] == snapshot.next_issue_at.astimezone(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert document["previous"] is None
    # Live certificates: exactly the registry page's rows (and the JSON export's).
    assert document["registry"]["certificates"] == [public_row(c) for c in public_certificates()]
    export = json.loads(b"".join(client.get(reverse("registry:export-json")).streaming_content))
    assert document["registry"]["certificates"] == export["rows"]
    # Every certificate's public history, archived ones included, and never who made the change.
    history = {entry["certificate"]: entry for entry in document["registry"]["history"]}
    assert set(history) == {live.number, withdrawn.number}
    assert [(e["status"], e["reason"]) for e in history[withdrawn.number]["events"]] == [
        ("active", "Qualification granted."),
        ("withdrawn", "Data moved outside the EU."),
    ]
    assert set(history[withdrawn.number]["events"][0]) == {"type", "status", "reason", "reason_fr", "at", "change"}
    assert {e["type"] for e in history[withdrawn.number]["events"]} == {"status"}


def test_the_document_names_the_key_that_signed_it(client, live, settings):
    snapshot_issue()
    document = json.loads(fetch(client, "registry:snapshot").content)
    pem = fetch(client, "registry:signing-key").content
    der = serialization.load_pem_public_key(pem).public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )

    assert document["signing_key"]["algorithm"] == "Ed25519"
    assert document["signing_key"]["fingerprint_sha256"] == hashlib.sha256(der).hexdigest()
    assert document["signing_key"]["url"] == f"{settings.SITE_URL}/registry/keys/{hashlib.sha256(der).hexdigest()}.pem"
    assert client.get(document["signing_key"]["url"]).content == pem
    assert pem.startswith(b"-----BEGIN PUBLIC KEY-----\n")


def test_the_in_process_list_holds_only_consenting_dossiers_and_their_public_fields(client, db):
    listed = f.dossier(status=Dossier.Status.EVALUATION, listed_in_process_consent=True)
    DossierEvent.objects.create(dossier=listed, action="admit", from_status="in_review", to_status="evaluation")
    f.dossier(status=Dossier.Status.DECISION, listed_in_process_consent=False)
    snapshot_issue()

    document = json.loads(fetch(client, "registry:snapshot").content)

    [entry] = document["registry"]["in_process"]
    assert entry["service_slug"] == listed.service.slug
    assert entry["scheme_code"] == listed.scheme.code
    assert entry["entered_process_at"].endswith("Z")
    assert listed.reference not in json.dumps(document)  # the dossier itself stays private


def test_before_the_first_snapshot_the_latest_answers_503_with_retry_after(client, live, settings):
    settings.SNAPSHOT_CHECK_EVERY = 900

    for name in ("registry:snapshot", "registry:snapshot-signature"):
        response = client.get(reverse(name))
        assert response.status_code == 503
        assert response["Retry-After"] == "900"  # the scheduled task's period: by then it has issued one
        assert response["Cache-Control"] == "no-store"  # the snapshot's own cache must not keep the refusal
    assert client.get(reverse("registry:snapshot-numbered", args=[1])).status_code == 404


@pytest.mark.parametrize("method", ["get", "head"])
def test_reading_the_snapshots_never_writes(client, live, method):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from registry.core.models import Counter

    urls = [reverse(n) for n in ("registry:snapshot", "registry:snapshot-signature", "registry:signing-key")]
    signing.signing_key()  # the development key file is made once, outside what is measured (not in the database)

    def read_everything():
        with CaptureQueriesContext(connection) as captured:
            statuses = [getattr(client, method)(url).status_code for url in urls]
        writes = [q["sql"] for q in captured if not q["sql"].lstrip().upper().startswith("SELECT")]
        return statuses, writes

    # Before the first snapshot: refused, nothing issued, not even a sequence number taken.
    assert read_everything() == ([503, 503, 200], [])
    assert not RegistrySnapshot.objects.exists() and not Counter.objects.exists()

    # After it, with a public change the task has not published yet: the latest issued one, and still no write.
    first = snapshot_issue()
    certified(status="withdrawn")
    assert read_everything() == ([200, 200, 200], [])
    assert list(RegistrySnapshot.objects.values_list("sequence", flat=True)) == [first.sequence]


def test_a_public_change_issues_a_new_snapshot_and_nothing_else_does(live, administrator):
    first = snapshot_issue()
    assert first.sequence == 1

    assert public_tasks.issue_registry_snapshot() is None  # nothing changed: no new number
    assert RegistrySnapshot.objects.count() == 1

    svc.certificate_suspend(
        review_on=f.review_date(), certificate=live, by=administrator, reason="Major non-conformity."
    )
    assert public_tasks.issue_registry_snapshot() == 2
    assert public_tasks.issue_registry_snapshot() is None

    latest = RegistrySnapshot.objects.get(sequence=2)
    document = json.loads(latest.body)
    assert document["registry"]["certificates"][0]["status"] == "suspended"
    assert document["previous"] == {"sequence": 1, "sha256": hashlib.sha256(first.body.encode()).hexdigest()}


@pytest.fixture
def eager_tasks(monkeypatch):
    # Tasks run inline, as without a broker; with REDIS_URL set (CI) they would otherwise go to the queue.
    from trustedcloud.celery import app as celery_app

    monkeypatch.setitem(celery_app.conf, "task_always_eager", True)


def test_a_certificate_change_asks_for_the_snapshot_once_committed(
    live, administrator, django_capture_on_commit_callbacks, eager_tasks
):
    snapshot_issue()

    with django_capture_on_commit_callbacks(execute=True):
        svc.certificate_withdraw(certificate=live, by=administrator, reason="Data moved outside the EU.")

    latest = RegistrySnapshot.objects.order_by("-sequence").first()
    assert latest.sequence == 2
    assert json.loads(latest.body)["registry"]["certificates"] == []


def test_admitting_a_consenting_dossier_publishes_it_as_in_process(
    complete_draft, walk, django_capture_on_commit_callbacks, eager_tasks
):
    Dossier.objects.filter(pk=complete_draft.pk).update(listed_in_process_consent=True)
    snapshot_issue()

    with django_capture_on_commit_callbacks(execute=True):
        walk(complete_draft, Dossier.Status.EVALUATION)

    latest = RegistrySnapshot.objects.order_by("-sequence").first()
    assert [e["service_slug"] for e in json.loads(latest.body)["registry"]["in_process"]] == ["nuage-compute"]


def test_the_change_succeeds_when_the_broker_is_down(
    live, administrator, django_capture_on_commit_callbacks, monkeypatch, caplog
):
    def broker_down(*args, **kwargs):
        raise ConnectionRefusedError("redis is down")

    monkeypatch.setattr(public_tasks.issue_registry_snapshot, "delay", broker_down)
    monkeypatch.setattr(notification_tasks.send_certificate_event_notification, "delay", broker_down)

    with django_capture_on_commit_callbacks(execute=True):
        svc.certificate_suspend(review_on=f.review_date(), certificate=live, by=administrator, reason="Audit.")

    assert Certificate.objects.get(pk=live.pk).status == "suspended"
    assert "issue_registry_snapshot" in caplog.text  # not queued: left to the scheduled run
    assert public_tasks.issue_registry_snapshot() == 1  # the scheduled run issues it


def test_a_snapshot_falling_due_is_reissued_even_without_change(live, settings):
    first = snapshot_issue()
    settings.SNAPSHOT_CHECK_EVERY = 900
    RegistrySnapshot.objects.filter(pk=first.pk).update(next_issue_at=first.issued_at + datetime.timedelta(seconds=600))

    assert public_tasks.issue_registry_snapshot() == 2


def test_a_new_signing_key_issues_a_snapshot_the_published_key_verifies(client, live, settings):
    snapshot_issue()
    raw = Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
    )
    settings.SNAPSHOT_SIGNING_KEY = base64.b64encode(raw).decode()

    assert public_tasks.issue_registry_snapshot() == 2
    body, signature, key = published(client)
    key.verify(signature, body)


def key_named_by(client, snapshot) -> Ed25519PublicKey:
    """The public key a snapshot's document names, fetched from the address the document gives."""
    named = json.loads(snapshot.body)["signing_key"]
    response = client.get(named["url"])
    assert response.status_code == 200
    assert "immutable" in response["Cache-Control"] and response["Access-Control-Allow-Origin"] == "*"
    key = serialization.load_pem_public_key(response.content)
    der = key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    assert hashlib.sha256(der).hexdigest() == named["fingerprint_sha256"] == snapshot.key_id
    return key


def test_after_key_rotations_every_snapshot_verifies_with_the_key_it_names(client, live, settings):
    first = snapshot_issue()
    for _ in range(2):
        raw = Ed25519PrivateKey.generate().private_bytes(
            serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
        )
        settings.SNAPSHOT_SIGNING_KEY = base64.b64encode(raw).decode()
        snapshot_issue()

    snapshots = list(RegistrySnapshot.objects.order_by("sequence"))
    assert len({snapshot.key_id for snapshot in snapshots}) == 3
    for snapshot in snapshots:
        key_named_by(client, snapshot).verify(base64.b64decode(snapshot.signature), snapshot.body.encode("utf-8"))
    with pytest.raises(InvalidSignature):  # the current key does not verify the first snapshot: its own does
        key_named_by(client, snapshots[-1]).verify(base64.b64decode(first.signature), first.body.encode("utf-8"))
    assert PublishedKey.objects.count() == 3


def test_the_current_key_is_published_by_fingerprint_before_it_signs_anything(client, db):
    current = signing.signing_key()
    response = client.get(reverse("registry:published-key", args=[current.fingerprint]))
    assert response.status_code == 200 and response.content == current.public_pem
    assert "immutable" not in response["Cache-Control"]  # no snapshot has fixed it yet: a rotation may replace it
    assert not PublishedKey.objects.exists()  # reading never writes


@pytest.mark.parametrize("fingerprint", ["0" * 64, "A" * 64, "0" * 63, "../signing-key", "0" * 64 + ".pem"])
def test_a_key_that_signed_nothing_is_not_found(client, live, fingerprint):
    snapshot_issue()
    assert client.get(f"/registry/keys/{fingerprint}.pem").status_code == 404


def test_earlier_snapshots_stay_downloadable_by_sequence_with_their_signature(client, live, administrator):
    first = snapshot_issue()
    svc.certificate_suspend(review_on=f.review_date(), certificate=live, by=administrator, reason="Audit.")
    snapshot_issue()

    body, signature, key = published(
        client, "registry:snapshot-numbered", "registry:snapshot-numbered-signature", first.sequence
    )

    assert body == first.body.encode("utf-8")
    key.verify(signature, body)
    assert json.loads(fetch(client, "registry:snapshot").content)["sequence"] == 2
    response = client.get(reverse("registry:snapshot-numbered", args=[first.sequence]))
    assert "immutable" in response["Cache-Control"]
    assert client.get(reverse("registry:snapshot-numbered", args=[99])).status_code == 404
    assert client.get(reverse("registry:snapshot-numbered-signature", args=[99])).status_code == 404


def test_sequence_numbers_never_repeat_even_after_snapshots_restored_from_elsewhere(live, administrator):
    first = snapshot_issue()
    RegistrySnapshot.objects.create(
        sequence=7, issued_at=first.issued_at, next_issue_at=first.next_issue_at, body="{}", signature="", key_id=""
    )

    assert snapshot_issue().sequence == 8


def test_the_development_key_is_made_once_in_private_storage(private_storage, caplog):
    signing._development_key.cache_clear()
    fingerprint = signing.signing_key().fingerprint
    key_file = private_storage / signing.DEVELOPMENT_KEY_NAME

    assert key_file.exists()
    assert key_file.stat().st_mode & 0o077 == 0  # readable by its owner only
    assert "SNAPSHOT_SIGNING_KEY is not set" in caplog.text
    signing._development_key.cache_clear()
    assert signing.signing_key().fingerprint == fingerprint  # read back, not generated again


def test_a_configured_key_is_read_as_pem_or_raw_base64(settings):
    private = Ed25519PrivateKey.generate()
    raw = private.private_bytes(
        serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
    )
    pem = private.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    fingerprints = set()
    for value in (base64.b64encode(raw).decode(), pem, pem.replace("\n", "\\n")):
        settings.SNAPSHOT_SIGNING_KEY = value
        fingerprints.add(signing.signing_key().fingerprint)
    assert len(fingerprints) == 1


@pytest.mark.parametrize("value", ["not a key", base64.b64encode(b"short").decode(), "-----BEGIN PRIVATE KEY-----x"])
def test_a_malformed_configured_key_is_refused_clearly(settings, value):
    settings.SNAPSHOT_SIGNING_KEY = value

    with pytest.raises(ImproperlyConfigured, match="SNAPSHOT_SIGNING_KEY"):
        signing.signing_key()


def test_the_schedule_issues_snapshots(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["issue-registry-snapshot"]
    assert entry["task"] == "registry.public.tasks.issue_registry_snapshot"
    assert entry["schedule"] <= settings.SNAPSHOT_INTERVAL


@pytest.mark.skipif(shutil.which("openssl") is None, reason="needs the openssl command")
def test_openssl_verifies_the_snapshot_as_the_readme_shows(client, live, tmp_path):
    """The README's commands for relying parties, run for real."""
    snapshot_issue()
    (tmp_path / "snapshot.json").write_bytes(fetch(client, "registry:snapshot").content)
    (tmp_path / "snapshot.json.sig").write_bytes(fetch(client, "registry:snapshot-signature").content)
    (tmp_path / "signing-key.pem").write_bytes(fetch(client, "registry:signing-key").content)

    def run(command):
        return subprocess.run(command, shell=True, cwd=tmp_path, capture_output=True, text=True, check=False)

    assert run("base64 -d snapshot.json.sig > sig.bin").returncode == 0
    verify = "openssl pkeyutl -verify -pubin -inkey signing-key.pem -rawin -in snapshot.json -sigfile sig.bin"
    good = run(verify)
    assert good.returncode == 0, good.stderr
    assert "Signature Verified Successfully" in good.stdout
    (tmp_path / "snapshot.json").write_bytes((tmp_path / "snapshot.json").read_bytes().replace(b"active", b"actives"))
    assert run(verify).returncode != 0


def test_the_snapshot_urls_are_the_published_contract():
    assert reverse("registry:snapshot") == "/registry/snapshot.json"
    assert reverse("registry:snapshot-signature") == "/registry/snapshot.json.sig"
    assert reverse("registry:signing-key") == "/registry/signing-key.pem"
    assert reverse("registry:published-key", args=["ab" * 32]) == f"/registry/keys/{'ab' * 32}.pem"
    assert reverse("registry:snapshot-numbered", args=[3]) == "/registry/snapshots/3.json"
    assert reverse("registry:snapshot-numbered-signature", args=[3]) == "/registry/snapshots/3.json.sig"


def test_issuing_costs_the_same_queries_whatever_the_size_of_the_registry(db):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def issue_and_count():
        RegistrySnapshot.objects.all().delete()
        with CaptureQueriesContext(connection) as captured:
            snapshot_issue()
        return len(captured)

    certified()
    certified(status="withdrawn")
    snapshot_issue()  # the first snapshot ever also creates the sequence counter's row: one more query, once
    small = issue_and_count()
    for _ in range(30):
        certified()
        certified(status="expired")

    assert issue_and_count() == small
