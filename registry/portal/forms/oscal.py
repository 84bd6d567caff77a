"""The portal's OSCAL import forms: the upload (read and checked against the dossier's scheme), and the confirmation
that carries what was read from the preview to the write, signed so that it cannot be changed on the way."""

from django import forms
from django.core import signing
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _

from registry.portal.forms.dossiers import CrispyForm
from registry.qualification import oscal_components
from registry.qualification.oscal_components import Entry, NotAComponentDefinition

# How long a preview may be confirmed; after that the file is uploaded again (the answers may have changed meanwhile).
PREVIEW_MAX_AGE = 60 * 60
# The signed, compressed entries of a file of at most MAX_BYTES: base64 of zlib output, never more than this.
MAX_TOKEN_CHARS = 2 * oscal_components.MAX_BYTES


def _salt(dossier, user) -> str:
    # A preview made for one person on one dossier confirms nothing elsewhere.
    return f"registry.portal.oscal-import:{dossier.pk}:{user.pk}"


def sign_entries(entries, *, dossier, user, file_name: str) -> str:
    payload = {"file": file_name, "entries": [[e.control_id, e.status, e.description] for e in entries]}
    return signing.dumps(payload, salt=_salt(dossier, user), compress=True)


class OscalImportForm(CrispyForm):
    document = forms.FileField(
        label=_("OSCAL component definition (JSON)"),
        widget=forms.ClearableFileInput(attrs={"accept": "application/json,.json"}),
    )

    def __init__(self, *args, dossier, **kwargs):
        super().__init__(*args, **kwargs)
        self.dossier = dossier
        self.entries = []
        self.fields["document"].help_text = _(
            "A component definition whose control implementation names this scheme's catalog, up to %(size)s."
        ) % {"size": filesizeformat(oscal_components.MAX_BYTES)}

    def clean_document(self):
        uploaded = self.cleaned_data["document"]
        if uploaded.size > oscal_components.MAX_BYTES:
            raise forms.ValidationError(
                _("The file is too large (at most %(size)s)."),
                params={"size": filesizeformat(oscal_components.MAX_BYTES)},
            )
        try:
            self.entries = oscal_components.read(uploaded.read(), scheme_code=self.dossier.scheme.code)
        except NotAComponentDefinition as exc:
            raise forms.ValidationError(str(exc)) from exc
        return uploaded


class OscalConfirmForm(forms.Form):
    """The preview's hidden field: the entries read from the file, signed for this person and dossier, for an hour."""

    preview = forms.CharField(widget=forms.HiddenInput, max_length=MAX_TOKEN_CHARS)

    def __init__(self, *args, dossier, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.dossier, self.user = dossier, user
        self.entries, self.file_name = [], ""

    def clean_preview(self):
        try:
            payload = signing.loads(
                self.cleaned_data["preview"], salt=_salt(self.dossier, self.user), max_age=PREVIEW_MAX_AGE
            )
        except signing.SignatureExpired as exc:
            raise forms.ValidationError(_("The preview has expired: upload the file again.")) from exc
        except signing.BadSignature as exc:
            raise forms.ValidationError(
                _("The preview could not be verified (changed or not made for you): upload the file again.")
            ) from exc
        self.entries = [Entry(*row) for row in payload["entries"]]
        self.file_name = payload.get("file", "")
        return self.cleaned_data["preview"]
