"""allauth's account forms with the registry's own labels (ACCOUNT_FORMS in settings/accounts.py).

Each field gets a label in the registry's words, translated in locale/fr like every other, and no placeholder: a
placeholder repeating the label disappears as soon as one types and reads as a value already filled in.
"""

from allauth.account import forms as allauth_forms
from allauth.mfa.totp import forms as mfa_totp_forms
from allauth.mfa.webauthn import forms as mfa_webauthn_forms
from django.utils.translation import gettext_lazy as _

EMAIL = _("E-mail address")
PASSWORD = _("Password")
NEW_PASSWORD = _("New password")
AGAIN = _("The same password again")


class RegistryLabels:
    labels: dict = {}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():
            field.widget.attrs.pop("placeholder", None)
            if name in self.labels:
                field.label = self.labels[name]


class LoginForm(RegistryLabels, allauth_forms.LoginForm):
    labels = {"login": EMAIL, "password": PASSWORD, "remember": _("Keep me signed in on this browser")}


class SignupForm(RegistryLabels, allauth_forms.SignupForm):
    labels = {"email": EMAIL, "password1": PASSWORD, "password2": AGAIN}


class ResetPasswordForm(RegistryLabels, allauth_forms.ResetPasswordForm):
    labels = {"email": EMAIL}


class ResetPasswordKeyForm(RegistryLabels, allauth_forms.ResetPasswordKeyForm):
    labels = {"password1": NEW_PASSWORD, "password2": AGAIN}


class ChangePasswordForm(RegistryLabels, allauth_forms.ChangePasswordForm):
    labels = {"oldpassword": _("Current password"), "password1": NEW_PASSWORD, "password2": AGAIN}


class SetPasswordForm(RegistryLabels, allauth_forms.SetPasswordForm):
    labels = {"password1": PASSWORD, "password2": AGAIN}


class AddEmailForm(RegistryLabels, allauth_forms.AddEmailForm):
    labels = {"email": _("New address")}


class ReauthenticateForm(RegistryLabels, allauth_forms.ReauthenticateForm):
    labels = {"password": PASSWORD}


# Second factors (MFA_FORMS in settings/accounts.py).
CODE = _("Code from your app, or a recovery code")


class ActivateTOTPForm(RegistryLabels, mfa_totp_forms.ActivateTOTPForm):
    labels = {"code": _("The code the app shows")}


class AddWebAuthnForm(RegistryLabels, mfa_webauthn_forms.AddWebAuthnForm):
    labels = {"name": _("Name of the key")}


class EditWebAuthnForm(RegistryLabels, mfa_webauthn_forms.EditWebAuthnForm):
    labels = {"name": _("Name of the key")}
