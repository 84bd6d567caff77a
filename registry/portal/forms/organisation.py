"""The provider portal's forms: validation and layout only. Every write goes through registry.services."""

from crispy_forms.helper import FormHelper
from django import forms
from django.core.exceptions import ValidationError
from django.forms import BaseModelFormSet, modelformset_factory
from django.utils.translation import gettext_lazy as _

from registry.core.bilingual_forms import BilingualFormMixin
from registry.providers.models import Membership, Provider, Service, Shareholder, Site, ThirdParty
from registry.providers.offerings import SITE_FIELDS, THIRD_PARTY_FIELDS
from registry.providers.rules import ownership_totals_refusals
from registry.providers.services import PROFILE_FIELDS, SHAREHOLDER_FIELDS
from registry.qualification import sovereignty
from registry.qualification.workflow import Refused


class PortalForm(forms.ModelForm):
    """A model form laid out by crispy-forms, whose <form> tag and buttons the template writes."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False


class ProviderForm(BilingualFormMixin, PortalForm):
    bilingual = ("description",)  # in English and French, each box marked with its language
    website = forms.URLField(label=_("website"), required=False, assume_scheme="https")

    class Meta:
        model = Provider
        fields = PROFILE_FIELDS
        widgets = {
            "description": forms.Textarea(attrs={"rows": 4}),
            "description_fr": forms.Textarea(attrs={"rows": 4}),
        }
        help_texts = {
            "registered_office_country": _("Rule 19.6.a: the three locations must be in EU member states."),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("registered_office_country", "central_administration_country", "principal_establishment_country"):
            self.fields[name].required = True


class ServiceForm(BilingualFormMixin, PortalForm):
    bilingual = ("description",)  # in English and French, each box marked with its language

    class Meta:
        model = Service
        fields = ("name", "service_model", "description", "description_fr")
        widgets = {
            "description": forms.Textarea(attrs={"rows": 4}),
            "description_fr": forms.Textarea(attrs={"rows": 4}),
        }


class RowsFormSet(BaseModelFormSet):
    """A model formset whose valid content is handed to a service as plain rows (dicts), never saved by the form."""

    fields: tuple = ()

    def rows(self) -> list[dict]:
        rows = []
        for form in self.forms:
            if not form.has_changed() and form.instance.pk is None:
                continue
            if self.can_delete and self._should_delete_form(form):
                continue
            row = {name: form.cleaned_data.get(name) for name in self.fields}
            row["id"] = form.instance.pk
            rows.append(row)
        return rows


class ShareholderForm(forms.ModelForm):
    class Meta:
        model = Shareholder
        fields = SHAREHOLDER_FIELDS
        widgets = {
            "capital_percent": forms.NumberInput(attrs={"step": "0.01", "min": "0", "max": "100"}),
            "voting_percent": forms.NumberInput(attrs={"step": "0.01", "min": "0", "max": "100"}),
        }
        help_texts = {"country": ""}  # "where the entity is based" is what the rule above says; not on every row


class BaseShareholderFormSet(RowsFormSet):
    fields = SHAREHOLDER_FIELDS

    def clean(self):
        super().clean()
        if any(self.errors):
            return
        refusals = ownership_totals_refusals(self.rows())
        if refusals:
            raise ValidationError(refusals)


# The extra rows are what a browser without script gets to fill at once; with static/js/formset.js, "Add another".
ShareholderFormSet = modelformset_factory(
    Shareholder, form=ShareholderForm, formset=BaseShareholderFormSet, extra=3, can_delete=True
)


class SiteForm(forms.ModelForm):
    class Meta:
        model = Site
        fields = SITE_FIELDS
        widgets = {"operations": forms.Textarea(attrs={"rows": 1})}
        help_texts = {"operations": ""}  # said once above the rows (19.2.e), not on every row
        labels = {"operations": _("Operations from here")}  # short enough for one line beside the city

    def clean(self):
        cleaned = super().clean()
        # The rule's own refusal, shown next to the field it is about rather than above the whole formset.
        row = Site(**{name: cleaned.get(name) or "" for name in ("role", "country", "operations")})
        try:
            sovereignty.require_listed_support_operations(row)
        except Refused as exc:
            self.add_error("operations", str(exc))
        return cleaned


class BaseSiteFormSet(RowsFormSet):
    fields = SITE_FIELDS


SiteFormSet = modelformset_factory(Site, form=SiteForm, formset=BaseSiteFormSet, extra=3, can_delete=True)


class ThirdPartyForm(forms.ModelForm):
    class Meta:
        model = ThirdParty
        fields = THIRD_PARTY_FIELDS
        widgets = {"autonomy_evidence": forms.Textarea(attrs={"rows": 2})}
        help_texts = {"autonomy_evidence": ""}  # said once above the rows (19.6.d), not on every row

    def __init__(self, *args, qualified_services=None, qualified_choices=None, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["relies_on_service"]
        if qualified_services is not None:
            field.queryset = qualified_services
        if qualified_choices is not None:
            # Computed once for the whole formset: otherwise every row's <select> queries the database again.
            field.choices = qualified_choices


class BaseThirdPartyFormSet(RowsFormSet):
    fields = THIRD_PARTY_FIELDS


ThirdPartyFormSet = modelformset_factory(
    ThirdParty, form=ThirdPartyForm, formset=BaseThirdPartyFormSet, extra=2, can_delete=True
)


class InvitationForm(forms.Form):
    email = forms.EmailField(label=_("E-mail address"))
    role = forms.ChoiceField(label=_("Role"), choices=Membership.Role.choices, initial=Membership.Role.EDITOR)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False


class RoleForm(forms.Form):
    role = forms.ChoiceField(label=_("Role"), choices=Membership.Role.choices)
