"""The forms of a change notice: the live edit's own forms, bound to the proposed record instead of the rows."""

from django import forms
from django.core.exceptions import ValidationError
from django.forms import BaseFormSet, formset_factory
from django.utils.translation import gettext_lazy as _

from registry.certificates.choices import ChangeKind, ChangeType
from registry.portal.forms.organisation import PortalForm, ShareholderForm, SiteForm, ThirdPartyForm
from registry.providers.models import Provider
from registry.providers.rules import CONTROLLED_PROVIDER_FIELDS, ownership_totals_refusals


class ProposedRowsFormSet(BaseFormSet):
    """A formset over the proposed record's rows (no database rows): its valid content as plain dicts."""

    fields: tuple = ()

    def rows(self) -> list[dict]:
        rows = []
        for index, form in enumerate(self.forms):
            if index >= self.initial_form_count() and not form.has_changed():
                continue
            if self.can_delete and self._should_delete_form(form):
                continue
            rows.append({name: form.cleaned_data.get(name) for name in self.fields})
        return rows


class ProposedShareholders(ProposedRowsFormSet):
    fields = ShareholderForm.Meta.fields

    def clean(self):
        super().clean()
        if any(self.errors):
            return
        refusals = ownership_totals_refusals(self.rows())
        if refusals:
            raise ValidationError(refusals)


class ProposedSites(ProposedRowsFormSet):
    fields = SiteForm.Meta.fields


class ProposedThirdParties(ProposedRowsFormSet):
    fields = ThirdPartyForm.Meta.fields


ShareholderRows = formset_factory(ShareholderForm, formset=ProposedShareholders, extra=1, can_delete=True)
SiteRows = formset_factory(SiteForm, formset=ProposedSites, extra=1, can_delete=True)
ThirdPartyRows = formset_factory(ThirdPartyForm, formset=ProposedThirdParties, extra=1, can_delete=True)


class ProposedProviderForm(PortalForm):
    """The organisation's certified fields (legal name, registration id, 19.6.a countries)."""

    class Meta:
        model = Provider
        fields = CONTROLLED_PROVIDER_FIELDS

    def validate_unique(self):
        pass  # the name is checked when the accepted change is applied; a draft may name the organisation anew


class FilingForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind of change"), choices=ChangeKind.choices)
    change_type = forms.ChoiceField(
        label=_("Type"),
        choices=ChangeType.choices,
        help_text=_(
            "Adaptive: the service keeps its nature. Transformative: it changes it (two people at the agency decide)."
        ),
    )
    effective_on = forms.DateField(
        label=_("Effective from"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),  # what a date input reads, in any language
        help_text=_("An ownership or control change (19.6.f) is notified within one month of this date."),
    )
    description = forms.CharField(label=_("Description"), widget=forms.Textarea(attrs={"rows": 4}))


class NoticeDocumentForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    uploaded = forms.FileField(label=_("File (PDF)"))
