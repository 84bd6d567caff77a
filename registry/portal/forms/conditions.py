"""The provider's answer to a condition of its certificate: validation and layout only (certificates.surveillance
writes)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from registry.portal.forms.dossiers import CrispyForm, UploadedFileField, file_help

# A provider attaches a few documents to one answer; more go with a later answer if the agency sends it back.
MAX_EVIDENCE_FILES = 5


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class EvidenceField(UploadedFileField):
    """Several files in one input, each checked as a dossier's upload is (size, real type)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        files = data if isinstance(data, list | tuple) else ([data] if data else [])
        if len(files) > MAX_EVIDENCE_FILES:
            raise forms.ValidationError(
                _("Attach at most %(count)d files to one answer.") % {"count": MAX_EVIDENCE_FILES}
            )
        return [super(EvidenceField, self).clean(file, initial) for file in files]


class ConditionAnswerForm(CrispyForm):
    response = forms.CharField(
        label=_("Your answer"),
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=20000,
        error_messages={"required": _("Say how the condition is met.")},
    )
    evidence = EvidenceField(label=_("Evidence documents"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["evidence"].help_text = file_help()
