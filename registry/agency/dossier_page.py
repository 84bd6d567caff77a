"""The dossier's page in the agency's workspace: a summary that stays in view, the parts (overview, answers,
documents, messages, timeline) reached by links, the findings saved per chapter, messages, uploads, and one
confirmation page per workflow move (the committee's with the decision brief)."""

from urllib.parse import urlencode

from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_POST

from registry.accounts.auth import require_recent_authentication
from registry.accounts.permissions import actor_for
from registry.agency import evaluation_part
from registry.agency.dossier_answers import answers_part
from registry.agency.forms import FINDING_CHOICES, MOVE_FORMS, AgencyDocumentForm, MessageForm
from registry.agency.times import zoned
from registry.certificates.statuses import certificate_badge
from registry.qualification import review, rules, sovereignty, workflow
from registry.qualification.files import audited_document_response
from registry.qualification.models import Answer, Document, Dossier, DossierEvent, Message
from registry.qualification.selectors import with_instructors
from registry.qualification.services import documents as document_services
from registry.qualification.services import dossiers as services
from registry.qualification.workflow import Refused

# Moves that end a dossier: asked only of someone who signed in or re-authenticated recently (15 minutes).
DECISIONS = {"qualify", "reject", "declare_inadmissible"}
# The committee's moves: their pages show the decision brief.
BRIEFED = ("qualify", "reject", "send_back")


# The parts of the dossier's page, each a short page of its own reached by a link (no JavaScript needed).
PARTS = (
    ("overview", gettext_lazy("Overview")),
    ("answers", gettext_lazy("Answers")),
    ("documents", gettext_lazy("Documents")),
    ("evaluation", gettext_lazy("Evaluation")),
    ("messages", gettext_lazy("Messages")),
    ("timeline", gettext_lazy("Timeline")),
)
PART_KEYS = {key for key, _label in PARTS}


def _call_move(action, dossier, user, data):
    """Dispatch a confirmed move to its service function with what its form collected."""
    comment = data.get("comment", "")
    if action == "admit":
        return services.dossier_admit(dossier=dossier, by=user, comment=comment)
    if action == "qualify":
        return services.dossier_qualify(
            dossier=dossier,
            by=user,
            scope=data["scope"],
            scope_fr=data.get("scope_fr", ""),
            conditions=data.get("conditions", ""),
            conditions_fr=data.get("conditions_fr", ""),
            comment=comment,
            confirm_major_findings=data.get("confirm_major_findings", False),
        )
    if action == "request_changes":
        # Without open findings to tick the form has no items: the request then carries none.
        return services.dossier_request_changes(
            dossier=dossier, by=user, comment=comment, action_item_ids=data.get("action_items", [])
        )
    if action == "report":
        return services.dossier_report(
            dossier=dossier,
            by=user,
            recommendation=data["recommendation"],
            proposed_conditions=data.get("proposed_conditions", ""),
            comment=comment,
        )
    service = {
        "take": services.dossier_take,
        "reject": services.dossier_reject,
        "send_back": services.dossier_send_back,
        "declare_inadmissible": services.dossier_declare_inadmissible,
    }[action]
    return service(dossier=dossier, by=user, comment=comment)


def _change_request_summary(items) -> str:
    """The comment a change request starts from: which findings it carries. The reviewer edits it."""
    if not items:
        return ""
    refs = ", ".join(a.requirement.ref for a in items)
    return ngettext(
        "Please address the finding listed with this request (%(refs)s), then resubmit the dossier.",
        "Please address the %(count)d findings listed with this request (%(refs)s), then resubmit the dossier.",
        len(items),
    ) % {"count": len(items), "refs": refs}


def _age(moment) -> str:
    days = (timezone.now() - moment).days
    return ngettext("%(count)d day", "%(count)d days", days) % {"count": days}


class DossierPageMixin:
    fieldsets = [
        (None, {"fields": ["reference", "status", "status_changed_at_zoned", "kind", "renews"]}),
        (gettext_lazy("Service"), {"fields": ["provider", "service", "scheme"]}),
        (
            gettext_lazy("Instruction"),
            {"fields": ["instructing_reviewer", "evaluation_center", "decision_maker", "certificate_link"]},
        ),
        (
            gettext_lazy("Declaration"),
            {
                "fields": [
                    "declared_by_name",
                    "declared_by_capacity",
                    "declared_by",
                    "declared_at_zoned",
                    "listed_in_process_consent",
                    "created_at_zoned",
                ]
            },
        ),
    ]

    status_changed_at_zoned = zoned(Dossier, "status_changed_at")
    declared_at_zoned = zoned(Dossier, "declared_at")
    created_at_zoned = zoned(Dossier, "created_at")

    # Nothing on a dossier is edited by hand: every change is a workflow move with its own page.
    def get_readonly_fields(self, request, obj=None):
        return [f for fs in self.fieldsets for f in fs[1]["fields"]]

    @admin.display(description=gettext_lazy("certificate"))
    def certificate_link(self, obj):
        certificate = getattr(obj, "certificate", None)
        if certificate is None:
            return "—"
        url = reverse("admin:registry_certificate_change", args=[certificate.pk])
        return format_html('<a href="{}">{}</a> {}', url, certificate.number, certificate_badge(certificate.status))

    def page_urls(self):
        wrap = self.admin_site.admin_view
        return [
            path("<int:pk>/move/<slug:action>/", wrap(self.move_view), name="registry_dossier_move"),
            path("<int:pk>/findings/", wrap(self.findings_view), name="registry_dossier_findings"),
            path("<int:pk>/message/", wrap(self.message_view), name="registry_dossier_message"),
            path("<int:pk>/upload/", wrap(self.upload_view), name="registry_dossier_upload"),
            path("document/<int:pk>/", wrap(self.document_view), name="registry_document_download"),
        ]

    def _dossier(self, request, pk) -> Dossier:
        if not self.has_view_permission(request):
            raise PermissionDenied
        dossier = get_object_or_404(
            Dossier.objects.select_related("service__provider", "scheme", "instructing_reviewer", "evaluation_center"),
            pk=pk,
        )
        return with_instructors(dossier)  # the moves it offers follow the four-eyes rule

    def _back(self, dossier, part="overview", query="", fragment=""):
        """The dossier's page, on `part`, with the rest of the query string and the #fragment to land on."""
        url = reverse("admin:registry_dossier_change", args=[dossier.pk])
        if part != "overview" or query:
            url += "?" + urlencode({"part": part}) + (f"&{query}" if query else "")
        return redirect(url + (f"#{fragment}" if fragment else ""))

    def _summary(self, dossier, actor) -> dict:
        """What stays in view on every part: where the dossier is, who has it, and the moves open to this person, each
        with what it still lacks (said here, before its page is even opened)."""
        moves = workflow.available_actions(actor, dossier, agency=True)
        facts = services.gather_facts(dossier) if moves else None
        blocked = [(move, problems) for move in moves if (problems := workflow.missing_before(move.action, facts))]
        report_missing = any(move.action == "report" for move, _problems in blocked)
        return {
            "dossier": dossier,
            "original": dossier,
            "opts": self.model._meta,
            "actions_available": moves,
            "blocked_moves": blocked,
            # What "send to decision" waits on is the centre's work: the link goes to the evaluation part.
            "report_missing": report_missing,
            "age_in_status": _age(dossier.status_changed_at),
            "parts": PARTS,
        }

    def change_view(self, request, object_id, form_url="", extra_context=None):
        # The admin's own change form would offer to edit what only moves change: the page is ours, in parts.
        if request.method != "GET":
            raise PermissionDenied
        dossier = self._dossier(request, object_id)
        return self._render_page(request, dossier, request.GET.get("part", ""), request.GET)

    def _render_page(self, request, dossier, part, params, *, typed=None, errors=None):
        part = part if part in PART_KEYS else "overview"
        actor = actor_for(request.user)
        context = {
            **self.admin_site.each_context(request),
            **self._summary(dossier, actor),
            "part": part,
            "title": _("Dossier %(reference)s") % {"reference": dossier.reference},
        }
        context.update(getattr(self, f"_part_{part}")(request, dossier, actor, params, typed=typed, errors=errors))
        services.dossier_mark_seen(dossier=dossier, by=request.user)
        return TemplateResponse(request, "admin/registry/dossier/change_form.html", context)

    def _part_overview(self, request, dossier, actor, params, **_kw):
        fieldsets = self.get_fieldsets(request, dossier)
        form = self.get_form(request, dossier, change=True, fields=[])(instance=dossier)
        return {
            "adminform": helpers.AdminForm(form, fieldsets, {}, self.get_readonly_fields(request, dossier), self),
            "sovereignty": sovereignty.evaluate(dossier),
            "changes": review.changes_since_request(dossier),
        }

    def _part_answers(self, request, dossier, actor, params, *, typed=None, errors=None):
        changes = review.changes_since_request(dossier)
        answers = answers_part(
            dossier,
            chapter_ref=params.get("chapter", ""),
            filter_key=params.get("filter", ""),
            changes=changes,
            typed=typed,
            errors=errors,
        )
        return {
            "answers": answers,
            "changes": changes,
            "findings_open": rules.may_record_findings(actor, dossier),
            "finding_choices": FINDING_CHOICES,
        }

    def _part_documents(self, request, dossier, actor, params, **_kw):
        return {
            "documents": dossier.documents.of_instruction()
            .select_related("uploaded_by")
            .order_by("kind", "title", "-version"),
            "upload_form": AgencyDocumentForm(),
            "may_upload": rules.may_add_document(actor, dossier),
        }

    def _part_evaluation(self, request, dossier, actor, params, **_kw):
        return evaluation_part.context(dossier, actor)

    def _part_messages(self, request, dossier, actor, params, **_kw):
        return {
            "thread": Message.objects.filter(dossier=dossier).select_related("author").prefetch_related("attachments"),
            "message_form": MessageForm(),
            "may_write": not rules.message_refusal(actor, dossier),
        }

    def _part_timeline(self, request, dossier, actor, params, **_kw):
        return {"events": DossierEvent.objects.filter(dossier=dossier).select_related("actor")}

    def history_view(self, request, object_id, extra_context=None):
        # The admin's own history reads LogEntry, which the services do not write: the dossier's events are its history.
        dossier = self._dossier(request, object_id)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "dossier": dossier,
            "events": DossierEvent.objects.filter(dossier=dossier).select_related("actor"),
            "title": _("History of %(reference)s") % {"reference": dossier.reference},
        }
        return TemplateResponse(request, "admin/registry/dossier/history.html", context)

    def _move_form(self, action, dossier, data, brief):
        form_class = MOVE_FORMS[action]
        if action == "request_changes":
            items = review.open_findings(dossier, include_internal=False)
            initial = {"action_items": [a.pk for a in items], "comment": _change_request_summary(items)}
            return form_class(data, items=items, initial=initial)
        if action == "qualify" and brief is not None and brief.recommendation is not None:
            return form_class(data, initial={"conditions": brief.recommendation.proposed_conditions})
        return form_class(data)

    def move_view(self, request, pk, action):
        dossier = self._dossier(request, pk)
        if action not in MOVE_FORMS:
            raise Http404("No such move.")
        actor = actor_for(request.user)
        allowed, reason = workflow.can(actor, dossier, action)
        if not allowed:
            if request.method == "POST":
                raise PermissionDenied(reason)
            messages.error(request, reason)
            return self._back(dossier)
        if action in DECISIONS:
            require_recent_authentication(request)
        # The committee decides from one brief: recommendation, open findings, report, checks, contradictions.
        brief = review.decision_brief(dossier) if action in BRIEFED else None
        form = self._move_form(action, dossier, request.POST or None, brief)
        majors = services.open_major_findings(dossier) if action == "qualify" else []
        if action == "qualify" and not majors:
            del form.fields["confirm_major_findings"]  # nothing to confirm
        # What the dossier lacks for this move, said before anything is typed (a report to upload, a centre to choose).
        missing = workflow.missing_before(action, services.gather_facts(dossier, by=request.user))
        if request.method == "POST" and form.is_valid() and not missing:
            try:
                result = _call_move(action, dossier, request.user, form.cleaned_data)
            except Refused as exc:
                form.add_error(None, str(exc))
            else:
                move = workflow.MOVES[action]
                if action == "qualify":
                    messages.success(
                        request, _("Qualified. Certificate %(number)s issued.") % {"number": result.number}
                    )
                else:
                    messages.success(request, _("Done: %(move)s.") % {"move": move.label})
                return self._back(dossier)
        context = {
            **self.admin_site.each_context(request),
            **self._summary(dossier, actor),
            "move": workflow.MOVES[action],
            "form": form,
            "title": f"{workflow.MOVES[action].label} – {dossier.reference}",
            "sovereignty": sovereignty.evaluate(dossier) if action == "admit" else None,
            "brief": brief,
            "brief_findings": [
                (brief.open_major, _("Open major non-conformities")),
                (brief.open_minor, _("Open minor non-conformities")),
            ]
            if brief is not None
            else [],
            "missing": missing,
            "report_missing": action == "report" and bool(missing),
            "open_major_findings": majors,
        }
        return TemplateResponse(request, "admin/registry/dossier/move.html", context)

    def findings_view(self, request, pk):
        return require_POST(self._findings)(request, pk)

    def _findings(self, request, pk):
        """Save one chapter's findings, then back to the same chapter, filter and line. A line the service refuses
        keeps what was typed on every line, with the reason beside it."""
        dossier = self._dossier(request, pk)
        # Asked before reading the form: someone else's unchanged form must be refused, not "0 findings saved".
        refusal = rules.findings_refusal(actor_for(request.user), dossier)
        if refusal:
            raise PermissionDenied(refusal)
        chapter, filter_key = request.POST.get("chapter", ""), request.POST.get("filter", "")
        lines = Answer.objects.filter(dossier=dossier, requirement__parent__ref=chapter).order_by(
            "requirement__position"
        )
        typed, errors, saved = {}, {}, []
        for answer in lines:
            finding = request.POST.get(f"finding-{answer.pk}")
            if finding is None:
                continue  # not on the form that was sent
            note = request.POST.get(f"note-{answer.pk}", "").strip()
            internal = bool(finding) and request.POST.get(f"internal-{answer.pk}") == "on"  # as the service keeps it
            typed[answer.pk] = {"finding": finding, "note": note, "internal": internal}
            if (finding, note, internal) == (answer.finding, answer.finding_note, answer.finding_internal):
                continue
            try:
                services.answer_record_finding(
                    answer=answer, by=request.user, finding=finding, note=note, internal=internal
                )
            except Refused as exc:
                errors[answer.pk] = str(exc)
            else:
                saved.append(answer)
        if saved or not errors:
            messages.success(
                request,
                ngettext("%(count)d finding saved.", "%(count)d findings saved.", len(saved)) % {"count": len(saved)},
            )
        query = urlencode({"chapter": chapter, "filter": filter_key})
        if errors:
            messages.error(
                request,
                ngettext(
                    "%(count)d finding was not saved: see the reason beside it; what you typed is kept.",
                    "%(count)d findings were not saved: see the reason beside each; what you typed is kept.",
                    len(errors),
                )
                % {"count": len(errors)},
            )
            return self._render_page(
                request, dossier, "answers", {"chapter": chapter, "filter": filter_key}, typed=typed, errors=errors
            )
        return self._back(dossier, "answers", query, f"answer-{saved[0].pk}" if saved else "tcr-chapter-title")

    def message_view(self, request, pk):
        return require_POST(self._message)(request, pk)

    def _message(self, request, pk):
        dossier = self._dossier(request, pk)
        form = MessageForm(request.POST)
        if not form.is_valid():
            messages.error(request, _("The message is empty."))
            return self._back(dossier, "messages")
        try:
            services.message_post(
                dossier=dossier, by=request.user, body=form.cleaned_data["body"], internal=form.cleaned_data["internal"]
            )
        except Refused as exc:
            raise PermissionDenied(str(exc)) from exc
        if form.cleaned_data["internal"]:
            messages.success(request, _("Internal note saved."))
        else:
            messages.success(request, _("Message sent to the provider."))
        return self._back(dossier, "messages", fragment="tcr-thread-end")

    def upload_view(self, request, pk):
        return require_POST(self._upload)(request, pk)

    def _upload(self, request, pk):
        dossier = self._dossier(request, pk)
        # Back where the form was: beside the step that needed the report (overview) or with the documents.
        part = "overview" if request.POST.get("part") == "overview" else "documents"
        form = AgencyDocumentForm(request.POST, request.FILES)
        if not form.is_valid():
            messages.error(request, " ".join(e for errors in form.errors.values() for e in errors))
            return self._back(dossier, part, fragment="tcr-upload")
        try:
            document = document_services.document_add(
                dossier=dossier,
                kind=form.cleaned_data["kind"],
                title=form.cleaned_data["title"],
                uploaded=form.cleaned_data["file"],
                by=request.user,
            )
        except Refused as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, _("Document “%(title)s” added (version %(version)d).") % {
                "title": document.title, "version": document.version
            })  # fmt: skip
        return self._back(dossier, part, fragment="tcr-upload" if part == "documents" else "")

    def document_view(self, request, pk):
        # Evidence is confidential: only agency staff allowed to view documents get it, never from a public URL.
        if not request.user.has_perm("registry.view_document"):
            raise PermissionDenied
        document = get_object_or_404(Document, pk=pk)
        return audited_document_response(request, document)
