"""The portal's incident forms: validation and layout only; registry.certificates.incidents writes, and the times are
judged by registry.certificates.incident_rules, the same rules the service applies."""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from registry.certificates import incident_rules
from registry.certificates.choices import IncidentStage
from registry.core.validators import validate_single_line
from registry.portal.forms.dossiers import CrispyForm, UploadedFileField


class MomentInput(forms.DateTimeInput):
    """The browser's date-and-time picker; the value is read in the agency's zone, which the field's help names."""

    input_type = "datetime-local"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%dT%H:%M")


def moment_field(label, *, required=True, help_text=""):
    field = forms.DateTimeField(label=label, required=required, widget=MomentInput(), help_text=help_text)
    field.moment_help = help_text  # the zone is added per request (IncidentFacts), in the reader's language
    return field


class IncidentFacts(CrispyForm):
    """What every report may state: the impact and the two flags (a later report corrects them), and documents."""

    impact = forms.CharField(
        label=_("Impact"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("What was affected: functions, customers, data, for how long."),
    )
    customer_data_affected = forms.BooleanField(label=_("Customer data was affected"), required=False)
    sovereignty_affected = forms.BooleanField(
        label=_("Sovereignty was affected"),
        required=False,
        help_text=_("Data or operations were reached from outside the EU, or an extra-EU authority is involved."),
    )
    body = forms.CharField(label=_("Report"), widget=forms.Textarea(attrs={"rows": 6}))
    document_title = forms.CharField(
        label=_("Document title"), required=False, max_length=200, validators=[validate_single_line]
    )
    document = UploadedFileField(label=_("Incident report document"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        zone = gettext("Time in the %(zone)s zone.") % {"zone": timezone.get_current_timezone_name()}
        for field in self.fields.values():
            if isinstance(field.widget, MomentInput):
                field.help_text = f"{field.moment_help} {zone}".strip()

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("document") and not (cleaned.get("document_title") or "").strip():
            self.add_error("document_title", _("Please give the document a title."))
        if (
            (cleaned.get("document_title") or "").strip()
            and not cleaned.get("document")
            and not self.has_error("document")
        ):
            self.add_error("document", _("Please choose the file to file under this title."))
        return cleaned

    def documents(self) -> list:
        document = self.cleaned_data.get("document")
        return [(self.cleaned_data["document_title"], document)] if document else []

    def add_time_errors(self, **times):
        for name, message in incident_rules.times_refusals(now=timezone.now(), **times).items():
            if name in self.fields and not self.has_error(name):
                self.add_error(name, message)


class IncidentDeclareForm(IncidentFacts):
    certificate = forms.ModelChoiceField(
        label=_("Certified service"), queryset=None, empty_label=None, help_text=_("The service and its certificate.")
    )
    title = forms.CharField(label=_("Title"), max_length=200, validators=[validate_single_line])
    detected_at = moment_field(_("Detected at"))
    started_at = moment_field(_("Started at"), required=False, help_text=_("If known."))

    field_order = [
        "certificate", "title", "detected_at", "started_at", "impact", "customer_data_affected",
        "sovereignty_affected", "body", "document_title", "document",
    ]  # fmt: skip

    def __init__(self, *args, certificates, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["certificate"].queryset = certificates
        self.fields["certificate"].label_from_instance = lambda c: f"{c.service.name} – {c.number} ({c.scheme})"
        self.fields["body"].label = _("Initial report")

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("detected_at"):
            self.add_time_errors(detected_at=cleaned["detected_at"], started_at=cleaned.get("started_at"))
        return cleaned


class IncidentReportForm(IncidentFacts):
    stage = forms.ChoiceField(
        label=_("Kind of report"),
        choices=[(stage.value, stage.label) for stage in incident_rules.LATER_STAGES],
        initial=IncidentStage.ONGOING,
        widget=forms.RadioSelect,
        help_text=_("The final report closes the incident: nothing is reported after it."),
    )
    started_at = moment_field(
        _("Started at"), required=False, help_text=_("If known; left empty, the start already known stays.")
    )
    ended_at = moment_field(_("Ended at"), required=False, help_text=_("With the final report only."))

    field_order = [
        "stage", "started_at", "ended_at", "impact", "customer_data_affected", "sovereignty_affected", "body",
        "document_title", "document",
    ]  # fmt: skip

    def __init__(self, *args, incident, **kwargs):
        initial = {
            name: getattr(incident, name) for name in ("impact", "customer_data_affected", "sovereignty_affected")
        }
        if incident.started_at:
            initial["started_at"] = timezone.localtime(incident.started_at)
        super().__init__(*args, initial=initial, **kwargs)
        self.incident = incident

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("stage"):
            self.add_time_errors(
                detected_at=self.incident.detected_at,
                started_at=cleaned.get("started_at") or self.incident.started_at,
                ended_at=cleaned.get("ended_at"),
                final=cleaned["stage"] == IncidentStage.FINAL,
            )
        return cleaned

    def restated(self) -> dict:
        """What the report states of the incident; a start left empty keeps the one already known."""
        names = ("impact", "customer_data_affected", "sovereignty_affected", "started_at")
        return {name: self.cleaned_data[name] for name in names if self.cleaned_data[name] is not None}
