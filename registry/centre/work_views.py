"""What the centre's work pages share, for a dossier's evaluation (views/plans.py, views/grid.py) and a surveillance
audit's (views/surveillance.py): the page's context, the verdict form, and the POST that runs a service. Here and not
in views/: nothing but urls.py imports a views module."""

from collections.abc import Callable

from django.contrib import messages
from django.shortcuts import redirect

from registry.centre.forms import VerdictForm
from registry.evaluation import rules
from registry.qualification.workflow import Refused


def page(evaluator, **values) -> dict:
    """The context every centre work page starts from: who reads it, their centre, whether their approval lapsed."""
    return {"evaluator": evaluator, "centre": evaluator.centre, "lapsed": rules.approval_lapsed(evaluator), **values}


def verdict_form(data, *, refusal: str, existing, documents) -> VerdictForm | None:
    """The form for the centre's verdict, starting from the one recorded; None when the grid is closed to it (the
    page then shows the verdict and the refusal)."""
    if refusal:
        return None
    initial = {}
    if existing is not None:
        initial = {
            "value": existing.value,
            "evidence_reviewed": existing.evidence_reviewed,
            "note": existing.note,
            "documents": [d.pk for d in existing.documents.all()],
        }
    return VerdictForm(data, documents=documents, initial=initial)


def post(request, form, write: Callable, success: Callable):
    """Run a write from a POSTed form: (redirect, 302) once written, else (None, status) with the page to show again.
    `form` None: the write is not allowed now (403, the page says why). `write(cleaned_data)` calls the service;
    `success(written)` gives the message to show and where to go. A refusal of the service comes back on the form
    with what was typed (400)."""
    if form is None:
        return None, 403
    if not form.is_valid():
        return None, 400
    try:
        written = write(form.cleaned_data)
    except Refused as exc:
        form.add_error(None, str(exc))
        return None, 400
    message, url = success(written)
    messages.success(request, message)
    return redirect(url), 302


def verdict_fields(data) -> dict:
    """The verdict form's cleaned data as the services' verdict_record / audit_verdict_record take it."""
    return {key: data[key] for key in ("value", "evidence_reviewed", "note", "documents")}


def report_fields(data) -> dict:
    """The report form's cleaned data as the services' report_submit / audit_report_submit take it."""
    return {"uploaded": data["file"], "title": data["title"], "conclusion": data["conclusion"]}
