"""The webhook registration form: the owner's address, the endpoint's URL and a hidden target (as the follow form)."""

from crispy_forms.helper import FormHelper
from django import forms
from django.utils.translation import gettext_lazy as _

from registry.public.forms import FollowForm
from registry.public.webhook_delivery import TargetRefused, checked_target


class WebhookForm(FollowForm):
    url = forms.URLField(
        label=_("Endpoint URL"),
        max_length=500,
        assume_scheme="https",
        help_text=_("An https:// address of yours that accepts POST requests: each change is sent there, signed."),
        widget=forms.URLInput(attrs={"placeholder": "https://example.org/webhooks/registry", "autocomplete": "url"}),
    )
    field_order = ["email", "url", "scope", "target"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["email"].help_text = _(
            "We send the confirmation link here, then the link to the endpoint's management page."
        )
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.disable_csrf = True

    def clean_url(self):
        url = self.cleaned_data["url"]
        try:
            checked_target(url)
        except TargetRefused as refused:
            raise forms.ValidationError(str(refused), code="refused") from None
        return url
