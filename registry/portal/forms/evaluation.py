"""The provider's evaluation contract: the approved centre it engaged, and the signed contract."""

from django import forms
from django.utils.translation import gettext_lazy as _

from registry.catalogue.models import EvaluationCenter
from registry.portal.forms.dossiers import CrispyForm, UploadedFileField, file_help


class ContractForm(CrispyForm):
    centre = forms.ModelChoiceField(
        label=_("Evaluation centre"),
        queryset=EvaluationCenter.objects.none(),
        empty_label=_("Choose the approved centre"),
        help_text=_("The approved evaluation centre you signed the evaluation contract with."),
    )
    title = forms.CharField(
        label=_("Title (optional)"),
        required=False,
        max_length=200,
        help_text=_("By default: “Evaluation contract with” and the centre's name."),
    )
    file = UploadedFileField(label=_("Signed contract"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Only a centre whose approval is in force takes new work (registry.evaluation.rules.centre_may_take_new_work).
        self.fields["centre"].queryset = EvaluationCenter.objects.filter(active=True).order_by("name")
        self.fields["file"].help_text = file_help()
