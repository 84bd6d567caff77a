"""Following the registry by e-mail, without an account: ask, confirm (double opt-in), unsubscribe.

Links in e-mails are opened by mail scanners too: a GET never changes anything, a button POSTs.

The "follow" form on the public pages is a GET to the subscribe page (/subscribe/?scope=service&target=...&email=...):
the public pages carry no CSRF token, so that the page cache can hand the same bytes to every visitor. The subscribe
page, never kept, shows the address typed (or what is wrong with it) and sends the confirmation link on a POST with
its own CSRF token, as it always did.
"""

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt, csrf_protect

from registry.public import subscriptions as svc
from registry.public.forms import FollowForm
from registry.public.models import Subscription

UNKNOWN_TOKEN = "registry/subscriptions/unknown.html"


def _by_token(token):
    return Subscription.objects.select_related("provider", "service__provider").filter(token=token).first()


def _unknown(request, what):
    return render(request, UNKNOWN_TOKEN, {"what": what}, status=404)


# The page holds this visitor's CSRF token and, from a public page's form, the address they typed: no cache keeps it.
@never_cache
def subscribe(request):
    if request.method == "POST":
        form = FollowForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            svc.subscription_request(
                email=data["email"], scope=data["scope"], provider=data["provider"], service=data["service"]
            )
            # The same answer whether the address is new, pending or already following.
            return redirect("registry:subscribe-sent")
        scope, slug = request.POST.get("scope") or Subscription.Scope.REGISTRY, request.POST.get("target") or ""
    else:
        scope, slug = request.GET.get("scope") or Subscription.Scope.REGISTRY, request.GET.get("target") or ""
        if "email" in request.GET:
            # From a public page's form: the address is checked now, so that a typo shows here, next to its field, with
            # what was typed; nothing is sent until the button below is pressed.
            form = FollowForm(request.GET)
            form.is_valid()
        else:
            form = FollowForm(initial={"scope": scope, "target": slug})
    try:
        provider, service = svc.resolve_target(scope, slug)
    except LookupError:
        if request.method != "POST":
            return _unknown(request, "target")
        label = ""
    else:
        label = svc.target_label(scope, provider, service)
    return render(request, "registry/subscriptions/subscribe.html", {"form": form, "target": label})


def subscribe_sent(request):
    return render(request, "registry/subscriptions/sent.html", {"validity_days": svc.CONFIRMATION_VALIDITY.days})


def confirm(request, token):
    subscription = _by_token(token)
    if subscription is None:
        return _unknown(request, "confirm")
    context = {"subscription": subscription, "target": svc.subscription_target_label(subscription)}
    if svc.is_expired(subscription):
        context["form"] = FollowForm(
            initial={
                "email": subscription.email,
                "scope": subscription.scope,
                "target": getattr(subscription.service or subscription.provider, "slug", ""),
            }
        )
        return render(request, "registry/subscriptions/expired.html", context, status=410)
    if request.method == "POST" and subscription.confirmed_at is None:
        try:
            svc.subscription_confirm(subscription=subscription)
        except svc.SubscriptionExpired:  # expired between the read above and the lock
            return redirect("registry:subscription-confirm", token=token)
        messages.success(request, _("Thank you: your subscription is confirmed."))
        return redirect("registry:subscription-confirm", token=token)
    return render(request, "registry/subscriptions/confirm.html", context)


def _is_one_click(request) -> bool:
    """RFC 8058: the body a mail client POSTs is exactly List-Unsubscribe=One-Click, and nothing else."""
    return request.method == "POST" and list(request.POST.lists()) == [("List-Unsubscribe", ["One-Click"])]


@csrf_exempt
def unsubscribe(request, token):
    # Only the one-click body goes without a CSRF token: mail clients POST it without cookie or page. Everything
    # else (the page's own form) is checked as usual by _unsubscribe_page.
    if _is_one_click(request):
        svc.subscription_cancel(token=token)
        return HttpResponse(_("You are unsubscribed."), content_type="text/plain; charset=utf-8")
    return _unsubscribe_page(request, token)


@csrf_protect
def _unsubscribe_page(request, token):
    subscription = _by_token(token)
    if subscription is None:
        return _unknown(request, "unsubscribe")
    if request.method == "POST":
        svc.subscription_cancel(token=token, everything=request.POST.get("everything") == "1")
        return redirect("registry:subscription-unsubscribed")
    others = Subscription.objects.filter(email=subscription.email).exclude(pk=subscription.pk).count()
    context = {"subscription": subscription, "target": svc.subscription_target_label(subscription), "others": others}
    return render(request, "registry/subscriptions/unsubscribe.html", context)


def unsubscribed(request):
    return render(request, "registry/subscriptions/unsubscribed.html")
