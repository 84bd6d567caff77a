"""The follow-by-e-mail form: an address and a hidden target (the whole registry, a provider or a service)."""

from crispy_forms.helper import FormHelper
from django import forms
from django.utils.translation import gettext_lazy as _

from registry.public.models import Subscription
from registry.public.subscriptions import resolve_target


class FollowForm(forms.Form):
    email = forms.EmailField(
        label=_("Your e-mail address"),
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email", "placeholder": _("name@example.org")}),
    )
    # Plain strings, checked in clean(): an error on a hidden field would be shown nowhere.
    scope = forms.CharField(widget=forms.HiddenInput, required=False)
    target = forms.CharField(widget=forms.HiddenInput, required=False, max_length=120)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.disable_csrf = True  # the template's <form> has its {% csrf_token %}: one field, not two

    def clean(self):
        cleaned = super().clean()
        scope = cleaned.get("scope") or Subscription.Scope.REGISTRY
        try:
            provider, service = resolve_target(scope, cleaned.get("target") or "")
        except LookupError:
            raise forms.ValidationError(
                _("There is nothing to follow here: the service or provider is not in the public registry."),
                code="unknown_target",
            ) from None
        cleaned.update(scope=scope, provider=provider, service=service)
        return cleaned
