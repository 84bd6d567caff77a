"""Response headers, cookies and HTTPS (registry/accounts/audit.py, registry/core/logsafe.py and
registry/accounts/views/errors.py do the rest of the hardening).

In production (DEBUG off) HTTPS is the default for everything; SECURE_COOKIES=0 and SECURE_SSL_REDIRECT=0 exist for a
deployment that tests over plain HTTP, and `manage.py check --deploy` then says what is off.
"""

import os
import warnings

from django.core.exceptions import ImproperlyConfigured

from .core import DEBUG
from .env import env_bool, env_int, env_str

# Content-Security-Policy (django-csp 4): scripts and styles only from our own files, never inline; nothing may frame
# the site. img-src allows data: for the icons Bootstrap and Django's admin draw in their CSS. The API documentation
# page alone also allows inline styles, which Swagger UI writes (its view's decorator, registry/public/api/urls.py);
# the badge sets a policy of its own (registry/public/views/badge.py).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
CSRF_FAILURE_VIEW = "registry.accounts.views.errors.csrf_failure"

# Cookies: never readable by scripts (the forms carry their CSRF token, nothing reads the cookie), never sent
# cross-site on a POST. In production they are HTTPS-only and named __Host-…, which browsers accept only from HTTPS,
# for this host alone and the whole path: a sibling subdomain cannot plant or overwrite them. (Read only with DEBUG
# off: a development machine never parses SECURE_COOKIES.)
_secure_cookies = not DEBUG and env_bool("SECURE_COOKIES", True)
SESSION_COOKIE_SECURE = _secure_cookies
CSRF_COOKIE_SECURE = _secure_cookies
LANGUAGE_COOKIE_SECURE = _secure_cookies
SESSION_COOKIE_NAME = "__Host-sessionid" if _secure_cookies else "sessionid"
CSRF_COOKIE_NAME = "__Host-csrftoken" if _secure_cookies else "csrftoken"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True
CSRF_COOKIE_SAMESITE = "Lax"
LANGUAGE_COOKIE_HTTPONLY = True
LANGUAGE_COOKIE_SAMESITE = "Lax"

# HTTPS only: plain HTTP is redirected, and browsers are told to use nothing else for a year (HSTS). Behind a proxy
# that terminates TLS, X-Forwarded-Proto says which requests came in over HTTPS: the proxy must set it (and drop a
# client's own), or a plain-HTTP request could pass for a secure one.
SECURE_PROXY_SSL_HEADER = None if DEBUG else ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = not DEBUG and env_bool("SECURE_SSL_REDIRECT", True)
SECURE_HSTS_SECONDS = 0 if DEBUG else env_int("SECURE_HSTS_SECONDS", 365 * 24 * 3600)
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG and env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
SECURE_HSTS_PRELOAD = not DEBUG and env_bool("SECURE_HSTS_PRELOAD", True)

# The client's address (registry/core/client_address.py), for the sign-in limits, the audit log, the sessions list and
# the API throttle alike: TRUSTED_PROXY_COUNT proxies of ours append to X-Forwarded-For, and the client is the entry
# that many places from its end. 0 (the default) trusts no forwarded header: a client could write any address there.
# Or TRUSTED_CLIENT_IP_HEADER names a header (e.g. X-Real-IP) that our proxy sets, overwriting the client's, on every
# request. API_NUM_PROXIES, the API's own count before, is still read alone, with a warning; set with another value
# than TRUSTED_PROXY_COUNT it stops the start, since one of the two protections would read a forged address.
_api_num_proxies = os.environ.get("API_NUM_PROXIES", "")
if _api_num_proxies and env_str("TRUSTED_PROXY_COUNT"):
    if env_int("API_NUM_PROXIES", 0) != env_int("TRUSTED_PROXY_COUNT", 0):
        raise ImproperlyConfigured(
            "API_NUM_PROXIES and TRUSTED_PROXY_COUNT differ: remove API_NUM_PROXIES, TRUSTED_PROXY_COUNT alone counts "
            "the proxies for every limit."
        )
elif _api_num_proxies:
    warnings.warn("API_NUM_PROXIES is deprecated: rename it TRUSTED_PROXY_COUNT.", FutureWarning, stacklevel=1)
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", env_int("API_NUM_PROXIES", 0))
if TRUSTED_PROXY_COUNT < 0:
    raise ImproperlyConfigured(f"TRUSTED_PROXY_COUNT must be 0 or more, not {TRUSTED_PROXY_COUNT}.")
TRUSTED_CLIENT_IP_HEADER = env_str("TRUSTED_CLIENT_IP_HEADER") or None
