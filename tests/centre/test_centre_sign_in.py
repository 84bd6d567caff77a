"""An evaluator signs in with their password and second factor and lands on their centre's space."""

from django.urls import reverse

from tests import factories as f
from tests.accounts.test_security_auth import sign_in, totp_code, verified


def test_an_evaluator_lands_on_the_centres_space_after_the_second_factor(client, db):
    evaluator = f.evaluator(email="eva@centre.test")
    verified(evaluator.user)
    f.totp_authenticator(evaluator.user)
    assert sign_in(client, evaluator.user)["Location"] == reverse("mfa_authenticate")
    response = client.post(reverse("mfa_authenticate"), {"code": totp_code()})
    assert response["Location"] == reverse("centre:home")
    assert client.get(response["Location"]).status_code == 200
