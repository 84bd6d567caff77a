"""Following the registry by e-mail, without an account: ask, confirm (double opt-in), unsubscribe.

Links in e-mails are opened by mail scanners too: a GET never changes anything, a button POSTs.

The "follow" form on the public pages carries no CSRF token, so that the page cache can hand the same bytes to every
visitor: it POSTs to subscribe_start, which writes nothing and answers with the subscribe page, never kept, showing the
address typed (or what is wrong with it); that page's own CSRF-protected POST sends the confirmation link. A POST, not a
GET: the address must never be in a URL (access logs, proxies, browser history).
"""

from urllib.parse import urlencode

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_POST

from registry.public import subscriptions as svc
from registry.public.forms import FollowForm
from registry.public.models import Subscription

UNKNOWN_TOKEN = "registry/subscriptions/unknown.html"


def _by_token(token):
    return Subscription.objects.select_related("provider", "service__provider").filter(token=token).first()


def _unknown(request, what):
    return render(request, UNKNOWN_TOKEN, {"what": what}, status=404)


def _subscribe_page(request, form, scope, slug, *, unknown_is_404=True):
    try:
        provider, service = svc.resolve_target(scope, slug)
    except LookupError:
        if unknown_is_404:
            return _unknown(request, "target")
        label = ""
    else:
        label = svc.target_label(scope, provider, service)
    # Where the language links lead back to: this page by GET, for the same target, never with the address (the first
    # step answers only a POST, and the address stays out of URLs).
    language_next = (
        reverse("registry:subscribe") + "?" + urlencode({"scope": scope, "target": slug} if slug else {"scope": scope})
    )
    context = {"form": form, "target": label, "language_next": language_next}
    return render(request, "registry/subscriptions/subscribe.html", context)


@csrf_exempt
@never_cache
@require_POST
def subscribe_start(request):
    """The public pages' "follow" form lands here: the subscribe page with the address and the target filled in (or the
    address's error, with what was typed), whose button POSTs to `subscribe` with this visitor's CSRF token.

    Why no CSRF check here is safe. This step writes nothing: no subscription, no e-mail, no session; it only renders a
    page for whoever posted. A forged POST from another site gets the visitor a page they did not ask for, in a response
    the other site cannot read (same-origin policy), and nothing happens until the visitor presses the button, whose POST
    is CSRF-checked. The only thing set is the CSRF cookie that the next step needs, as any page with a form sets it.
    Why a POST: the address stays out of URLs, hence out of access logs, proxies and browser history; the public page
    carries no token, so that a cache can hand it to everyone. And why no rate limit: the limit on the subscribe POST is
    on the e-mails it sends (per address and target, registry.public.subscriptions); this step sends none and costs
    what a public page costs (the target looked up).
    """
    form = FollowForm(request.POST)
    form.is_valid()  # the errors, if any, are shown next to their field, with what was typed
    scope, slug = request.POST.get("scope") or Subscription.Scope.REGISTRY, request.POST.get("target") or ""
    return _subscribe_page(request, form, scope, slug)


# The page holds this visitor's CSRF token: no cache keeps it.
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
        # The form's own error says what is wrong with the target: the page again, not a 404.
        return _subscribe_page(request, form, scope, slug, unknown_is_404=False)
    scope, slug = request.GET.get("scope") or Subscription.Scope.REGISTRY, request.GET.get("target") or ""
    # An address in the query string (an old link, a hand-made URL) is not shown: addresses stay out of URLs, and a page
    # that echoed one would teach people to put it there.
    form = FollowForm(initial={"scope": scope, "target": slug})
    return _subscribe_page(request, form, scope, slug)


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
