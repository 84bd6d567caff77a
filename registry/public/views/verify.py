"""Checking a certificate: is it valid now, or was it on a given day, from its public status history."""

import datetime
from urllib.parse import urlencode

from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from registry.certificates.models import Certificate, CertificateEvent
from registry.certificates.selectors import status_on
from registry.public import selectors as queries
from registry.public.history import status_notice
from registry.public.rules import merged_history
from registry.public.views.pages import bad_request

# What a relying party needs to know, in one word per status.
VERDICTS = {
    "active": "valid",
    "suspended": "suspended",
    "withdrawn": "withdrawn",
    "expired": "expired",
    "superseded": "superseded",
    None: "not-yet-valid",
}


def verify_form(request):
    number = (request.GET.get("number") or "").strip().upper()
    if number:
        try:
            target = reverse("registry:verify-number", kwargs={"number": number})
        except NoReverseMatch:  # a "/" in what was typed: no certificate number has one
            return render(request, "registry/verify_unknown.html", {"number": number}, status=404)
        if request.GET.get("on"):
            target += "?" + urlencode({"on": request.GET["on"]})
        return redirect(target)
    return render(request, "registry/verify_form.html")


def _parse_day(value):
    try:
        return datetime.date.fromisoformat(value)
    except ValueError:
        return None


# The worse of two verdicts decides the colour of the box that shows both (a day in the past and today).
GRAVITY = {"valid": 0, "suspended": 1}


def verify(request, number):
    today = day = timezone.localdate()
    asked_on = request.GET.get("on")
    if asked_on:
        day = _parse_day(asked_on)
        if day is None:
            return bad_request(request, {"on": [_("Give the day as YYYY-MM-DD, for example 2026-03-31.")]})
    certificate = (
        Certificate.objects.select_related("service__provider", "scheme").filter(number=number.strip().upper()).first()
    )
    if certificate is None:
        return render(request, "registry/verify_unknown.html", {"number": number}, status=404)
    events = list(CertificateEvent.objects.filter(certificate=certificate).order_by("-created_at", "-pk"))
    status = status_on(certificate, day, events)
    verdict = VERDICTS.get(status, "unknown")
    # A verdict for another day always comes with today's beside it: a link shared with ?on= must not mislead.
    today_verdict = VERDICTS.get(status_on(certificate, today, events), "unknown") if day != today else None
    changes = queries.accepted_changes_by_certificate([certificate.pk]).get(certificate.pk, ())
    context = {
        "certificate": certificate,
        "day": day,
        "today": today,
        "asked_on": bool(asked_on),
        "status": status,
        "verdict": verdict,
        "today_verdict": today_verdict,
        "gravest": max((verdict, today_verdict or verdict), key=lambda v: GRAVITY.get(v, 2)),
        "notice": status_notice(certificate, events),
        "history": merged_history(events, changes, newest_first=True),
        "surveillance": queries.surveillance_of(certificate),
    }
    return render(request, "registry/verify.html", context)
