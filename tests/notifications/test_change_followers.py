"""An accepted change notice is public: whoever follows the service, its provider or the whole registry is told, once,
in their language, with the kind and the agency's public summary (never the provider's description); a member of the
provider who also follows gets the members' e-mail only; a notice that is only filed or refused tells no follower."""

import pytest
from django.core import mail
from django.utils import timezone

from registry.certificates import changes
from registry.public.models import Subscription
from tests import factories as f

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("eager_tasks")]

SUMMARY = "The storage of the service moved to a second site."


@pytest.fixture
def certificate(provider):
    return f.certified_service(provider, name="Nuage Storage", slug="nuage-storage")


def follow(email, *, language="en", **target):
    scope = "service" if "service" in target else "provider" if "provider" in target else "registry"
    return Subscription.objects.create(
        email=email, scope=scope, language=language, confirmed_at=timezone.now(), **target
    )


def to(address):
    return [m for m in mail.outbox if m.to == [address]]


def test_followers_hear_of_an_accepted_change_once_in_their_language(
    certificate, editor, owner, reviewer, django_capture_on_commit_callbacks
):
    follow("service.fan@example.org", service=certificate.service)
    follow("provider.fan@example.org", language="fr", provider=certificate.service.provider)
    follow("everything@example.org")
    follow("everything@example.org", service=certificate.service)  # follows twice: one e-mail
    follow(owner.email, service=certificate.service)  # a member: the members' e-mail only
    follow("unconfirmed@example.org", service=certificate.service).__class__.objects.filter(
        email="unconfirmed@example.org"
    ).update(confirmed_at=None)
    notice = f.filed_notice(certificate, editor)
    changes.notice_take(notice=notice, by=reviewer)
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        changes.notice_accept(notice=notice, by=reviewer, public_summary=SUMMARY)

    [english] = to("service.fan@example.org")
    assert certificate.number in english.subject and "change accepted" in english.subject
    assert SUMMARY in english.body and "Location of data or operations" in english.body
    assert "Storage moves to a new site." not in english.body  # the provider's description stays private
    assert "List-Unsubscribe" in english.extra_headers
    [french] = to("provider.fan@example.org")
    assert "modification acceptée" in french.subject and "Localisation des données" in french.body
    assert len(to("everything@example.org")) == 1
    assert not to("unconfirmed@example.org")
    owners = to(owner.email)
    assert len(owners) == 1 and "List-Unsubscribe" not in owners[0].extra_headers


def test_a_filed_or_refused_notice_tells_no_follower(certificate, editor, reviewer, django_capture_on_commit_callbacks):
    follow("service.fan@example.org", service=certificate.service)
    with django_capture_on_commit_callbacks(execute=True):
        notice = f.filed_notice(certificate, editor)
        changes.notice_take(notice=notice, by=reviewer)
        changes.notice_refuse(notice=notice, by=reviewer, outcome_note="The new site is outside the EU.")
    assert not to("service.fan@example.org")
