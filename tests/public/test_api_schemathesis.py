"""The public API agrees with its OpenAPI schema: Schemathesis, run as a relying party would run it (its command line,
over HTTP, against the live server with the whole middleware stack), with every check (`--checks all`) and every phase
(examples, coverage, fuzzing, stateful), finds nothing.

What the checks hold the API to: every answer's status code and content type are documented, every body matches its
schema (nullable and blank values declared), every request the schema allows is answered (no 400 for a valid value),
every request it rules out is refused (no silent default for a malformed page, page_size or on=), no 5xx, and the
methods not offered answer 405 with an Allow header.

The registry holds one of each public shape, so that the details and the stateful links (list, then detail) have real
objects to reach: an active and a suspended certificate, an archived one, a history with a suspension's effective day
and accepted changes (one without a public summary), surveillance dates and none,
a provider without a website or a registration number, a third party relying on a never-certified service, and
dossiers in process (one of a service that never held a certificate). The seed is fixed, so that a failure can be
replayed (`st replay` with the case's id); the run takes about a minute.
"""

import datetime
import subprocess
import sys

import pytest
from django.core.cache import cache
from django.utils import timezone

from registry.certificates.models import CertificateEvent
from registry.qualification.models import Dossier
from tests import factories as f
from tests.public.api_helpers import certified, in_process

# The server thread reads committed rows. serialized_rollback, as every transactional test of the suite: a plain flush
# re-creates the content types, which the next serialized test's restore would then meet twice.
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

EXAMPLES_PER_OPERATION = 15
SEED = 14


@pytest.fixture
def registry_of_every_shape(provider):
    bare = f.provider(legal_name="Nu SAS", slug="nu", registration_id="", website="", description="")
    compute = certified(provider, name="Nuage Compute", slug="nuage-compute", conditions="Yearly audit.")
    suspended = certified(provider, name="Nuage Kube", slug="nuage-kube", status="suspended")
    CertificateEvent.objects.create(
        certificate=suspended, status="suspended", reason="Incident.", effective_on=timezone.localdate()
    )
    # After qualification: surveillance dates (one recorded audit, one due) and an accepted change in a history.
    f.surveillance_audit_row(compute, due_on=timezone.localdate(), outcome="maintained")
    f.surveillance_audit_row(compute, due_on=timezone.localdate() + datetime.timedelta(days=365))
    f.accepted_change_record(suspended, kind="location", summary="A second storage site, in Lyon.")
    f.accepted_change_record(suspended, kind="other", summary="")
    archived = certified(bare, name="Ancien", slug="ancien", status="withdrawn", conditions="")
    f.third_party(archived.service, relies_on_service=f.service(name="Never certified", slug="never-certified"))
    in_process(archived.service, status=Dossier.Status.DECISION)
    in_process(f.service(provider, name="Mail", slug="mail"))


def test_schemathesis_finds_nothing_in_the_live_api(live_server, registry_of_every_shape, settings, tmp_path):
    # The throttle is tested on its own (test_api_errors); here it would answer 429 to most of the run.
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"anon": "1000000/minute"}}
    cache.clear()

    run = subprocess.run(
        [
            *(sys.executable, "-m", "schemathesis.cli", "--no-color", "run"),
            f"{live_server.url}/api/schema/?format=json",
            *("--checks", "all", "--max-examples", str(EXAMPLES_PER_OPERATION), "--seed", str(SEED)),
            *("--workers", "1", "--request-timeout", "10"),
        ],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=tmp_path,  # Schemathesis keeps its example database in the working directory
    )

    assert run.returncode == 0, run.stdout[-20_000:] + run.stderr[-2_000:]
    assert " passed" in run.stdout and "Tested: 9" in run.stdout  # every operation of the schema was exercised
