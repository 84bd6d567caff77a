"""Signed webhooks, without an account: register an endpoint, confirm it by e-mail, manage it by its secret link.

As with subscriptions (registry/public/views/subscriptions.py): links in e-mails are opened by mail scanners too, so a
GET never changes anything and a button POSTs; the answer to a registration is the same whatever the address had done.
The pages show secrets (the signing secret, the management link): none is kept by a cache.
"""

from urllib.parse import urlencode

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from registry.public import subscriptions as subscription_rules
from registry.public import webhooks as svc
from registry.public.webhook_forms import WebhookForm
from registry.public.webhook_models import WebhookEndpoint

RECENT_DELIVERIES = 10


def _endpoint(**token):
    endpoint = WebhookEndpoint.objects.select_related("provider", "service__provider").filter(**token).first()
    if endpoint is None:
        raise Http404
    return endpoint


def _new_page(request, form, scope, slug, *, unknown_is_404=False):
    try:
        provider, service = subscription_rules.resolve_target(scope, slug)
    except LookupError:
        if unknown_is_404:
            return render(request, "registry/subscriptions/unknown.html", {"what": "target"}, status=404)
        target = ""  # the form's own error says what is wrong with the target
    else:
        target = subscription_rules.target_label(scope, provider, service)
    language_next = reverse("registry:webhook-new") + "?" + urlencode({"scope": scope, "target": slug})
    context = {"form": form, "target": target, "language_next": language_next}
    return render(request, "registry/webhooks/new.html", context)


@never_cache
def webhook_new(request):
    if request.method == "POST":
        form = WebhookForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            svc.webhook_request(
                email=data["email"],
                url=data["url"],
                scope=data["scope"],
                provider=data["provider"],
                service=data["service"],
            )
            # The same answer whether the address is new, pending or already registered this URL.
            return redirect("registry:webhook-sent")
        scope, slug = request.POST.get("scope") or WebhookEndpoint.Scope.REGISTRY, request.POST.get("target") or ""
        return _new_page(request, form, scope, slug)
    scope, slug = request.GET.get("scope") or WebhookEndpoint.Scope.REGISTRY, request.GET.get("target") or ""
    return _new_page(request, WebhookForm(initial={"scope": scope, "target": slug}), scope, slug, unknown_is_404=True)


def webhook_sent(request):
    return render(request, "registry/webhooks/sent.html", {"validity_days": svc.CONFIRMATION_VALIDITY.days})


@never_cache
def webhook_confirm(request, token):
    endpoint = _endpoint(confirm_token=token)
    context = {"endpoint": endpoint, "target": svc.endpoint_target_label(endpoint)}
    if svc.is_expired(endpoint):
        return render(request, "registry/webhooks/expired.html", context, status=410)
    if request.method == "POST" and endpoint.confirmed_at is None:
        try:
            endpoint = svc.webhook_confirm(endpoint=endpoint)
        except svc.WebhookExpired:  # expired between the read above and the lock
            return redirect("registry:webhook-confirm", token=token)
        # The one answer that shows the secret without the management link: rendered, not redirected to, so that
        # reloading or sharing the confirmation link never shows it again.
        context |= {"endpoint": endpoint, "just_confirmed": True}
    return render(request, "registry/webhooks/confirm.html", context)


@never_cache
def webhook_manage(request, token):
    endpoint = _endpoint(manage_token=token, confirmed_at__isnull=False)
    deliveries = endpoint.deliveries.order_by("-created_at", "-pk").prefetch_related("attempt_log")[:RECENT_DELIVERIES]
    context = {
        "endpoint": endpoint,
        "target": svc.endpoint_target_label(endpoint),
        "deliveries": deliveries,
    }
    return render(request, "registry/webhooks/manage.html", context)


def _managed(token):
    return _endpoint(manage_token=token, confirmed_at__isnull=False)


@require_POST
def webhook_test(request, token):
    endpoint = _managed(token)
    if svc.webhook_send_test(endpoint=endpoint) is None:
        messages.error(request, _("This endpoint is disabled: enable it before sending a test event."))
    else:
        messages.success(request, _("A test event was sent: its outcome is listed below."))
    return redirect("registry:webhook-manage", token=token)


@require_POST
def webhook_rotate(request, token):
    svc.webhook_rotate_secret(endpoint=_managed(token))
    messages.success(
        request, _("A new signing secret was made. Deliveries are signed with both secrets for the next 24 hours.")
    )
    return redirect("registry:webhook-manage", token=token)


@require_POST
def webhook_enable(request, token):
    svc.webhook_enable(endpoint=_managed(token))
    messages.success(request, _("The endpoint is enabled: the next changes will be sent to it."))
    return redirect("registry:webhook-manage", token=token)


@require_POST
def webhook_delete(request, token):
    svc.webhook_delete(endpoint=_managed(token))
    return redirect("registry:webhook-deleted")


def webhook_deleted(request):
    return render(request, "registry/webhooks/deleted.html")
