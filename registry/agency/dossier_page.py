"""The dossier's page in the agency's workspace: its parts, the findings, messages, uploads and one confirmation
page per workflow move."""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_POST

from registry.accounts import audit
from registry.accounts.auth import require_recent_authentication
from registry.accounts.permissions import actor_for
from registry.agency.forms import FINDING_CHOICES, MOVE_FORMS, AgencyDocumentForm, MessageForm
from registry.certificates.statuses import certificate_badge
from registry.qualification import rules, sovereignty, workflow
from registry.qualification.files import document_response
from registry.qualification.models import Answer, Document, Dossier, DossierEvent, Message
from registry.qualification.selectors import with_instructors
from registry.qualification.services import documents as document_services
from registry.qualification.services import dossiers as services
from registry.qualification.workflow import Refused

# Moves that end a dossier: asked only of someone who signed in or re-authenticated recently (15 minutes).
DECISIONS = {"qualify", "reject", "declare_inadmissible"}


def _call_move(action, dossier, user, data):
    """Dispatch a confirmed move to its service function with what its form collected."""
    comment = data.get("comment", "")
    if action == "admit":
        return services.dossier_admit(
            dossier=dossier, by=user, evaluation_center=data["evaluation_center"], comment=comment
        )
    if action == "qualify":
        return services.dossier_qualify(
            dossier=dossier,
            by=user,
            scope=data["scope"],
            conditions=data.get("conditions", ""),
            comment=comment,
            confirm_major_findings=data.get("confirm_major_findings", False),
        )
    service = {
        "take": services.dossier_take,
        "request_changes": services.dossier_request_changes,
        "report": services.dossier_report,
        "reject": services.dossier_reject,
        "send_back": services.dossier_send_back,
        "declare_inadmissible": services.dossier_declare_inadmissible,
    }[action]
    return service(dossier=dossier, by=user, comment=comment)


class DossierPageMixin:
    change_form_template = "admin/registry/dossier/change_form.html"
    fieldsets = [
        (None, {"fields": ["reference", "status", "status_changed_at", "kind", "renews"]}),
        (gettext_lazy("Service"), {"fields": ["provider", "service", "scheme"]}),
        (
            gettext_lazy("Instruction"),
            {"fields": ["instructing_reviewer", "evaluation_center", "decision_maker", "certificate_link"]},
        ),
        (
            gettext_lazy("Declaration"),
            {"fields": ["declared_by", "declared_at", "listed_in_process_consent", "created_at"]},
        ),
    ]

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
            Dossier.objects.select_related("service__provider", "scheme", "instructing_reviewer"), pk=pk
        )
        return with_instructors(dossier)  # the moves it offers follow the four-eyes rule

    def _back(self, dossier):
        return redirect("admin:registry_dossier_change", dossier.pk)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        dossier = self._dossier(request, object_id)
        actor = actor_for(request.user)
        answers = (
            Answer.objects.filter(dossier=dossier)
            .select_related("requirement", "requirement__parent", "finding_by")
            .prefetch_related(
                Prefetch("evidence", queryset=Document.objects.only("pk", "title", "version", "dossier_id"))
            )
            .order_by("requirement__position")
        )
        extra = {
            "actions_available": workflow.available_actions(actor, dossier, agency=True),
            "sovereignty": sovereignty.evaluate(dossier),
            "answers": answers,
            "findings_open": rules.may_record_findings(actor, dossier),
            "finding_choices": FINDING_CHOICES,
            "documents": dossier.documents.select_related("uploaded_by").order_by("kind", "title", "-version"),
            "thread": Message.objects.filter(dossier=dossier).select_related("author").prefetch_related("attachments"),
            "events": DossierEvent.objects.filter(dossier=dossier).select_related("actor"),
            "message_form": MessageForm(),
            "upload_form": AgencyDocumentForm(),
            "may_upload": rules.may_add_document(actor, dossier),
            "may_write": bool(actor.groups),
        }
        return super().change_view(request, object_id, form_url, extra_context={**(extra_context or {}), **extra})

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

    def move_view(self, request, pk, action):
        dossier = self._dossier(request, pk)
        form_class = MOVE_FORMS.get(action)
        if form_class is None:
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
        form = form_class(request.POST or None)
        majors = services.open_major_findings(dossier) if action == "qualify" else []
        if action == "qualify" and not majors:
            del form.fields["confirm_major_findings"]  # nothing to confirm
        # What the dossier lacks for this move, said before anything is typed (a report to upload, a centre to choose).
        missing = workflow.missing_before(action, services.gather_facts(dossier))
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
            "opts": self.model._meta,
            "dossier": dossier,
            "move": workflow.MOVES[action],
            "form": form,
            "title": f"{workflow.MOVES[action].label} – {dossier.reference}",
            "sovereignty": sovereignty.evaluate(dossier) if action in ("admit", "qualify", "reject") else None,
            "missing": missing,
            "open_major_findings": majors,
        }
        return TemplateResponse(request, "admin/registry/dossier/move.html", context)

    def findings_view(self, request, pk):
        return require_POST(self._findings)(request, pk)

    def _findings(self, request, pk):
        dossier = self._dossier(request, pk)
        # Asked before reading the form: someone else's unchanged form must be refused, not "0 findings saved".
        refusal = rules.findings_refusal(actor_for(request.user), dossier)
        if refusal:
            raise PermissionDenied(refusal)
        changed = 0
        try:
            for answer in Answer.objects.filter(dossier=dossier):
                finding = request.POST.get(f"finding-{answer.pk}")
                note = request.POST.get(f"note-{answer.pk}")
                if finding is None or (finding == answer.finding and (note or "") == answer.finding_note):
                    continue
                services.answer_record_finding(answer=answer, by=request.user, finding=finding, note=note or "")
                changed += 1
        except Refused as exc:
            raise PermissionDenied(str(exc)) from exc
        messages.success(
            request,
            ngettext("%(count)d finding saved.", "%(count)d findings saved.", changed) % {"count": changed},
        )
        return self._back(dossier)

    def message_view(self, request, pk):
        return require_POST(self._message)(request, pk)

    def _message(self, request, pk):
        dossier = self._dossier(request, pk)
        form = MessageForm(request.POST)
        if not form.is_valid():
            messages.error(request, _("The message is empty."))
            return self._back(dossier)
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
        return self._back(dossier)

    def upload_view(self, request, pk):
        return require_POST(self._upload)(request, pk)

    def _upload(self, request, pk):
        dossier = self._dossier(request, pk)
        form = AgencyDocumentForm(request.POST, request.FILES)
        if not form.is_valid():
            messages.error(request, " ".join(e for errors in form.errors.values() for e in errors))
            return self._back(dossier)
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
        return self._back(dossier)

    def document_view(self, request, pk):
        # Evidence is confidential: only agency staff allowed to view documents get it, never from a public URL.
        if not request.user.has_perm("registry.view_document"):
            raise PermissionDenied
        document = get_object_or_404(Document, pk=pk)
        response = document_response(document)
        audit.record(
            "document.download",
            request=request,
            obj=document,
            dossier=document.dossier.reference,
            status=response.status_code,
        )
        return response
