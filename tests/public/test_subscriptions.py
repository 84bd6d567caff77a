"""Following the registry by e-mail: double opt-in, one-click unsubscribe, and one e-mail per follower per change."""

import datetime
import re
from urllib.parse import quote, quote_plus, unquote, urlsplit

import pytest
from django.conf import settings
from django.contrib.sessions.models import Session
from django.core import mail
from django.core.cache import cache
from django.template.loader import render_to_string
from django.test import Client, RequestFactory
from django.urls import reverse
from django.utils import formats, timezone, translation
from kombu.exceptions import OperationalError

from registry.certificates.models import CertificateEvent
from registry.certificates.services import certificate_reinstate, certificate_suspend
from registry.notifications import tasks as notification_tasks
from registry.public import subscriptions as subs
from registry.public import tasks as public_tasks
from registry.public.models import Subscription
from registry.qualification.models import Dossier
from registry.qualification.services.dossiers import dossier_qualify
from tests import factories as f
from trustedcloud.celery import app as celery_app

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("eager_tasks", "empty_cache")]

Scope = Subscription.Scope
SUBSCRIBE = reverse("registry:subscribe")
SENT = reverse("registry:subscribe-sent")
START = reverse("registry:subscribe-start")


@pytest.fixture
def eager_tasks(monkeypatch):
    # Tasks run inline: the tests read what was sent, not what was queued (REDIS_URL may be set).
    monkeypatch.setitem(celery_app.conf, "task_always_eager", True)


@pytest.fixture
def empty_cache():
    # The rate limit lives in the cache: each test starts with a mailbox nobody wrote to a minute ago.
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def certificate(service):
    """An active certificate of Nuage Compute (Nuage Souverain SAS): the service is in the public registry."""
    return f.certificate(service)


@pytest.fixture
def other_certificate(other_provider):
    return f.certificate(f.service(other_provider, name="Autre Stockage", slug="autre-stockage"))


@pytest.fixture
def follow(client, django_capture_on_commit_callbacks):
    """follow(email, scope, target): the follow form posted by an anonymous visitor; its e-mail goes after commit."""

    def post(email, scope="service", target="nuage-compute"):
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(SUBSCRIBE, {"email": email, "scope": scope, "target": target})

    return post


def subscription(email, scope=Scope.SERVICE, *, provider=None, service=None, confirmed=True):
    return Subscription.objects.create(
        email=email,
        scope=scope,
        provider=provider,
        service=service,
        confirmed_at=timezone.now() if confirmed else None,
    )


def link(message, kind) -> str:
    """The path of the confirm or unsubscribe link an e-mail carries."""
    [url] = re.findall(rf"https?://\S+/subscriptions/{kind}/[\w-]+/", message.body)
    assert url.startswith(settings.SITE_URL)
    return urlsplit(url).path


def sent_to(address):
    return [m for m in mail.outbox if m.to == [address]]


def recipients():
    return sorted(address for m in mail.outbox for address in m.to)


def age(queryset, **delta):
    queryset.update(created_at=timezone.now() - datetime.timedelta(**delta))


# Double opt-in.


def test_following_a_service_emails_a_link_that_confirms_only_when_the_button_is_pressed(follow, client, certificate):
    response = follow("Reader@Example.ORG")
    assert response.status_code == 302
    assert response["Location"] == SENT
    assert "Check your inbox" in client.get(SENT).content.decode()

    pending = Subscription.objects.get()
    assert (pending.email, pending.scope, pending.service, pending.confirmed_at) == (
        "reader@example.org",
        Scope.SERVICE,
        certificate.service,
        None,
    )
    [message] = mail.outbox
    assert message.to == ["reader@example.org"]
    assert message.subject == "Confirm: follow Nuage Compute (Nuage Souverain SAS) on the Trusted Cloud Registry"
    confirm = link(message, "confirm")
    assert confirm == reverse("registry:subscription-confirm", args=[pending.token])

    # A mail scanner opening the link confirms nothing.
    page = client.get(confirm)
    assert page.status_code == 200
    assert 'method="post"' in page.content.decode()
    pending.refresh_from_db()
    assert pending.confirmed_at is None

    response = client.post(confirm)
    assert response.status_code == 302
    pending.refresh_from_db()
    assert pending.confirmed_at is not None
    page = client.get(confirm)
    assert "You are following Nuage Compute (Nuage Souverain SAS)" in page.content.decode()
    assert "your subscription is confirmed" in page.content.decode()


def test_a_provider_and_the_whole_registry_can_be_followed_too(follow, client, certificate, provider):
    assert follow("a@example.org", scope="provider", target="nuage-souverain")["Location"] == SENT
    assert follow("b@example.org", scope="registry", target="")["Location"] == SENT
    assert set(Subscription.objects.values_list("email", "scope", "provider", "service")) == {
        ("a@example.org", Scope.PROVIDER, provider.pk, None),
        ("b@example.org", Scope.REGISTRY, None, None),
    }
    assert [m.subject for m in mail.outbox] == [
        "Confirm: follow Nuage Souverain SAS on the Trusted Cloud Registry",
        "Confirm: follow the whole registry on the Trusted Cloud Registry",
    ]


def test_an_invalid_address_is_refused_next_to_its_field(follow, client, certificate):
    response = follow("not-an-address")
    assert response.status_code == 200
    html = response.content.decode()
    assert re.search(r'<input[^>]*name="email"[^>]*is-invalid|<input[^>]*is-invalid[^>]*name="email"', html)
    assert "Enter a valid email address." in html
    assert "Follow by e-mail" in html and "Nuage Compute" in html  # the page still says what is being followed
    assert Subscription.objects.count() == 0
    assert mail.outbox == []


def test_only_what_the_public_registry_shows_can_be_followed(follow, client, certificate, other_provider):
    f.service(other_provider, name="Draft Service", slug="draft-service")  # no certificate, not listed in process
    for scope, target in [("service", "no-such-service"), ("service", "draft-service"), ("provider", "autre-cloud")]:
        response = follow("reader@example.org", scope=scope, target=target)
        assert response.status_code == 200
        assert "not in the public registry" in response.content.decode()
    assert follow("reader@example.org", scope="nonsense", target="").status_code == 200
    assert Subscription.objects.count() == 0
    assert mail.outbox == []

    page = client.get(SUBSCRIBE, {"scope": "service", "target": "draft-service"})
    assert page.status_code == 404
    assert "not in the public registry" in page.content.decode()
    assert client.get(SUBSCRIBE, {"scope": "service", "target": "nuage-compute"}).status_code == 200


def test_a_service_listed_in_process_can_be_followed_before_its_qualification(follow, client, other_provider):
    listed = f.service(other_provider, name="Soon Cloud", slug="soon-cloud")
    f.dossier(listed, status=Dossier.Status.EVALUATION, listed_in_process_consent=True)
    assert follow("early@example.org", target="soon-cloud")["Location"] == SENT
    assert Subscription.objects.get().service == listed


def test_the_answer_is_the_same_whether_or_not_the_address_already_follows(follow, client, certificate, service):
    subscription("pending@example.org", service=service, confirmed=False)
    confirmed = subscription("confirmed@example.org", service=service)

    answers = [follow(email) for email in ("new@example.org", "pending@example.org", "confirmed@example.org")]
    assert {(r.status_code, r["Location"]) for r in answers} == {(302, SENT)}
    assert {r.content for r in answers} == {b""}

    # Each address got one e-mail: only its owner learns which case it was.
    assert recipients() == ["confirmed@example.org", "new@example.org", "pending@example.org"]
    [already] = sent_to("confirmed@example.org")
    assert already.subject == "You already follow Nuage Compute (Nuage Souverain SAS) on the Trusted Cloud Registry"
    assert link(already, "unsubscribe") == reverse("registry:subscription-unsubscribe", args=[confirmed.token])
    assert already.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert "confirm" in sent_to("pending@example.org")[0].subject.lower()
    assert Subscription.objects.filter(confirmed_at__isnull=False).count() == 1


def test_confirmation_emails_are_rate_limited_per_address_and_target(follow, client, certificate, monkeypatch):
    follow("reader@example.org")
    follow("reader@example.org")
    follow("READER@example.org")
    assert len(mail.outbox) == 1  # three requests, one e-mail
    first_link = link(mail.outbox[0], "confirm")

    follow("reader@example.org", scope="provider", target="nuage-souverain")  # another target
    follow("someone-else@example.org")  # another address
    assert len(mail.outbox) == 3

    cache.clear()  # the interval has passed
    follow("reader@example.org")
    assert len(mail.outbox) == 4
    assert link(mail.outbox[-1], "confirm") == first_link  # the same link, still valid
    assert Subscription.objects.count() == 3


def test_one_address_gets_only_a_few_emails_an_hour_whatever_the_targets(follow, client, certificate, monkeypatch):
    monkeypatch.setattr(subs, "MAX_MAILS_PER_ADDRESS_PER_HOUR", 2)
    follow("victim@example.org")
    follow("victim@example.org", scope="provider", target="nuage-souverain")
    third = follow("victim@example.org", scope="registry", target="")
    assert third["Location"] == SENT
    assert len(mail.outbox) == 2


def test_an_expired_confirmation_link_is_refused_with_a_clear_message(follow, client, certificate, service):
    pending = subscription("late@example.org", service=service, confirmed=False)
    age(Subscription.objects.all(), days=8)
    confirm = reverse("registry:subscription-confirm", args=[pending.token])

    for response in (client.get(confirm), client.post(confirm)):
        assert response.status_code == 410
        assert "This link has expired" in response.content.decode()
        assert 'value="late@example.org"' in response.content.decode()  # asking again is one click away
    pending.refresh_from_db()
    assert pending.confirmed_at is None

    # Asking again gives the same link a new week.
    follow("late@example.org")
    assert link(mail.outbox[0], "confirm") == confirm
    assert client.post(confirm).status_code == 302
    pending.refresh_from_db()
    assert pending.confirmed_at is not None


def test_unknown_links_answer_a_helpful_404(client, db):
    confirm = client.get(reverse("registry:subscription-confirm", args=["no-such-token"]))
    assert confirm.status_code == 404
    assert "This confirmation link matches no request" in confirm.content.decode()
    unsubscribe = client.get(reverse("registry:subscription-unsubscribe", args=["no-such-token"]))
    assert unsubscribe.status_code == 404
    assert "you are probably already unsubscribed" in unsubscribe.content.decode()
    assert client.post(reverse("registry:subscription-unsubscribe", args=["no-such-token"])).status_code == 404


# The e-mails a change of status sends.


def test_a_suspension_emails_each_confirmed_follower_once(
    django_capture_on_commit_callbacks, certificate, other_certificate, service, provider, other_provider, owner,
    decision_maker,
):  # fmt: skip
    on_service = subscription("service@example.org", service=service)
    on_provider = subscription("provider@example.org", Scope.PROVIDER, provider=provider)
    subscription("registry@example.org", Scope.REGISTRY)
    both = subscription("both@example.org", Scope.PROVIDER, provider=provider)
    subscription("both@example.org", service=service)
    subscription("pending@example.org", service=service, confirmed=False)
    subscription("elsewhere@example.org", service=other_certificate.service)
    subscription("elsewhere@example.org", Scope.PROVIDER, provider=other_provider)
    subscription("owner@nuage.test", service=service)  # a member who also follows their own service

    with django_capture_on_commit_callbacks(execute=True):
        certificate_suspend(
            review_on=f.review_date(),
            certificate=certificate,
            by=decision_maker,
            reason="Major incident under investigation.",
        )

    assert recipients() == [
        "both@example.org",
        "owner@nuage.test",
        "provider@example.org",
        "registry@example.org",
        "service@example.org",
    ]
    [to_owner] = sent_to("owner@nuage.test")
    assert to_owner.subject == f"[{certificate.number}] Certificate status: Suspended"  # the member's e-mail, as before

    [message] = sent_to("service@example.org")
    event = CertificateEvent.objects.get(certificate=certificate, status="suspended")
    with translation.override("en"):
        when = formats.date_format(timezone.localtime(event.created_at), "DATETIME_FORMAT")
    assert message.subject == f"[{certificate.number}] Nuage Compute: Suspended"
    for fact in (
        "Nuage Compute, by Nuage Souverain SAS",
        f"Certificate: {certificate.number}",
        "New status: Suspended",
        f"Date: {when}",
        "Reason: Major incident under investigation.",
        settings.SITE_URL + reverse("registry:service", args=["nuage-compute"]),
        "because you follow Nuage Compute (Nuage Souverain SAS)",
    ):
        assert fact in message.body
    unsubscribe = settings.SITE_URL + reverse("registry:subscription-unsubscribe", args=[on_service.token])
    assert f"Unsubscribe: {unsubscribe}" in message.body
    headers = message.message()
    assert headers["List-Unsubscribe"] == f"<{unsubscribe}>"
    assert headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"

    # Following the provider and the service: one e-mail, naming the broader of the two.
    [to_both] = sent_to("both@example.org")
    assert link(to_both, "unsubscribe") == reverse("registry:subscription-unsubscribe", args=[both.token])
    assert "because you follow Nuage Souverain SAS" in to_both.body
    assert link(sent_to("provider@example.org")[0], "unsubscribe").endswith(f"/{on_provider.token}/")
    assert "because you follow the whole registry" in sent_to("registry@example.org")[0].body

    # Exactly once: the task and the sweep, run again, send nothing.
    sent = len(mail.outbox)
    assert notification_tasks.send_certificate_event_notification(event.pk) is False
    notification_tasks.send_certificate_event_notification.delay(event.pk)
    age(CertificateEvent.objects.all(), minutes=3)
    assert notification_tasks.sweep_unnotified_events() == 0
    assert len(mail.outbox) == sent


def test_a_reinstatement_and_a_qualification_are_called_so(
    django_capture_on_commit_callbacks, service, scheme, decision_maker, complete_draft, walk
):
    certificate = f.certificate(service, scheme)  # the renewal below, on the same scheme, supersedes it
    subscription("registry@example.org", Scope.REGISTRY)
    with django_capture_on_commit_callbacks(execute=True):
        certificate_suspend(review_on=f.review_date(), certificate=certificate, by=decision_maker, reason="Incident.")
    with django_capture_on_commit_callbacks(execute=True):
        certificate_reinstate(certificate=certificate, by=decision_maker, reason="Fixed.")
    assert [m.subject for m in sent_to("registry@example.org")] == [
        f"[{certificate.number}] Nuage Compute: Suspended",
        f"[{certificate.number}] Nuage Compute: Reinstated",
    ]

    d = walk(complete_draft, Dossier.Status.DECISION)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        renewed = dossier_qualify(dossier=d, by=decision_maker, scope="IaaS.")
    # The new certificate is qualified; the one it replaces is superseded.
    assert sorted(m.subject for m in sent_to("registry@example.org")) == sorted(
        [
            f"[{renewed.number}] Nuage Compute: Qualified",
            f"[{certificate.number}] Nuage Compute: Superseded",
        ]
    )


def test_with_the_broker_down_followers_hear_from_the_sweep(
    django_capture_on_commit_callbacks, monkeypatch, certificate, service, decision_maker
):
    def unreachable(*args, **kwargs):
        raise OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr(notification_tasks.send_certificate_event_notification, "delay", unreachable)
    follower = subscription("service@example.org", service=service)
    with django_capture_on_commit_callbacks(execute=True):
        certificate_suspend(review_on=f.review_date(), certificate=certificate, by=decision_maker, reason="Incident.")
    assert mail.outbox == []
    age(CertificateEvent.objects.all(), minutes=3)
    assert notification_tasks.sweep_unnotified_events() == 1
    [message] = sent_to("service@example.org")
    assert message.message()["List-Unsubscribe"].endswith(f"/{follower.token}/>")
    assert notification_tasks.sweep_unnotified_events() == 0


# Unsubscribing.


def test_the_unsubscribe_link_shows_a_button_and_removes_on_post(client, certificate, service):
    follower = subscription("reader@example.org", service=service)
    url = reverse("registry:subscription-unsubscribe", args=[follower.token])
    page = client.get(url)
    assert page.status_code == 200
    assert "Stop sending e-mails to reader@example.org about Nuage Compute" in page.content.decode()
    assert Subscription.objects.filter(pk=follower.pk).exists()  # opening the link removes nothing

    response = client.post(url)
    assert response.status_code == 302
    assert response["Location"] == reverse("registry:subscription-unsubscribed")
    assert not Subscription.objects.filter(pk=follower.pk).exists()
    assert client.get(url).status_code == 404


def test_one_click_unsubscribes_without_a_csrf_token_but_the_page_form_needs_one(certificate, service):
    browser = Client(enforce_csrf_checks=True)
    follower = subscription("reader@example.org", service=service)
    url = reverse("registry:subscription-unsubscribe", args=[follower.token])

    assert browser.post(url).status_code == 403
    assert browser.post(url, {"List-Unsubscribe": "One-Click", "everything": "1"}).status_code == 403
    assert Subscription.objects.filter(pk=follower.pk).exists()

    # RFC 8058: the mail client POSTs exactly this body, without cookie or token.
    response = browser.post(url, "List-Unsubscribe=One-Click", content_type="application/x-www-form-urlencoded")
    assert response.status_code == 200
    assert not Subscription.objects.filter(pk=follower.pk).exists()
    # Again (a retrying client, or as multipart): still fine.
    assert browser.post(url, {"List-Unsubscribe": "One-Click"}).status_code == 200

    # The page's own form works with its token.
    other = subscription("other@example.org", service=service)
    other_url = reverse("registry:subscription-unsubscribe", args=[other.token])
    browser.get(other_url)
    token = browser.cookies[settings.CSRF_COOKIE_NAME].value
    assert browser.post(other_url, {"csrfmiddlewaretoken": token}).status_code == 302
    assert not Subscription.objects.filter(pk=other.pk).exists()


def test_one_can_stop_every_email_to_the_address_at_once(client, certificate, service, provider):
    follower = subscription("reader@example.org", service=service)
    subscription("reader@example.org", Scope.PROVIDER, provider=provider)
    subscription("reader@example.org", Scope.REGISTRY, confirmed=False)
    neighbour = subscription("neighbour@example.org", service=service)
    url = reverse("registry:subscription-unsubscribe", args=[follower.token])
    assert "This address has 2 other subscriptions" in client.get(url).content.decode()
    client.post(url, {"everything": "1"})
    assert list(Subscription.objects.all()) == [neighbour]


# Housekeeping and the include.


def test_the_daily_task_purges_only_expired_requests(service, provider):
    stale = subscription("stale@example.org", service=service, confirmed=False)
    fresh = subscription("fresh@example.org", service=service, confirmed=False)
    old_but_confirmed = subscription("loyal@example.org", Scope.PROVIDER, provider=provider)
    age(Subscription.objects.filter(pk__in=[stale.pk, old_but_confirmed.pk]), days=8)
    assert public_tasks.purge_unconfirmed_subscriptions() == 1
    assert set(Subscription.objects.all()) == {fresh, old_but_confirmed}
    scheduled = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert "registry.public.tasks.purge_unconfirmed_subscriptions" in scheduled


@pytest.mark.parametrize(
    ("scope", "target_name", "label"),
    [
        ("service", "service", "Follow Nuage Compute by e-mail"),
        ("provider", "provider", "Follow Nuage Souverain SAS by e-mail"),
        ("registry", None, "Follow the registry by e-mail"),
    ],
)
def test_the_follow_form_posts_to_a_first_step_that_shows_the_address_and_writes_nothing(
    follow,
    request,
    client,
    certificate,
    scope,
    target_name,
    label,
    django_capture_on_commit_callbacks,
    django_assert_max_num_queries,
):
    target = request.getfixturevalue(target_name) if target_name else None
    html = render_to_string(
        "registry/subscriptions/_follow_form.html",
        {"scope": scope, "target": target},
        request=RequestFactory().get("/"),
    )
    # A POST without a token: the address stays out of the URL, and the page it sits in is the same for everyone.
    assert f'<form method="post" action="{START}"' in html
    assert "csrfmiddlewaretoken" not in html
    assert f'name="scope" value="{scope}"' in html
    assert label in html
    fields = dict(re.findall(r'<input type="hidden" name="(scope|target)" value="([^"]*)"', html))
    fields.setdefault("target", "")

    # The first step shows the address typed, with the button that sends the link; nothing is written or sent.
    # Two queries at most, the target looked up (the form's check, the page's label): no write, no session, no user.
    with django_capture_on_commit_callbacks(execute=True) as queued, django_assert_max_num_queries(2):
        page = client.post(START, {**fields, "email": "reader@example.org"})
    assert page.status_code == 200
    assert 'value="reader@example.org"' in page.text and "is-invalid" not in page.text
    assert f'<form method="post" action="{SUBSCRIBE}"' in page.text
    assert "csrfmiddlewaretoken" in page.text and "Send me the confirmation link" in page.text
    assert "no-store" in page["Cache-Control"] and "private" in page["Cache-Control"]  # a token and an address
    assert queued == [] and Subscription.objects.count() == 0 and mail.outbox == []
    assert settings.SESSION_COOKIE_NAME not in page.cookies and not Session.objects.exists()
    posted = dict(re.findall(r'<input type="hidden" name="(scope|target)" value="([^"]*)"', page.text))
    assert posted == {k: v for k, v in fields.items() if v}
    # Its language links lead back to the form (a GET of the first step would be a 405), never with the address.
    switches = re.findall(r'href="/i18n/setlang/\?language=\w+&amp;next=([^"]*)"', page.text)
    assert switches and all(unquote(n).startswith(SUBSCRIBE + "?scope=") for n in switches), switches
    assert not any("reader" in unquote(n) for n in switches)

    assert follow("reader@example.org", **fields)["Location"] == SENT
    assert Subscription.objects.get().scope == scope
    assert len(mail.outbox) == 1


def test_the_link_is_sent_only_by_the_post_that_carries_the_first_step_s_token(certificate):
    browser = Client(enforce_csrf_checks=True)
    fields = {"scope": "service", "target": "nuage-compute", "email": "reader@example.org"}
    page = browser.post(START, fields)  # from a public page: no token there, none asked
    assert page.status_code == 200
    assert browser.post(SUBSCRIBE, fields).status_code == 403
    assert Subscription.objects.count() == 0 and mail.outbox == []
    [token] = re.findall(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)
    with_token = browser.post(SUBSCRIBE, {**fields, "csrfmiddlewaretoken": token})
    assert with_token.status_code == 302 and with_token["Location"] == SENT
    assert Subscription.objects.get().email == "reader@example.org"


def test_a_mistyped_address_from_a_public_page_is_shown_with_its_error(client, certificate):
    page = client.post(START, {"scope": "service", "target": "nuage-compute", "email": "reader@example"})
    assert page.status_code == 200
    assert re.search(r'<input[^>]*name="email"[^>]*is-invalid|<input[^>]*is-invalid[^>]*name="email"', page.text)
    assert "Enter a valid email address." in page.text
    assert 'value="reader@example"' in page.text  # what was typed is there to correct
    assert "Nuage Compute" in page.text
    empty = client.post(START, {"scope": "registry", "email": ""})
    assert empty.status_code == 200 and "This field is required." in empty.text
    assert Subscription.objects.count() == 0 and mail.outbox == []


def test_an_unknown_target_on_the_first_step_is_a_helpful_404(client, certificate, other_provider):
    f.service(other_provider, name="Draft Service", slug="draft-service")  # no certificate, not listed in process
    for scope, target in [("service", "no-such-service"), ("service", "draft-service"), ("nonsense", "")]:
        response = client.post(START, {"scope": scope, "target": target, "email": "reader@example.org"})
        assert response.status_code == 404, (scope, target)
        assert "not in the public registry" in response.text
        assert "reader@example.org" not in response.text
    assert Subscription.objects.count() == 0 and mail.outbox == []


def test_the_first_step_answers_only_a_post(client, certificate):
    response = client.get(START, {"scope": "service", "target": "nuage-compute"})
    assert response.status_code == 405 and response["Allow"] == "POST"


def test_the_first_step_s_page_sends_the_language_links_back_to_the_subscribe_page(client, certificate):
    page = client.post(START, {"scope": "service", "target": "nuage-compute", "email": "reader@example.org"})
    # base.html's language links use it as `next` (the first step answers only a POST).
    back = page.context["language_next"]
    assert back == SUBSCRIBE + "?scope=service&target=nuage-compute"
    again = client.get(back)
    assert again.status_code == 200 and "Nuage Compute" in again.text and "reader@example.org" not in again.text


def test_the_subscribe_page_by_link_shows_an_empty_form_and_never_an_address_from_the_url(client, certificate):
    page = client.get(SUBSCRIBE, {"scope": "service", "target": "nuage-compute"})
    assert page.status_code == 200 and "Nuage Compute" in page.text
    assert 'name="target" value="nuage-compute"' in page.text

    typed = client.get(SUBSCRIBE, {"scope": "service", "target": "nuage-compute", "email": "reader@example.org"})
    assert typed.status_code == 200
    assert "reader@example.org" not in typed.text and "is-invalid" not in typed.text
    assert 'name="target" value="nuage-compute"' in typed.text
    assert Subscription.objects.count() == 0 and mail.outbox == []


def test_the_address_never_appears_in_a_url(client, certificate, django_capture_on_commit_callbacks):
    address = "reader+registry@example.org"
    spellings = (address, quote(address), quote_plus(address), "reader%2Bregistry")
    urls = []
    fields = {"scope": "service", "target": "nuage-compute"}
    public_page = client.get(reverse("registry:service", args=["nuage-compute"]))
    urls += re.findall(r'(?:action|href)="([^"]*)"', public_page.text)
    [(method, action)] = re.findall(r'<form method="(\w+)" action="([^"]*)" class="tcr-follow">', public_page.text)
    for email in (address, "reader+registry@example"):  # a good address and a mistyped one
        # What the browser asks for when the visitor presses "Follow".
        start = getattr(client, method)(action, {**fields, "email": email}, follow=True)
        assert start.status_code == 200
        urls += [start.request["PATH_INFO"] + "?" + start.request["QUERY_STRING"]]
        urls += [url for url, _ in start.redirect_chain]
        urls += re.findall(r'(?:action|href)="([^"]*)"', start.text)
    with django_capture_on_commit_callbacks(execute=True):
        sent = client.post(SUBSCRIBE, {**fields, "email": address}, follow=True)
    urls += [url for url, _ in sent.redirect_chain] + re.findall(r'(?:action|href)="([^"]*)"', sent.text)
    [message] = mail.outbox
    urls += re.findall(r"https?://\S+", message.body)  # the confirmation link: a token, not the address
    assert sent.redirect_chain == [(SENT, 302)]
    assert not [url for url in urls if any(spelling in url for spelling in spellings)]


def test_the_follow_form_on_a_public_page_has_no_token(client, certificate):
    page = client.get(reverse("registry:service", args=[certificate.service.slug]))
    assert f'<form method="post" action="{START}" class="tcr-follow">' in page.text
    assert "csrfmiddlewaretoken" not in page.text
    assert settings.CSRF_COOKIE_NAME not in page.cookies
