"""The demo has two evaluation centres with one evaluator each, signed in with the demo password and the development
authenticator; centre A holds a dossier in evaluation, which its evaluator sees and centre B's does not."""

import pytest
from allauth.mfa.models import Authenticator
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse

from registry.evaluation.models import Evaluator
from registry.qualification.models import Dossier
from tests import factories as f
from tests.devtools.test_seed_demo import printed_password, seed

pytestmark = pytest.mark.django_db


def test_the_demo_has_an_evaluator_per_centre_and_centre_a_holds_a_dossier_in_evaluation(settings):
    settings.DEBUG = True
    output = seed()
    a = Evaluator.objects.select_related("centre", "user").get(user__email="evaluator@centre-a.example")
    b = Evaluator.objects.select_related("centre", "user").get(user__email="evaluator@centre-b.example")
    assert a.centre != b.centre
    for evaluator in (a, b):
        assert printed_password(output, evaluator.user.email) == "demo-evaluator-2026"
        assert evaluator.user.check_password("demo-evaluator-2026") and not evaluator.user.is_staff
        assert Authenticator.objects.filter(user=evaluator.user, type=Authenticator.Type.TOTP).exists()
    held = Dossier.objects.get(evaluation_center=a.centre, status="evaluation")
    client = Client()
    f.login_with_mfa(client, a.user)
    assert held.reference in client.get(reverse("centre:home")).content.decode()
    other = Client()
    f.login_with_mfa(other, b.user)
    assert other.get(reverse("centre:dossier", args=[held.reference])).status_code == 404
    seed()  # again: nothing doubled
    assert (
        Evaluator.objects.count() == 2 and get_user_model().objects.filter(email__startswith="evaluator@").count() == 2
    )
