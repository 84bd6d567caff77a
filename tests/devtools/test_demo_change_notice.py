"""The demo holds one pending change notice: a new shareholder from outside the EU at a qualified provider, filed
late (19.6.f), waiting for a reviewer; the certified record is untouched until the agency accepts it."""

import pytest

from registry.certificates.models import ChangeNotice
from tests.devtools.test_seed_demo import seed

pytestmark = pytest.mark.django_db


def test_the_demo_has_a_late_ownership_notice_waiting(settings):
    settings.DEBUG = True
    seed()
    [notice] = ChangeNotice.objects.all()
    assert (notice.status, notice.kind, notice.late, notice.reviewer) == ("filed", "ownership", True, None)
    assert ("Atlantic Cloud Holdings Inc.", "US") in {
        (h["name"], h["country"]) for h in notice.proposed["shareholders"]
    }
    assert not notice.provider.shareholders.filter(country="US", name__startswith="Atlantic").exists()
    seed()
    assert ChangeNotice.objects.count() == 1
