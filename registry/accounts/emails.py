"""The account e-mails (confirmation, password reset, security notices), in the registry's own words and layout.

allauth decides when to send one and names it (its template prefix, e.g. "account/email/email_confirmation_signup");
the adapter (registry/accounts/adapter.py) hands it here and writes the result to the outbox. Each message is a
subject, a few paragraphs, at most one link and, for a change made to the account, where and when it was made, rendered
in templates/emails/account.txt and .html on the layout of every e-mail the registry sends. The recipient's language
is the one they chose when known, else the language of the request that sent it. The site's name, the agency and its
contact address come from the settings; every link starts with SITE_URL; nobody is named by a login name.
"""

from dataclasses import dataclass, field

from allauth.account import app_settings as allauth_settings
from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.auth import get_user_model
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from registry.accounts.preferences import current_language, supported_language, user_language


def user_display(user) -> str:
    """How allauth shows a person (its messages and pages): their e-mail address, never the login name it generated."""
    return user.email or gettext("your account")


@dataclass(frozen=True)
class AccountEmail:
    subject: str
    # Paragraphs, each formatted with the message's context (%(site)s, %(email)s...).
    paragraphs: tuple = ()
    # The context's key holding the one link, and the words before it.
    link: str = ""
    link_label: str = ""
    # After the link.
    after: tuple = ()
    # A change made to the account: the e-mail says when and from where, and what to do if it was not the reader.
    notice: bool = False
    extra: dict = field(default_factory=dict)


_IF_NOT_YOU = _("If you did not ask for this, ignore this e-mail: nothing changes on your account.")

# allauth's template prefix, without its folder, to the message. A prefix not listed (sign-in by code, phone numbers:
# not enabled here) falls back to allauth's own templates.
MESSAGES = {
    "email_confirmation_signup": AccountEmail(
        subject=_("Confirm your e-mail address – %(site)s"),
        paragraphs=(
            _("An account was created on the %(site)s with this e-mail address (%(email)s)."),
            _(
                "To confirm the address and open the account, follow the link below within %(days)s days. You can "
                "then sign in and register your organisation."
            ),
        ),
        link="activate_url",
        link_label=_("Confirm the address:"),
        after=(_("If you did not create this account, ignore this e-mail: without confirmation it stays closed."),),
    ),
    "email_confirmation": AccountEmail(
        subject=_("Confirm your new e-mail address – %(site)s"),
        paragraphs=(
            _("This address (%(email)s) was given as the new e-mail address of an account on the %(site)s."),
            _("To confirm it, follow the link below within %(days)s days."),
        ),
        link="activate_url",
        link_label=_("Confirm the address:"),
        after=(_IF_NOT_YOU,),
    ),
    "password_reset_key": AccountEmail(
        subject=_("Reset your password – %(site)s"),
        paragraphs=(_("A new password was asked for the account %(email)s on the %(site)s."),),
        link="password_reset_url",
        link_label=_("Choose a new password (the link works once):"),
        after=(_IF_NOT_YOU,),
    ),
    "unknown_account": AccountEmail(
        subject=_("No account with this address – %(site)s"),
        paragraphs=(
            _(
                "Someone gave this address (%(email)s) on the %(site)s to reset a password or to confirm an address, "
                "but no account uses it. You may have signed up with another address."
            ),
        ),
        link="start_url",
        link_label=_("To apply for a qualification, start here:"),
        after=(_IF_NOT_YOU,),
    ),
    "account_already_exists": AccountEmail(
        subject=_("You already have an account – %(site)s"),
        paragraphs=(
            _(
                "Someone tried to create an account on the %(site)s with this address (%(email)s), but an account "
                "with it already exists."
            ),
        ),
        link="password_reset_url",
        link_label=_("If it was you and you forgot your password, choose a new one:"),
        after=(_("If it was not you, ignore this e-mail: nothing changes on your account."),),
    ),
    "password_changed": AccountEmail(
        subject=_("Your password was changed – %(site)s"),
        paragraphs=(_("The password of your account %(email)s was changed."),),
        notice=True,
    ),
    "password_set": AccountEmail(
        subject=_("A password was set on your account – %(site)s"),
        paragraphs=(_("A password was set on your account %(email)s."),),
        notice=True,
    ),
    "password_reset": AccountEmail(
        subject=_("Your password was reset – %(site)s"),
        paragraphs=(_("The password of your account %(email)s was reset with the link sent by e-mail."),),
        notice=True,
    ),
    "email_changed": AccountEmail(
        subject=_("Your account's e-mail address was changed – %(site)s"),
        paragraphs=(_("The e-mail address of your account was changed from %(from_email)s to %(to_email)s."),),
        notice=True,
    ),
    "email_deleted": AccountEmail(
        subject=_("An e-mail address was removed from your account – %(site)s"),
        paragraphs=(_("The address %(deleted_email)s was removed from your account."),),
        notice=True,
    ),
    "totp_activated": AccountEmail(
        subject=_("An authenticator app now protects your account – %(site)s"),
        paragraphs=(_("An authenticator app was set up as a second factor for your account %(email)s."),),
        notice=True,
    ),
    "totp_deactivated": AccountEmail(
        subject=_("The authenticator app was removed from your account – %(site)s"),
        paragraphs=(_("The authenticator app is no longer a second factor of your account %(email)s."),),
        notice=True,
    ),
    "recovery_codes_generated": AccountEmail(
        subject=_("New recovery codes for your account – %(site)s"),
        paragraphs=(_("New recovery codes were made for your account %(email)s; the previous ones no longer work."),),
        notice=True,
    ),
    "webauthn_added": AccountEmail(
        subject=_("A security key was added to your account – %(site)s"),
        paragraphs=(_("A security key was added as a second factor of your account %(email)s."),),
        notice=True,
    ),
    "webauthn_removed": AccountEmail(
        subject=_("A security key was removed from your account – %(site)s"),
        paragraphs=(_("A security key was removed from the second factors of your account %(email)s."),),
        notice=True,
    ),
}


def message_for(template_prefix: str) -> AccountEmail | None:
    return MESSAGES.get(template_prefix.rpartition("/")[2])


def recipient_language(email: str, user=None) -> str:
    """The language the person reading `email` chose, else the request's (a newcomer has chosen nothing yet)."""
    if user is None or not getattr(user, "pk", None):
        # An address of an account (an old one, after a change, is still among its addresses), else a user's own.
        address = EmailAddress.objects.filter(email__iexact=email).select_related("user").order_by("pk").first()
        user = address.user if address else get_user_model().objects.filter(email__iexact=email).order_by("pk").first()
    chosen = user_language(user) if user is not None else None
    return supported_language(chosen) if chosen else current_language()


def render(message: AccountEmail, email: str, context: dict, language: str) -> tuple[str, str, str]:
    """(subject, text, html) of the message to `email` in `language`. `context` is allauth's, its links already on
    SITE_URL."""
    with translation.override(language):
        site = gettext("Trusted Cloud Registry")
        values = {
            **{key: value for key, value in context.items() if isinstance(value, str)},
            "email": email,
            "site": site,
            "days": allauth_settings.EMAIL_CONFIRMATION_EXPIRE_DAYS,
        }
        names = {
            "paragraphs": [str(text) % values for text in message.paragraphs],
            "link_url": context.get(message.link, "") if message.link else "",
            "link_label": str(message.link_label),
            "after": [str(text) % values for text in message.after],
            "notice": message.notice,
            "when": context.get("timestamp"),
            "ip": context.get("ip", ""),
            "browser": context.get("user_agent", ""),
            "reset_url": settings.SITE_URL + reverse("account_reset_password"),
            "site_url": settings.SITE_URL,
            "site": site,
            "agency": settings.AGENCY_NAME or gettext("Certification agency for trusted cloud services"),
            "contact": settings.AGENCY_CONTACT_EMAIL,
            "subject": str(message.subject) % values,
        }
        return (
            names["subject"],
            render_to_string("emails/account.txt", names),
            render_to_string("emails/account.html", names),
        )
