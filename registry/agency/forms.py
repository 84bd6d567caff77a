"""Forms of the reviewers' workspace: what each move asks for. Validation only; the services hold the rules."""

from django import forms
from django.utils.translation import gettext_lazy as _

from registry.core.bilingual_forms import BilingualFormMixin
from registry.core.validators import validate_single_line
from registry.qualification.choices import Recommendation
from registry.qualification.models import Answer, Document

COMMENT_HELP = _("The provider reads this in the dossier's timeline and in the e-mail it receives.")


class MoveForm(forms.Form):
    comment = forms.CharField(
        label=_("Comment"), widget=forms.Textarea(attrs={"rows": 4}), required=False, help_text=COMMENT_HELP
    )


class ReasonForm(MoveForm):
    comment = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 5}), help_text=COMMENT_HELP)


class RequestChangesForm(MoveForm):
    """Starts from the open findings the provider may see: each a ticked action item the request carries to them."""

    action_items = forms.TypedMultipleChoiceField(
        label=_("Action items sent with the request"),
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_(
            "The open findings the provider may see, with their notes. Untick those the provider need not act on; "
            "internal findings are never sent."
        ),
    )
    comment = forms.CharField(
        label=_("What the provider must change"), widget=forms.Textarea(attrs={"rows": 6}), help_text=COMMENT_HELP
    )

    def __init__(self, *args, items=(), **kwargs):
        super().__init__(*args, **kwargs)
        if items:
            self.fields["action_items"].choices = [
                (a.pk, f"{a.requirement.ref} {a.requirement.title} – {a.get_finding_display()}"
                 + (f": {a.finding_note}" if a.finding_note else "")) for a in items
            ]  # fmt: skip
        else:
            del self.fields["action_items"]  # nothing to tick: the comment says it all


class ReportForm(forms.Form):
    """ "Send to decision": the instructing reviewer's recommendation to the committee, never shown to the provider."""

    recommendation = forms.ChoiceField(
        label=_("Your recommendation to the committee"), choices=Recommendation.choices, widget=forms.RadioSelect
    )
    proposed_conditions = forms.CharField(
        label=_("Proposed conditions"),
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
        help_text=_("Required when you recommend qualifying with conditions; the committee may take them over."),
    )
    comment = forms.CharField(
        label=_("Rationale"),
        widget=forms.Textarea(attrs={"rows": 6}),
        required=False,
        help_text=_("For the committee: why you recommend this. Never shown to the provider."),
    )

    def clean(self):
        data = super().clean()
        if data.get("recommendation") == Recommendation.CONDITIONS and not data.get("proposed_conditions", "").strip():
            self.add_error("proposed_conditions", _("Say which conditions you propose."))
        return data


class QualifyForm(BilingualFormMixin, MoveForm):
    # Each public text in English and in French; a page in one language shows the other where it is blank.
    bilingual = ("scope", "conditions")
    bilingual_required = ("scope",)

    scope = forms.CharField(
        label=_("Scope of the qualification"),
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Printed on the certificate and published in the registry."),
    )
    scope_fr = forms.CharField(widget=forms.Textarea(attrs={"rows": 4}), required=False)
    conditions = forms.CharField(
        label=_("Conditions and reserves"),
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
        help_text=_("Published with the certificate. Leave empty for an unconditional qualification."),
    )
    conditions_fr = forms.CharField(widget=forms.Textarea(attrs={"rows": 4}), required=False)
    confirm_major_findings = forms.BooleanField(
        label=_("I qualify the service although major non-conformities are open"),
        required=False,
        help_text=_("Asked only when the instruction left major non-conformities; recorded with the decision."),
    )


MOVE_FORMS = {
    "take": MoveForm,
    "request_changes": RequestChangesForm,
    "admit": MoveForm,
    "report": ReportForm,
    "qualify": QualifyForm,
    "reject": ReasonForm,
    "send_back": ReasonForm,
    "declare_inadmissible": ReasonForm,
}


class CertificateReasonForm(BilingualFormMixin, forms.Form):
    bilingual = bilingual_required = ("reason",)

    reason = forms.CharField(
        label=_("Reason"),
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("Published in the certificate's public history."),
    )
    reason_fr = forms.CharField(widget=forms.Textarea(attrs={"rows": 5}), required=False)


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
        # The evaluation report is not the agency's to upload: the centre submits it (registry.evaluation.grid).
        choices=[(Document.Kind.OTHER, Document.Kind.OTHER.label)],
    )
    title = forms.CharField(label=_("Title"), max_length=200, validators=[validate_single_line])
    file = forms.FileField(label=_("File"))


FINDING_CHOICES = [("", "—"), *Answer.Finding.choices]
