"""The start page for a provider thinking of applying, before any account: who may apply, what is needed, the steps
and how long each takes, what becomes public and when, whom to ask."""

from django.conf import settings
from django.shortcuts import render

from registry.catalogue.selectors import approved_centres, current_scheme, requirement_count
from registry.qualification.choices import DocumentKind

LABELS = dict(DocumentKind.choices)


def start(request):
    scheme = current_scheme()
    context = {
        "scheme": scheme,
        "requirements": requirement_count(scheme) if scheme else None,
        # The documents a dossier cannot be submitted without: the scheme's list, as the submission checks it.
        "required_documents": [LABELS.get(kind, kind) for kind in scheme.required_document_kinds] if scheme else [],
        "centres": list(approved_centres()),
        # The agency's own targets (settings/mail.py): reviewers are reminded past the first, an evaluation past the
        # second is late on the workspace's home.
        "review_days": settings.REVIEW_REMINDER_DAYS,
        "evaluation_days": settings.EVALUATION_TARGET_DAYS,
    }
    return render(request, "registry/start.html", context)
