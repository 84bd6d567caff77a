"""What the workspace's surveillance and condition pages ask for. Validation only; the services hold the rules."""

from django import forms
from django.contrib.auth import get_user_model
from django.db.models import Case, Value, When
from django.utils.translation import gettext_lazy as _

from registry.catalogue.models import EvaluationCenter
from registry.certificates.choices import SurveillanceOutcome
from registry.qualification.workflow import REVIEWERS

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")  # what a date input reads, in any language
# Condition lines offered with an outcome "maintained with conditions": more can be added from the certificate page.
OUTCOME_CONDITION_LINES = 3


class ReviewerChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.get_full_name() or obj.email


class AuditAssignForm(forms.Form):
    evaluation_center = forms.ModelChoiceField(
        label=_("Evaluation centre"), queryset=EvaluationCenter.objects.filter(active=True)
    )
    reviewer = ReviewerChoice(
        label=_("Instructing reviewer"),
        queryset=get_user_model()
        .objects.filter(groups__name=REVIEWERS, is_active=True, is_staff=True)
        .order_by("email"),
        help_text=_(
            "Validates the centre's plan and records the outcome once the centre's report is in. Independent of the "
            "centre: never one of its evaluators."
        ),
    )

    def __init__(self, *args, own_centre=None, **kwargs):
        super().__init__(*args, **kwargs)
        if own_centre is not None:
            # The centre that evaluated the certificate's dossier first: it knows the service.
            field = self.fields["evaluation_center"]
            field.queryset = field.queryset.annotate(
                own=Case(When(pk=own_centre.pk, then=Value(0)), default=Value(1))
            ).order_by("own", "name")
            field.help_text = _("%(centre)s evaluated the certificate's dossier.") % {"centre": own_centre.name}


class AuditOutcomeForm(forms.Form):
    performed_on = forms.DateField(label=_("Performed on"), widget=DATE)
    outcome = forms.ChoiceField(label=_("Outcome"), choices=SurveillanceOutcome.choices, widget=forms.RadioSelect)
    findings = forms.CharField(
        label=_("Findings"),
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("The provider reads them on its certificate's page and in the e-mail it receives."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for line in range(1, OUTCOME_CONDITION_LINES + 1):
            self.fields[f"condition_{line}"] = forms.CharField(
                label=_("Condition %(line)d") % {"line": line},
                required=False,
                widget=forms.Textarea(attrs={"rows": 2}),
                help_text=_("With the outcome “maintained with conditions”: at least one."),
            )
            self.fields[f"condition_{line}_due"] = forms.DateField(
                label=_("Condition %(line)d due on") % {"line": line}, required=False, widget=DATE
            )

    def conditions(self) -> list[tuple]:
        """The condition lines filled in, as (text, due date) pairs for the service (which says what is missing)."""
        data = self.cleaned_data
        return [
            (data.get(f"condition_{line}", ""), data.get(f"condition_{line}_due"))
            for line in range(1, OUTCOME_CONDITION_LINES + 1)
            if data.get(f"condition_{line}", "").strip() or data.get(f"condition_{line}_due")
        ]


class ConditionForm(forms.Form):
    text = forms.CharField(
        label=_("Condition"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("What the provider must do; it reads this in the portal and in the e-mail it receives."),
    )
    due_on = forms.DateField(label=_("Due on"), widget=DATE)


class ConditionReviewForm(forms.Form):
    note = forms.CharField(
        label=_("Note to the provider"),
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Why it is met, what is still missing, or why it is withdrawn."),
    )
