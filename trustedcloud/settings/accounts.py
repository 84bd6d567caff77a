"""Accounts (django-allauth): sign-in, second factors, throttling of failed attempts, and sessions
(registry/accounts/auth.py, registry/accounts/middleware.py apply them)."""

from .core import DEBUG
from .database import REDIS_URL
from .env import env_int, env_str

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
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[Trusted Cloud Registry] "
ACCOUNT_DEFAULT_HTTP_PROTOCOL = "http" if DEBUG else "https"
ACCOUNT_PRESERVE_USERNAME_CASING = False
# An e-mail to the account's address after each change of password, e-mail address or second factor.
ACCOUNT_EMAIL_NOTIFICATIONS = True
# Qualify, reject, suspend, withdraw and second-factor changes need a sign-in or re-authentication this recent (s).
ACCOUNT_REAUTHENTICATION_TIMEOUT = env_int("REAUTHENTICATION_TIMEOUT", 15 * 60)
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "portal:home"

# Failed sign-ins (password, and second-factor codes) counted per client address and per account; past either limit
# every attempt gets the same message, right or wrong. The per-address limit is looser: an office shares one address.
ACCOUNT_RATE_LIMITS = {"login_failed": env_str("LOGIN_FAILED_RATE", "20/10m/ip,5/15m/key")}
# The client address for those limits: REMOTE_ADDR unless TRUSTED_PROXY_COUNT proxies of ours append to
# X-Forwarded-For (the address that many entries from its end is taken; what a client wrote before is ignored), or a
# proxy of ours sets TRUSTED_CLIENT_IP_HEADER (e.g. X-Real-IP) and every request goes through it.
ALLAUTH_TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0)
ALLAUTH_TRUSTED_CLIENT_IP_HEADER = env_str("TRUSTED_CLIENT_IP_HEADER") or None

# Second factors (allauth.mfa): an authenticator app with recovery codes, or a security key. Required of every staff
# member before the admin (and the portal) opens; providers may turn it on for themselves.
MFA_ADAPTER = "registry.accounts.auth.MFAAdapter"
# The second-factor step with a secret it cannot decrypt (MFA_ENCRYPTION_KEY changed) says so and whom to ask, not 500.
MFA_FORMS = {
    "authenticate": "registry.accounts.auth.AuthenticateForm",
    "reauthenticate": "registry.accounts.auth.ReauthenticateForm",
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
