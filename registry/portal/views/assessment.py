"""The self-assessment in the portal: a chapter's page, and each answer saved on its own as the provider types.

Nothing typed is lost. static/js/autosave.js saves each answer (status, justification, evidence) when it changes, through
`dossier_answer`, and says "Saved at 10:42" or why not beside it. Without JavaScript the chapter's form is an ordinary
POST: its valid answers are saved, the invalid ones come back with their errors and the text as typed, listed in the
summary at the top with a link to each field. "Save and continue" leads to the next chapter, and after the last to the
documents.

Who may: members of the dossier's provider read; owners and editors write while the dossier is in their hands (draft,
changes requested); a viewer gets 403, anyone else (the agency included) 404, and a dossier with the agency 409 on the
per-answer endpoint, with the reason.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from registry.accounts.permissions import actor_for
from registry.catalogue.models import Requirement
from registry.portal.dossier_context import frame, member_dossier, require_writer
from registry.portal.forms.dossiers import AnswerForm
from registry.qualification import rules
from registry.qualification.models import Answer, Dossier
from registry.qualification.services import answers
from registry.qualification.services import dossiers as svc
from registry.qualification.workflow import Refused


def _documents(dossier) -> dict:
    """The documents an answer may cite: the dossier's current ones, by pk."""
    return {
        d.pk: d
        for d in svc.current_documents(dossier)
        .only("pk", "dossier_id", "kind", "title", "version")
        .order_by("kind", "title")
    }


def _answer_form(data, requirement, documents) -> AnswerForm:
    """The form of one requirement (its `answer` read with its evidence, or None), its prefix naming the requirement."""
    answer = requirement.answer
    cited = dict(documents)
    initial = {}
    if answer is not None:
        evidence = list(answer.evidence.all())
        for document in evidence:
            if document.pk not in cited:  # an older version still cited: kept unless unticked
                document.superseded = True
                cited[document.pk] = document
        initial = {
            "status": answer.status,
            "justification": answer.justification,
            "evidence": [str(d.pk) for d in evidence],
        }
    return AnswerForm(data, prefix=f"r{requirement.pk}", requirement=requirement, documents=cited, initial=initial)


def _save_valid(dossier, by, forms) -> tuple[str, int]:
    """Save the valid answers that changed; a row the services refuse gets the reason on its form.

    Returns the refusal that stops every row (the dossier left the provider's hands meanwhile) or "", and how many
    answers were saved.
    """
    valid = [form for form in forms if form.is_valid() and form.has_changed()]
    if not valid:
        return "", 0
    try:
        answers.answers_save(dossier=dossier, by=by, rows=[form.row() for form in valid])
    except Refused as exc:
        if rules.content_edit_refusal(actor_for(by), Dossier.objects.select_related("service").get(pk=dossier.pk)):
            return str(exc), 0
        # One row refused by a rule the form does not know: save the others one by one, the refused one keeps its text.
        for form in valid:
            try:
                answers.answers_save(dossier=dossier, by=by, rows=[form.row()])
            except Refused as refused:
                form.add_error(None, str(refused))
    return "", sum(1 for form in valid if not form.errors)


def _summary(forms) -> list[dict]:
    """Every error of the chapter, each linked to its field (the first radio or box of a group), for _error_summary."""
    entries = []
    for form in forms:
        if not form.errors:
            continue
        ref = form.requirement.ref
        for message in form.non_field_errors():
            entries.append({"anchor": f"req-{form.requirement.pk}", "label": ref, "message": message})
        for name in ("status", "justification", "evidence"):
            field = form[name]
            anchor = field.id_for_label or f"{field.auto_id}_0"
            for message in field.errors:
                entries.append({"anchor": anchor, "label": f"{ref} {field.label}", "message": message})
    return entries


def _next_url(dossier, progress, current) -> str:
    """Where "Save and continue" leads: the next chapter, or after the last one the documents."""
    index = progress.chapters.index(current)
    if index + 1 < len(progress.chapters):
        return reverse("portal:dossier-assessment", args=[dossier.reference, progress.chapters[index + 1].chapter.ref])
    return reverse("portal:dossier-documents", args=[dossier.reference])


@login_required
def dossier_assessment(request, reference, chapter):
    dossier = member_dossier(request.user, reference)
    progress = answers.dossier_progress(dossier, with_evidence=True)
    current = progress.chapter(chapter)
    if current is None:
        raise Http404("No such chapter.")
    context = frame(request, dossier, active="assessment", progress=progress)
    here = reverse("portal:dossier-assessment", args=[dossier.reference, current.chapter.ref])
    if request.method == "POST":
        require_writer(dossier)
    forms = []
    documents = {}
    if context["may_edit"] or request.method == "POST":
        documents = _documents(dossier)
        data = request.POST if request.method == "POST" else None
        forms = [_answer_form(data, requirement, documents) for requirement in current.requirements]
    if request.method == "POST":
        refusal, saved = _save_valid(dossier, request.user, forms)
        if refusal:
            messages.error(request, refusal)
            return redirect(here)
        invalid = [form for form in forms if form.errors]
        if not invalid:
            messages.success(request, _("Chapter %(ref)s saved.") % {"ref": current.chapter.ref})
            return redirect(_next_url(dossier, progress, current) if "next" in request.POST else here)
        if saved:
            messages.success(
                request,
                ngettext("%(count)d answer saved.", "%(count)d answers saved.", saved) % {"count": saved},
            )
        messages.error(
            request,
            _(
                "Some answers need your attention (marked below): they are not saved yet, and what you typed is kept. "
                "Correct them and save again."
            ),
        )
        # The page shows what is now saved (progress, "answered"), and the refused answers as typed, with their errors.
        errors = {form.requirement.pk: form.non_field_errors() for form in invalid}
        progress = answers.dossier_progress(dossier, with_evidence=True)
        current = progress.chapter(chapter)
        context["progress"] = progress
        forms = [_answer_form(request.POST, requirement, documents) for requirement in current.requirements]
        for form in forms:
            form.is_valid()
            for message in errors.get(form.requirement.pk, ()):
                form.add_error(None, message)
    index = progress.chapters.index(current)
    for requirement in current.requirements:
        # The reviewer's finding, unless it is the agency's internal one.
        requirement.finding_shown = rules.provider_reads_finding(requirement.answer)
    next_chapter = progress.chapters[index + 1] if index + 1 < len(progress.chapters) else None
    context.update(
        {
            "current": current,
            "errors": _summary(form for form in forms if form.is_bound),
            "rows": list(zip(current.requirements, forms or [None] * len(current.requirements), strict=True)),
            "previous_chapter": progress.chapters[index - 1] if index > 0 else None,
            "next_chapter": next_chapter,
        }
    )
    return render(request, "portal/dossier_assessment.html", context)


def _refused(message: str, status: int) -> JsonResponse:
    return JsonResponse({"error": message}, status=status)


@login_required
@require_POST
def dossier_answer(request, reference, requirement):
    """Save one answer (static/js/autosave.js): {"saved": "Saved at 10:42", "answered": bool, "chapter": {"left": n,
    "label": what the chapter's badge says}}, or {"error": why}.

    404 for anyone not a member of the dossier's provider (the agency included) and for a requirement that does not
    apply to the dossier; 403 for a viewer; 409 while the dossier is with the agency or closed; 400 for an answer the
    form refuses (a justification missing), with the form's message.
    """
    dossier = member_dossier(request.user, reference)
    if not dossier.service.provider.may_write:
        return _refused(_("Your role in this organisation is read-only."), 403)
    row = (
        Requirement.objects.filter(pk=requirement, scheme_id=dossier.scheme_id, parent__isnull=False)
        .select_related("parent")
        .first()
    )
    if row is None or not row.applies_to(dossier.service.service_model):
        raise Http404("No such requirement in this dossier.")
    refusal = rules.content_edit_refusal(actor_for(request.user), dossier)
    if refusal:
        return _refused(refusal, 409)
    prefix = f"r{row.pk}"
    if f"{prefix}-status" not in request.POST:
        return _refused(_("The answer was not sent whole; reload the page and try again."), 400)
    row.answer = Answer.objects.filter(dossier=dossier, requirement=row).prefetch_related("evidence").first()
    form = _answer_form(request.POST, row, _documents(dossier))
    if not form.is_valid():
        return _refused(" ".join(message for messages_ in form.errors.values() for message in messages_), 400)
    data = form.cleaned_data
    try:
        answer = answers.answer_save(
            dossier=dossier,
            requirement=row,
            by=request.user,
            status=data["status"],
            justification=data["justification"],
            evidence=data["evidence"],
        )
    except Refused as exc:
        return _refused(str(exc), 409)
    time = date_format(timezone.localtime(timezone.now()), "H:i")
    return JsonResponse(
        {
            "saved": _("Saved at %(time)s") % {"time": time},
            "answered": answer.is_answered,
            "chapter": _chapter_left(dossier, row),
        }
    )


def _chapter_left(dossier, requirement) -> dict:
    """What the chapter's badge says now: how many of its requirements are left, in the page's words."""
    model = dossier.service.service_model
    siblings = [
        r.pk
        for r in Requirement.objects.filter(parent_id=requirement.parent_id).only(
            "pk", "parent_id", "service_models", "retired"
        )
        if r.applies_to(model)
    ]
    answered = sum(
        1
        for a in Answer.objects.filter(dossier=dossier, requirement_id__in=siblings).only("status", "justification")
        if a.is_answered
    )
    left = len(siblings) - answered
    if not left:
        return {"left": 0, "label": _("Chapter complete")}
    label = ngettext("%(counter)s left in this chapter", "%(counter)s left in this chapter", left) % {"counter": left}
    return {"left": left, "label": label}
