"""The certificate PDF: what it says, the QR code it carries, its regeneration on each status change, and who gets it."""

import datetime
import io
import posixpath

import pypdf
import pytest
import segno
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import connection
from django.urls import reverse
from django.utils import timezone
from kombu.exceptions import OperationalError
from pypdf.generic import ContentStream

from registry.certificates import services as svc
from registry.certificates import tasks as certificate_tasks
from registry.certificates.choices import CertificateStatus
from registry.certificates.models import Certificate
from registry.certificates.pdf import certificate_pdf_render, certificates_with_stale_pdf, pdf_name
from registry.certificates.pdf_drawing import QR_FORM, pdf_text
from registry.qualification.models import Dossier
from tests import factories as f
from tests.qualification.test_concurrency import run_together
from trustedcloud.celery import app as celery_app

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("eager_tasks")]


@pytest.fixture
def eager_tasks(monkeypatch):
    # Tasks run inline, as in development: the tests read what was drawn, not what was queued (REDIS_URL may be set).
    monkeypatch.setitem(celery_app.conf, "task_always_eager", True)


@pytest.fixture
def cert(service, scheme):
    return f.certificate(
        service,
        scheme,
        number="SNC-2026-0042",
        scope="IaaS: virtual machines and block storage, Paris region.",
        conditions="Customer-managed keys only (reserve R1).",
        issued_on=datetime.date(2026, 3, 2),
        expires_on=datetime.date(2029, 3, 2),
    )


def reload(certificate) -> Certificate:
    return Certificate.objects.get(pk=certificate.pk)


def read_pdf(data: bytes) -> pypdf.PdfReader:
    return pypdf.PdfReader(io.BytesIO(data))


def text_of(data: bytes) -> str:
    """The page's text with line breaks taken out (a long sentence may wrap anywhere)."""
    reader = read_pdf(data)
    assert len(reader.pages) == 1
    return " ".join(reader.pages[0].extract_text().split())


def stored(certificate) -> bytes:
    with certificate.pdf.open("rb") as handle:
        return handle.read()


def stored_files(certificate) -> list[str]:
    folder = posixpath.dirname(pdf_name(certificate))
    return sorted(default_storage.listdir(folder)[1]) if default_storage.exists(folder) else []


def drawn_qr(data: bytes) -> list[list[bool]]:
    """The QR code as drawn: the dark modules read back from the rectangles of the code's form XObject."""
    page = read_pdf(data).pages[0]
    form = page["/Resources"]["/XObject"][f"/FormXob.{QR_FORM}"].get_object()
    left, bottom, right, top = (int(v) for v in form["/BBox"])
    size = right - left
    grid = [[False] * size for _ in range(size)]
    for operands, operator in ContentStream(form, None).operations:
        if operator == b"re":
            x, y, width, height = (int(v) for v in operands)
            assert height == 1
            for column in range(x, x + width):
                grid[size - 1 - y][column] = True
    return grid


# --- What the PDF says ------------------------------------------------------------------------------------------------


def test_the_pdf_shows_the_number_holder_service_scheme_scope_conditions_and_dates(cert):
    assert certificate_pdf_render(certificate=cert) is True
    cert = reload(cert)
    data = stored(cert)
    reader = read_pdf(data)
    width, height = reader.pages[0].mediabox.width, reader.pages[0].mediabox.height
    assert (round(width), round(height)) == (595, 842)  # A4
    text = text_of(data)
    provider = cert.service.provider
    for expected in (
        "SNC-2026-0042",
        "Nuage Souverain SAS",
        provider.registration_id,
        "Nuage Compute",
        "IaaS – infrastructure",
        f"SecNumCloud {cert.scheme.version}",
        "IaaS: virtual machines and block storage, Paris region.",
        "Customer-managed keys only (reserve R1).",
        "2026-03-02",
        "2029-03-02",
        "Active",
        "Trusted Cloud Registry",
        "Qualification certificate",
    ):
        assert expected in text, expected
    # Labels are bilingual where the French catalogue has them.
    assert "Titulaire / Holder" in text
    assert "SUSPENDED" not in text
    assert cert.pdf_status == CertificateStatus.ACTIVE
    assert cert.pdf.name == pdf_name(cert)
    assert reader.metadata.title.endswith("SNC-2026-0042")


def test_the_qr_code_drawn_is_the_code_of_the_verify_url_printed_under_it(cert):
    certificate_pdf_render(certificate=cert)
    data = stored(reload(cert))
    url = f"{settings.SITE_URL}/verify/SNC-2026-0042/"
    assert url == settings.SITE_URL + reverse("registry:verify-number", args=["SNC-2026-0042"])
    expected = [[bool(module) for module in row] for row in segno.make(url, error="m", micro=False).matrix]
    assert drawn_qr(data) == expected
    assert url in text_of(data)


def test_characters_outside_helvetica_are_approximated_rather_than_drawn_as_boxes(service, scheme):
    service.provider.legal_name = "Łódź Chmura sp. z o.o. – “Ωmega” ’24 \u200b"
    service.provider.save(update_fields=["legal_name"])
    certificate = f.certificate(service, scheme, scope="Région Île-de-France: l’hébergement, œuvre, 5 €; 中文.")
    certificate_pdf_render(certificate=certificate)
    text = text_of(stored(reload(certificate)))
    assert "Lódz Chmura sp. z o.o. – “?mega” ’24" in text
    assert "Région Île-de-France: l’hébergement, œuvre, 5 €; ??." in text
    assert pdf_text("Škoda Łukasz Ørsted") == "Škoda Lukasz Ørsted"


def test_a_long_scope_still_fits_on_one_page(service, scheme):
    scope = "\n".join(f"Component {i}: virtual machines, object storage and managed databases." for i in range(80))
    certificate = f.certificate(service, scheme, scope=scope, conditions="Reserve. " * 200)
    certificate_pdf_render(certificate=certificate)
    assert len(read_pdf(stored(reload(certificate))).pages) == 1


# --- Regeneration on each status change -------------------------------------------------------------------------------


def test_issuing_a_certificate_draws_its_pdf_once_the_decision_is_committed(
    django_capture_on_commit_callbacks, service, scheme, decision_maker
):
    dossier = f.dossier(service, scheme, status=Dossier.Status.QUALIFIED)
    with django_capture_on_commit_callbacks(execute=True):
        certificate = svc.certificate_issue(dossier=dossier, scope="Containers.", conditions="", by=decision_maker)
        assert not reload(certificate).pdf  # nothing is drawn before the commit
    certificate = reload(certificate)
    assert certificate.pdf_status == CertificateStatus.ACTIVE
    assert certificate.number in text_of(stored(certificate))


def test_a_suspension_redraws_the_pdf_with_a_banner_giving_the_date_and_reason(
    django_capture_on_commit_callbacks, cert, administrator
):
    certificate_pdf_render(certificate=cert)
    first_name = reload(cert).pdf.name
    with django_capture_on_commit_callbacks(execute=True):
        svc.certificate_suspend(
            review_on=f.review_date(), certificate=cert, by=administrator, reason="Administration from outside the EU."
        )
    cert = reload(cert)
    assert cert.pdf_status == CertificateStatus.SUSPENDED
    assert cert.pdf.name != first_name
    text = text_of(stored(cert))
    assert f"SUSPENDED on {timezone.localdate().isoformat()}" in text
    assert "Administration from outside the EU." in text
    assert "does not attest a qualification" in text
    # The active-status PDF is gone: one file per certificate.
    assert stored_files(cert) == [posixpath.basename(cert.pdf.name)]

    with django_capture_on_commit_callbacks(execute=True):
        svc.certificate_reinstate(certificate=cert, by=administrator, reason="Corrected.")
    cert = reload(cert)
    assert cert.pdf_status == CertificateStatus.ACTIVE
    assert "SUSPENDED" not in text_of(stored(cert))
    assert len(stored_files(cert)) == 1


def test_a_second_suspension_replaces_the_pdf_of_the_first(django_capture_on_commit_callbacks, cert, administrator):
    # Same status as the stored PDF, yet another episode: the PDF must give the new reason.
    with django_capture_on_commit_callbacks(execute=True):
        svc.certificate_suspend(review_on=f.review_date(), certificate=cert, by=administrator, reason="First reason.")
    with django_capture_on_commit_callbacks(execute=True):
        svc.certificate_reinstate(certificate=cert, by=administrator, reason="Fixed.")
        svc.certificate_suspend(review_on=f.review_date(), certificate=cert, by=administrator, reason="Second reason.")
    text = text_of(stored(reload(cert)))
    assert "Second reason." in text
    assert "First reason." not in text


@pytest.mark.parametrize(
    ("move", "words"),
    [
        ("withdraw", "WITHDRAWN on"),
        ("expire", "EXPIRED on"),
    ],
)
def test_a_certificate_no_longer_in_force_says_so(django_capture_on_commit_callbacks, cert, administrator, move, words):
    with django_capture_on_commit_callbacks(execute=True):
        if move == "withdraw":
            svc.certificate_withdraw(certificate=cert, by=administrator, reason="At the holder's request.")
        else:
            Certificate.objects.filter(pk=cert.pk).update(expires_on=timezone.localdate() - datetime.timedelta(days=1))
            svc.certificate_expire(certificate=cert)
    text = text_of(stored(reload(cert)))
    assert words in text
    assert "This certificate is no longer valid." in text


def test_the_task_run_twice_draws_one_file(django_capture_on_commit_callbacks, cert):
    with django_capture_on_commit_callbacks(execute=True):
        assert certificate_tasks.render_certificate_pdf.delay(cert.pk).get() is True
    name = reload(cert).pdf.name
    with django_capture_on_commit_callbacks(execute=True):
        assert certificate_tasks.render_certificate_pdf.delay(cert.pk).get() is False
    assert reload(cert).pdf.name == name
    assert stored_files(cert) == [posixpath.basename(name)]
    assert certificate_tasks.render_certificate_pdf(999_999) is False  # deleted since it was queued: nothing to do


@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL's row locks (SELECT ... FOR UPDATE)")
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_workers_drawing_at_once_write_one_file(cert):
    # The test holds the row until both workers wait on it: without the lock both would draw and store a file.
    results = run_together(
        lambda: certificate_pdf_render(certificate=cert),
        lambda: certificate_pdf_render(certificate=cert),
        holding=(Certificate, cert.pk),
    )
    assert sorted(results) == [("ok", False), ("ok", True)], results
    assert stored_files(cert) == [posixpath.basename(reload(cert).pdf.name)]


def test_a_render_killed_half_way_is_redone_under_the_same_name(django_capture_on_commit_callbacks, cert):
    cert = reload(cert)
    # A worker died after writing half a file, before its commit; an older status's PDF is still there too.
    default_storage.save(pdf_name(cert), ContentFile(b"%PDF-1.4 half a fi"))
    default_storage.save(posixpath.join(posixpath.dirname(pdf_name(cert)), "old.pdf"), ContentFile(b"%PDF old"))
    with django_capture_on_commit_callbacks(execute=True):
        assert certificate_pdf_render(certificate=cert) is True
    cert = reload(cert)
    assert cert.pdf.name == pdf_name(cert)
    assert stored_files(cert) == [posixpath.basename(pdf_name(cert))]
    assert "SNC-2026-0042" in text_of(stored(cert))


def test_a_pdf_lost_from_storage_is_drawn_again(cert):
    certificate_pdf_render(certificate=cert)
    default_storage.delete(reload(cert).pdf.name)
    assert certificate_pdf_render(certificate=cert) is True
    assert "SNC-2026-0042" in text_of(stored(reload(cert)))


def test_with_the_broker_down_the_change_succeeds_and_the_periodic_task_draws_the_pdf(
    django_capture_on_commit_callbacks, monkeypatch, cert, administrator
):
    certificate_pdf_render(certificate=cert)

    def unreachable(*args, **kwargs):
        raise OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr(certificate_tasks.render_certificate_pdf, "delay", unreachable)
    with django_capture_on_commit_callbacks(execute=True):
        svc.certificate_suspend(review_on=f.review_date(), certificate=cert, by=administrator, reason="Audit finding.")
    assert reload(cert).status == CertificateStatus.SUSPENDED
    assert reload(cert).pdf_status == CertificateStatus.ACTIVE
    assert certificates_with_stale_pdf() == [cert.pk]

    assert certificate_tasks.render_stale_certificate_pdfs() == 1
    assert reload(cert).pdf_status == CertificateStatus.SUSPENDED
    assert "Audit finding." in text_of(stored(reload(cert)))
    assert certificates_with_stale_pdf() == []
    assert certificate_tasks.render_stale_certificate_pdfs() == 0


def test_the_periodic_task_is_scheduled_and_the_render_task_retries_with_backoff_in_bounded_time():
    entry = settings.CELERY_BEAT_SCHEDULE["render-stale-certificate-pdfs"]
    assert entry["task"] == "registry.certificates.tasks.render_stale_certificate_pdfs"
    task = certificate_tasks.render_certificate_pdf
    assert task.acks_late and task.reject_on_worker_lost
    assert task.retry_backoff and task.retry_jitter and task.max_retries
    assert task.soft_time_limit < task.time_limit


# --- Serving ----------------------------------------------------------------------------------------------------------


def body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def portal_url(certificate):
    return reverse("portal:certificate-pdf", args=[certificate.service.provider.slug, certificate.number])


def public_url(certificate):
    return reverse("registry:certificate-pdf", args=[certificate.number])


@pytest.mark.parametrize(
    ("who", "expected"),
    [
        ("owner", 200),
        ("viewer", 200),
        ("other_owner", 404),
        ("anonymous", 302),
    ],
)
def test_the_portal_download_is_for_the_holders_members_only(request, client, cert, who, expected):
    if who != "anonymous":
        client.force_login(request.getfixturevalue(who))
    response = client.get(portal_url(cert))
    assert response.status_code == expected
    if expected == 302:
        assert response["Location"].startswith(reverse("account_login"))
    if expected == 200:
        assert response["Content-Type"] == "application/pdf"
        assert response["Content-Disposition"] == 'attachment; filename="SNC-2026-0042.pdf"'
        assert response["X-Content-Type-Options"] == "nosniff"
        assert response["Cache-Control"] == "private, no-store"
        assert "SNC-2026-0042" in text_of(body(response))


def test_the_portal_answers_404_for_another_providers_certificate_under_ones_own_address(
    client, owner, other_provider, scheme
):
    theirs = f.certificate(f.service(other_provider), scheme)
    client.force_login(owner)
    url = reverse("portal:certificate-pdf", args=["nuage-souverain", theirs.number])
    assert client.get(url).status_code == 404


def test_the_public_pdf_is_served_inline_to_anyone(client, cert, django_assert_num_queries):
    certificate_pdf_render(certificate=cert)
    with django_assert_num_queries(1):  # the certificate with its service, provider and scheme
        response = client.get(public_url(cert))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'inline; filename="SNC-2026-0042.pdf"'
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Cache-Control"] == "no-cache"
    assert body(response) == stored(reload(cert))
    assert public_url(cert) == "/verify/SNC-2026-0042/certificate.pdf"


def test_the_public_pdf_of_an_unknown_number_is_404(client, db):
    assert client.get(reverse("registry:certificate-pdf", args=["SNC-1999-0001"])).status_code == 404


def test_a_pdf_the_worker_has_not_redrawn_yet_is_drawn_for_the_request_never_served_stale(
    client, cert, administrator, django_assert_num_queries
):
    certificate_pdf_render(certificate=cert)
    active_name = reload(cert).pdf.name
    # Suspended, with the worker behind: the stored PDF still says active.
    svc.certificate_suspend(review_on=f.review_date(), certificate=cert, by=administrator, reason="Audit finding.")
    with django_assert_num_queries(2):  # the certificate; the event that suspended it (date and reason)
        response = client.get(public_url(cert))
    assert response.status_code == 200
    text = text_of(body(response))
    assert "SUSPENDED on" in text and "Audit finding." in text
    assert reload(cert).pdf.name == active_name  # a GET writes nothing: the worker stores the new one


def test_a_certificate_never_drawn_is_drawn_for_the_portal_request(client, owner, cert, django_assert_max_num_queries):
    client.force_login(owner)
    # session, user, whether one of the user's organisations requires a second factor (middleware), provider by
    # membership, the user's roles, certificate with service, provider and scheme (an active one needs no event)
    with django_assert_max_num_queries(6):
        response = client.get(portal_url(cert))
    assert response.status_code == 200
    assert "SNC-2026-0042" in text_of(body(response))


def test_the_service_verify_and_portal_pages_link_to_the_pdf(client, cert, owner):
    assert public_url(cert) in client.get(reverse("registry:service", args=[cert.service.slug])).text
    assert public_url(cert) in client.get(reverse("registry:verify-number", args=[cert.number])).text
    client.force_login(owner)
    assert portal_url(cert) in client.get(reverse("portal:provider", args=[cert.service.provider.slug])).text
