"""Checking a certificate: is it valid now, or was it on a given day, from its public status history."""

import datetime
from urllib.parse import urlencode

from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from registry.certificates.models import Certificate, CertificateEvent
from registry.certificates.rules import normalise_certificate_number
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


def _number_asked(typed: str) -> str:
    """The number to look up for what was typed: normalised when it has a number's shape (case, spaces, dashes)."""
    return normalise_certificate_number(typed) or typed.strip().upper()


def _unknown(request, typed: str):
    """The unknown-number page: the form keeps what was typed, says the number looked for (when it differs) and offers
    to search the registry for the text, in process and providers included."""
    context = {
        "number": typed.strip(),
        "looked_for": normalise_certificate_number(typed),
        # A day kept in the form only when it is one (a date field's value must be a date).
        "on": request.GET["on"] if _parse_day(request.GET.get("on") or "") else "",
    }
    return render(request, "registry/verify_unknown.html", context, status=404)


def _verify_url(number: str, on: str) -> str:
    target = reverse("registry:verify-number", kwargs={"number": number})
    return target + "?" + urlencode({"on": on}) if on else target


def verify_form(request):
    typed = request.GET.get("number") or ""
    if typed.strip():
        certificate = Certificate.objects.filter(number=_number_asked(typed)).only("number").first()
        if certificate is None:
            return _unknown(request, typed)
        return redirect(_verify_url(certificate.number, request.GET.get("on") or ""))
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
        Certificate.objects.select_related("service__provider", "scheme").filter(number=_number_asked(number)).first()
    )
    if certificate is None:
        return _unknown(request, number)
    if certificate.number != number:
        # A link with the number written another way (snc-2026-0003) leads to the page of the number as issued.
        return redirect(_verify_url(certificate.number, asked_on or ""))
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
