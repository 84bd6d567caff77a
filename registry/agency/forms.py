"""Forms of the reviewers' workspace: what each move asks for. Validation only; the services hold the rules."""

from django import forms
from django.utils.translation import gettext_lazy as _

from registry.catalogue.models import EvaluationCenter
from registry.qualification.models import Answer, Document

COMMENT_HELP = _("The provider reads this in the dossier's timeline and in the e-mail it receives.")


class MoveForm(forms.Form):
    comment = forms.CharField(
        label=_("Comment"), widget=forms.Textarea(attrs={"rows": 4}), required=False, help_text=COMMENT_HELP
    )


class ReasonForm(MoveForm):
    comment = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 5}), help_text=COMMENT_HELP)


class RequestChangesForm(MoveForm):
    comment = forms.CharField(
        label=_("What the provider must change"), widget=forms.Textarea(attrs={"rows": 6}), help_text=COMMENT_HELP
    )


class AdmitForm(MoveForm):
    evaluation_center = forms.ModelChoiceField(
        label=_("Evaluation centre"),
        queryset=EvaluationCenter.objects.filter(active=True),
        help_text=_("The approved centre whose evaluation contract has been validated."),
    )


class QualifyForm(MoveForm):
    scope = forms.CharField(
        label=_("Scope of the qualification"),
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Printed on the certificate and published in the registry."),
    )
    conditions = forms.CharField(
        label=_("Conditions and reserves"),
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
        help_text=_("Published with the certificate. Leave empty for an unconditional qualification."),
    )
    confirm_major_findings = forms.BooleanField(
        label=_("I qualify the service although major non-conformities are open"),
        required=False,
        help_text=_("Asked only when the instruction left major non-conformities; recorded with the decision."),
    )


MOVE_FORMS = {
    "take": MoveForm,
    "request_changes": RequestChangesForm,
    "admit": AdmitForm,
    "report": MoveForm,
    "qualify": QualifyForm,
    "reject": ReasonForm,
    "send_back": ReasonForm,
    "declare_inadmissible": ReasonForm,
}


class CertificateReasonForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"),
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("Published in the certificate's public history."),
    )


class SuspensionForm(CertificateReasonForm):
    effective_on = forms.DateField(
        label=_("Effective from"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),  # what a date input reads, in any language
        help_text=_("Today, or the past day from which the suspension applies; published with the reason."),
    )
    review_on = forms.DateField(
        label=_("Review planned on"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),  # what a date input reads, in any language
        help_text=_("When the agency will decide to reinstate or withdraw the certificate; not published."),
    )
    internal_note = forms.CharField(
        label=_("Internal note"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("For the agency only: never published, never sent to the provider or the public."),
    )


class MessageForm(forms.Form):
    body = forms.CharField(label=_("Message"), widget=forms.Textarea(attrs={"rows": 4}))
    internal = forms.BooleanField(label=_("Internal note (never shown to the provider)"), required=False, initial=False)


class AgencyDocumentForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("Kind"),
        choices=[
            (Document.Kind.EVALUATION_REPORT, Document.Kind.EVALUATION_REPORT.label),
            (Document.Kind.OTHER, Document.Kind.OTHER.label),
        ],
    )
    title = forms.CharField(label=_("Title"), max_length=200)
    file = forms.FileField(label=_("File"))


FINDING_CHOICES = [("", "—"), *Answer.Finding.choices]
