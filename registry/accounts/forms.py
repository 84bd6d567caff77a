"""allauth's account forms with the registry's own labels (ACCOUNT_FORMS in settings/accounts.py).

Each field gets a label in the registry's words, translated in locale/fr like every other, and no placeholder: a
placeholder repeating the label disappears as soon as one types and reads as a value already filled in.
"""

from allauth.account import forms as allauth_forms
from django.utils.translation import gettext_lazy as _

EMAIL = _("E-mail address")
PASSWORD = _("Password")
NEW_PASSWORD = _("New password")
AGAIN = _("The same password again")


class _OurWords:
    labels: dict = {}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():
            field.widget.attrs.pop("placeholder", None)
            if name in self.labels:
                field.label = self.labels[name]


class LoginForm(_OurWords, allauth_forms.LoginForm):
    labels = {"login": EMAIL, "password": PASSWORD, "remember": _("Keep me signed in on this browser")}


class SignupForm(_OurWords, allauth_forms.SignupForm):
    labels = {"email": EMAIL, "password1": PASSWORD, "password2": AGAIN}


class ResetPasswordForm(_OurWords, allauth_forms.ResetPasswordForm):
    labels = {"email": EMAIL}


class ResetPasswordKeyForm(_OurWords, allauth_forms.ResetPasswordKeyForm):
    labels = {"password1": NEW_PASSWORD, "password2": AGAIN}


class ChangePasswordForm(_OurWords, allauth_forms.ChangePasswordForm):
    labels = {"oldpassword": _("Current password"), "password1": NEW_PASSWORD, "password2": AGAIN}


class SetPasswordForm(_OurWords, allauth_forms.SetPasswordForm):
    labels = {"password1": PASSWORD, "password2": AGAIN}


class AddEmailForm(_OurWords, allauth_forms.AddEmailForm):
    labels = {"email": _("New address")}


class ReauthenticateForm(_OurWords, allauth_forms.ReauthenticateForm):
    labels = {"password": PASSWORD}
