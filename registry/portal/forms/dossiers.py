"""The portal's dossier forms: validation and layout only; every write goes through the qualification services."""

from crispy_forms.helper import FormHelper
from django import forms
from django.conf import settings
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _

from registry.catalogue.models import Scheme
from registry.core.validators import validate_single_line
from registry.qualification.choices import AFTER_QUALIFICATION_DOCUMENT_KINDS
from registry.qualification.models import Answer, Document, Dossier
from registry.qualification.services.documents import check_upload
from registry.qualification.workflow import Refused

# The agency's own kinds: a provider never uploads the evaluation report; the kinds of the certificate's later life
# are filed with what they support (a change notice, a condition, an incident), never as a dossier's evidence.
PROVIDER_KINDS = [
    (value, label)
    for value, label in Document.Kind.choices
    if value != Document.Kind.EVALUATION_REPORT and value not in AFTER_QUALIFICATION_DOCUMENT_KINDS
]
# A change re-evaluation is opened by the agency on a change notice, never by the provider.
APPLICATION_KINDS = [(value, label) for value, label in Dossier.Kind.choices if value != Dossier.Kind.CHANGE]


class CrispyForm(forms.Form):
    """A form laid out by crispy-forms, whose <form> tag and buttons the template writes."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False


def accepted_types() -> str:
    return ", ".join(t.split("/")[-1].upper() for t in settings.DOCUMENT_ALLOWED_TYPES)


def file_help() -> str:
    return _("%(types)s, up to %(limit)s.") % {
        "types": accepted_types(),
        "limit": filesizeformat(settings.DOCUMENT_MAX_UPLOAD_BYTES),
    }


class UploadedFileField(forms.FileField):
    """A file field checked by the documents service's own rules (size, real type, readable PDF), next to the field."""

    def __deepcopy__(self, memo):
        # Each form gets a copy of the field: the accepted types and the limit are read then, as settings may change.
        field = super().__deepcopy__(memo)
        field.help_text = file_help()
        field.widget.attrs["accept"] = ",".join(settings.DOCUMENT_ALLOWED_TYPES)
        return field

    def clean(self, data, initial=None):
        uploaded = super().clean(data, initial)
        if uploaded:
            try:
                check_upload(uploaded)
            except Refused as exc:
                raise forms.ValidationError(str(exc)) from exc
            uploaded.seek(0)
        return uploaded


class DossierNewForm(CrispyForm):
    scheme = forms.ModelChoiceField(label=_("Scheme"), queryset=Scheme.objects.none(), empty_label=None)
    kind = forms.ChoiceField(
        label=_("Kind of application"),
        choices=APPLICATION_KINDS,
        initial=Dossier.Kind.INITIAL,
        widget=forms.RadioSelect,
    )
    renews = forms.ModelChoiceField(
        label=_("Certificate to renew"),
        queryset=None,
        required=False,
        empty_label=_("(none)"),
        help_text=_("Only for a renewal: one of the service's certificates in force."),
    )

    def __init__(self, *args, schemes, certificates, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["scheme"].queryset = schemes
        self.fields["renews"].queryset = certificates
        self.fields["renews"].label_from_instance = lambda c: f"{c.number} – {c.scheme} – {c.get_status_display()}"

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("kind") == Dossier.Kind.RENEWAL and not cleaned.get("renews"):
            self.add_error("renews", _("Choose the certificate this dossier renews."))
        return cleaned


class AnswerForm(forms.Form):
    """One requirement's self-assessment on a chapter page; its prefix names the requirement."""

    status = forms.ChoiceField(
        label=_("Self-assessment"), choices=Answer.Status.choices, required=False, widget=forms.RadioSelect
    )
    justification = forms.CharField(
        label=_("Justification"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("How the requirement is met, or why it is only partly met, not met or not applicable."),
    )
    evidence = forms.MultipleChoiceField(
        label=_("Evidence documents"), required=False, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args, requirement, documents, **kwargs):
        """`documents`: {pk: Document} the answer may cite (shared by every form of the page: no query per form)."""
        super().__init__(*args, **kwargs)
        self.requirement = requirement
        self.documents = documents
        self.fields["evidence"].choices = [(str(pk), document_label(d)) for pk, d in documents.items()]

    def clean_evidence(self):
        return [self.documents[int(pk)] for pk in self.cleaned_data["evidence"]]

    def clean(self):
        cleaned = super().clean()
        status = cleaned.get("status")
        if status and status != Answer.Status.MET and not (cleaned.get("justification") or "").strip():
            self.add_error(
                "justification",
                _("Explain your assessment: a justification is required unless the requirement is met."),
            )
        return cleaned

    def row(self) -> dict:
        return {"requirement": self.requirement, **self.cleaned_data}


def document_label(document) -> str:
    label = f"{document.title} (v{document.version})"
    if getattr(document, "superseded", False):
        label += " – " + str(_("an older version"))
    return label


class DocumentForm(CrispyForm):
    kind = forms.ChoiceField(label=_("Kind"), choices=PROVIDER_KINDS, initial=Document.Kind.EVIDENCE)
    title = forms.CharField(
        label=_("Title"),
        max_length=200,
        validators=[validate_single_line],
        help_text=_("The same kind and title as an existing document makes a new version of it."),
        widget=forms.TextInput(attrs={"list": "document-titles", "autocomplete": "off"}),
    )
    file = UploadedFileField(label=_("File"))


class DeclarationForm(CrispyForm):
    signatory_name = forms.CharField(
        label=_("Full name of the signatory"),
        max_length=200,
        validators=[validate_single_line],
        error_messages={"required": _("Give the full name of the person who signs for the provider.")},
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    signatory_capacity = forms.CharField(
        label=_("Capacity"),
        max_length=200,
        validators=[validate_single_line],
        help_text=_(
            "The position that allows them to commit the provider, e.g. Chief executive officer, or by delegation of the CEO."
        ),
        error_messages={"required": _("Give the capacity in which the signatory commits the provider.")},
        widget=forms.TextInput(attrs={"autocomplete": "organization-title"}),
    )
    declare = forms.BooleanField(
        label=_(
            "I declare, on behalf of the provider, that the information in this dossier is accurate and complete, "
            "and that the provider will inform the agency of any change that affects it."
        ),
        error_messages={"required": _("Tick the declaration to sign it.")},
    )
    listed_in_process_consent = forms.BooleanField(
        label=_(
            "The service may be listed publicly as “in process” once the agency admits the dossier for evaluation."
        ),
        required=False,
    )


class SubmitForm(forms.Form):
    comment = forms.CharField(
        label=_("Note for the reviewers (optional)"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 2, "class": "form-control"}),
    )


class WithdrawForm(CrispyForm):
    comment = forms.CharField(
        label=_("Reason (optional)"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("The agency reads it in the dossier's history."),
    )


class MessageForm(CrispyForm):
    body = forms.CharField(
        label=_("Your message"),
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=20000,
        error_messages={"required": _("Write a message before sending.")},
    )
    attachments = forms.MultipleChoiceField(
        label=_("Attach documents of the dossier"), required=False, widget=forms.CheckboxSelectMultiple
    )
    kind = forms.ChoiceField(
        label=_("Kind of the new document"), choices=PROVIDER_KINDS, initial=Document.Kind.EVIDENCE, required=False
    )
    title = forms.CharField(
        label=_("Title of the new document"), max_length=200, required=False, validators=[validate_single_line]
    )
    file = UploadedFileField(label=_("File of the new document"), required=False)

    def __init__(self, *args, documents, can_upload, **kwargs):
        super().__init__(*args, **kwargs)
        self.documents = documents
        self.can_upload = can_upload
        self.fields["attachments"].choices = [(str(pk), document_label(d)) for pk, d in documents.items()]
        if not can_upload:
            for name in ("kind", "title", "file"):
                del self.fields[name]

    def clean_attachments(self):
        return [self.documents[int(pk)] for pk in self.cleaned_data["attachments"]]

    def clean(self):
        cleaned = super().clean()
        if self.can_upload and cleaned.get("file"):
            if not (cleaned.get("title") or "").strip():
                self.add_error("title", _("Give the new document a title."))
            if not cleaned.get("kind"):
                self.add_error("kind", _("Choose the kind of the new document."))
        elif self.can_upload and (cleaned.get("title") or "").strip() and "file" not in self.errors:
            self.add_error("file", _("Choose the file to upload, or clear the title."))
        return cleaned
