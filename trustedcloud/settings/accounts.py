"""Accounts (django-allauth): sign-in, second factors, throttling of failed attempts, and sessions
(registry/accounts/auth.py, registry/accounts/middleware.py apply them)."""

from django.core.exceptions import ImproperlyConfigured

from .core import DEBUG
from .database import REDIS_URL
from .env import env_int, env_str
from .security import TRUSTED_CLIENT_IP_HEADER, TRUSTED_PROXY_COUNT

AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# E-mail and password, the address verified before the first sign-in: a membership invitation reaches a mailbox.
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_CHANGE_EMAIL = True
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_LOGOUT_REDIRECT_URL = "/"
# The account e-mails are the registry's own (registry/accounts/emails.py): their subjects name the registry in the
# reader's language, with no "[site]" prefix. A person is shown by their e-mail address, never by a login name.
ACCOUNT_EMAIL_SUBJECT_PREFIX = ""
ACCOUNT_USER_DISPLAY = "registry.accounts.emails.user_display"
ACCOUNT_DEFAULT_HTTP_PROTOCOL = "http" if DEBUG else "https"
ACCOUNT_PRESERVE_USERNAME_CASING = False
# An e-mail to the account's address after each change of password, e-mail address or second factor.
ACCOUNT_EMAIL_NOTIFICATIONS = True
# Qualify, reject, suspend, withdraw and second-factor changes need a sign-in or re-authentication this recent (s).
ACCOUNT_REAUTHENTICATION_TIMEOUT = env_int("REAUTHENTICATION_TIMEOUT", 15 * 60)
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "portal:home"

# Failed sign-ins (registry/accounts/adapter.py; README "Security" says why, against ASVS V2.2.1). Refused, with the
# same message right or wrong: past SIGNIN_ACCOUNT_RATE failures on one account from anywhere, and past
# SIGNIN_ADDRESS_ACCOUNT_RATE from one client address on one account. Slowed, never refused: every attempt from an
# address past SIGNIN_ADDRESS_RATE failures (on any accounts) waits, longer each time up to SIGNIN_SLOWDOWN_MAX
# seconds, so that one person's guesses behind an office's shared address do not lock out their colleagues. Wrong
# second-factor codes count per account only ("login_failed", allauth.mfa). allauth's own per-address cap on every
# sign-in POST ("login", 30 a minute) would lock the whole address: it is off, a flood is the reverse proxy's to slow.
SIGNIN_ACCOUNT_RATE = env_str("SIGNIN_ACCOUNT_RATE", "50/1h")
SIGNIN_ADDRESS_ACCOUNT_RATE = env_str("SIGNIN_ADDRESS_ACCOUNT_RATE", "5/15m")
SIGNIN_ADDRESS_RATE = env_str("SIGNIN_ADDRESS_RATE", "20/10m")
SIGNIN_SLOWDOWN_MAX = float(env_int("SIGNIN_SLOWDOWN_MAX", 3))
if env_str("LOGIN_FAILED_RATE"):
    raise ImproperlyConfigured(
        "LOGIN_FAILED_RATE is gone: SIGNIN_ACCOUNT_RATE, SIGNIN_ADDRESS_ACCOUNT_RATE and SIGNIN_ADDRESS_RATE replace it."
    )
ACCOUNT_ADAPTER = "registry.accounts.adapter.AccountAdapter"
# The forms with the registry's own labels (registry/accounts/forms.py).
ACCOUNT_FORMS = {
    name: f"registry.accounts.forms.{form}"
    for name, form in {
        "login": "LoginForm",
        "signup": "SignupForm",
        "reset_password": "ResetPasswordForm",
        "reset_password_from_key": "ResetPasswordKeyForm",
        "change_password": "ChangePasswordForm",
        "set_password": "SetPasswordForm",
        "add_email": "AddEmailForm",
        "reauthenticate": "ReauthenticateForm",
    }.items()
}
ACCOUNT_RATE_LIMITS = {"login_failed": f"{SIGNIN_ADDRESS_ACCOUNT_RATE}/key", "login": None}
# allauth's own reading of the client's address, should any of its code call it rather than the adapter: the same.
ALLAUTH_TRUSTED_PROXY_COUNT = TRUSTED_PROXY_COUNT
ALLAUTH_TRUSTED_CLIENT_IP_HEADER = TRUSTED_CLIENT_IP_HEADER

# Second factors (allauth.mfa): an authenticator app with recovery codes, or a security key. Required of every staff
# member before the admin (and the portal) opens; providers may turn it on for themselves.
MFA_ADAPTER = "registry.accounts.auth.MFAAdapter"
# The second-factor step with a secret it cannot decrypt (MFA_ENCRYPTION_KEY changed) says so and whom to ask, not 500.
MFA_FORMS = {
    "authenticate": "registry.accounts.auth.AuthenticateForm",
    "reauthenticate": "registry.accounts.auth.ReauthenticateForm",
    # The registry's labels (registry/accounts/forms.py).
    "activate_totp": "registry.accounts.forms.ActivateTOTPForm",
    "add_webauthn": "registry.accounts.forms.AddWebAuthnForm",
    "edit_webauthn": "registry.accounts.forms.EditWebAuthnForm",
}
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes", "webauthn"]
MFA_TOTP_ISSUER = "Trusted Cloud Registry"
# TOTP secrets and recovery seeds are encrypted in the database with a key derived from this one. Unset, SECRET_KEY
# stands in, and rotating it would then mean setting up every second factor again: production must set it
# (trustedcloud/checks.py).
MFA_ENCRYPTION_KEY = env_str("MFA_ENCRYPTION_KEY")
# Security keys need HTTPS except on localhost while developing.
MFA_WEBAUTHN_ALLOW_INSECURE_ORIGIN = DEBUG

# Sessions (seconds): ended after this long without a request (staff, everyone else), and this long after sign-in
# whatever the activity. Signing out, or an account deactivated, ends every session of the user (allauth.usersessions).
SESSION_IDLE_TIMEOUT_STAFF = env_int("SESSION_IDLE_TIMEOUT_STAFF", 30 * 60)
SESSION_IDLE_TIMEOUT = env_int("SESSION_IDLE_TIMEOUT", 8 * 3600)
SESSION_ABSOLUTE_LIFETIME = env_int("SESSION_ABSOLUTE_LIFETIME", 12 * 3600)
SESSION_COOKIE_AGE = SESSION_ABSOLUTE_LIFETIME
# Several processes (README "Deploying"): with Redis, sessions are read from the cache and written through to the
# database (cached_db) rather than kept in Redis alone, so a Redis restart, flush or eviction signs nobody out. The
# database write happens when the session changes, at most once a minute per signed-in user
# (registry.accounts.middleware.ACTIVITY_RESOLUTION). allauth.usersessions keeps its own rows in the database and ends
# a session through the session engine, so "sign out everywhere" reaches every process. Expired rows are deleted
# daily (settings/celery.py).
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db" if REDIS_URL else "django.contrib.sessions.backends.db"
