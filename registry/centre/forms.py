"""The forms of the centres' space. Each checks what a person typed; the rules are the services' (registry.evaluation)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from registry.core.validators import validate_single_line
from registry.evaluation.models import Verdict
from registry.evaluation.rules import VERDICTS_WITH_A_NOTE

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")  # what a date input reads, in any language


class EvaluationPlanForm(forms.Form):
    """The centre's evaluation plan: its scope, the service's sites it visits (and any other place), its dates and its
    team. The sites offered are the dossier's service's only."""

    scope = forms.CharField(
        label=_("Scope of the evaluation"),
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("What the evaluation covers: the service's components, the requirements' chapters, the tests."),
    )
    sites = forms.ModelMultipleChoiceField(
        label=_("Sites visited"), queryset=None, required=False, widget=forms.CheckboxSelectMultiple
    )
    other_locations = forms.CharField(
        label=_("Other places visited"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Places that are not among the service's sites (a supplier's premises, a remote session)."),
    )
    starts_on = forms.DateField(label=_("First day"), widget=DATE)
    ends_on = forms.DateField(label=_("Last day"), widget=DATE)
    team = forms.CharField(
        label=_("Team"),
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("One person a line: name, role (the lead evaluator first)."),
    )

    def __init__(self, *args, service, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["sites"]
        field.queryset = service.sites.order_by("role", "country", "city", "pk")
        field.label_from_instance = _site_label

    def clean(self):
        data = super().clean()
        starts_on, ends_on = data.get("starts_on"), data.get("ends_on")
        if starts_on and ends_on and ends_on < starts_on:
            self.add_error("ends_on", _("The last day cannot be before the first day."))
        if "sites" in data and not data["sites"] and not data.get("other_locations", "").strip():
            self.add_error("sites", _("Choose at least one site, or say in “Other places visited” where you go."))
        return data


def _site_label(site) -> str:
    place = site.country.name + (f", {site.city}" if site.city else "")
    return f"{site.get_role_display()}: {place}"


class VerdictForm(forms.Form):
    """The centre's verdict on one requirement: its value, the evidence reviewed (and the dossier's documents among
    it), and a note (required for a non-conformity or an observation: the service says so)."""

    value = forms.ChoiceField(label=_("Verdict"), choices=(), widget=forms.RadioSelect)
    evidence_reviewed = forms.CharField(
        label=_("Evidence reviewed"),
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("What you examined: documents, interviews, tests, site visits."),
    )
    documents = forms.ModelMultipleChoiceField(
        label=_("Documents of the dossier reviewed"), queryset=None, required=False, widget=forms.CheckboxSelectMultiple
    )
    note = forms.CharField(
        label=_("Note"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Required for a non-conformity or an observation: what you found."),
    )

    def __init__(self, *args, documents, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["value"].choices = Verdict.Value.choices
        self.fields["documents"].queryset = documents
        self.fields["documents"].label_from_instance = lambda d: f"{d.get_kind_display()}: {d.title} (v{d.version})"

    def clean(self):
        data = super().clean()
        if data.get("value") in VERDICTS_WITH_A_NOTE and not data.get("note", "").strip():
            self.add_error("note", _("A non-conformity or an observation needs a note saying what you found."))
        return data


class TechnicalReportForm(forms.Form):
    """The centre's technical report: its document and its conclusion, submitted on a complete grid."""

    title = forms.CharField(
        label=_("Title"), max_length=200, initial=_("Technical report"), validators=[validate_single_line]
    )
    file = forms.FileField(label=_("Report (PDF)"))
    conclusion = forms.CharField(
        label=_("Conclusion"),
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("The evaluation's conclusion, as the agency's committee and the provider will read it."),
    )
