"""Deployment checks (`manage.py check --deploy`, run by `make check-deploy` and CI): what production must set that
development does without. The keys are also checked by every other command that runs checks (`migrate`, `runserver`).

Each key below has a fallback that keeps `make run` working and would quietly harm a real installation, so with DEBUG
off its absence is an error, not a warning. The checks read the settings only: they connect to nothing.
"""

from django.conf import settings
from django.core.checks import Error, Tags, Warning, register
from django.core.exceptions import ImproperlyConfigured

from registry.public import signing
from registry.public.trusted_list_key import list_signing_key

SNAPSHOT_SIGNING_KEY_MISSING = Error(
    "SNAPSHOT_SIGNING_KEY is not set: no registry snapshot could be signed. (A key generated beside the evidence "
    "files, a different one for each installation, which relying parties cannot have received in advance, is made "
    "only in development.)",
    hint="Set SNAPSHOT_SIGNING_KEY to an Ed25519 private key, the same in every web and worker process: a PEM "
    '("$(openssl genpkey -algorithm ed25519)") or the base64 of its 32 raw bytes.',
    id="trustedcloud.E001",
)
TRUSTED_LIST_SIGNING_KEY_MISSING = Error(
    "TRUSTED_LIST_SIGNING_KEY is not set: the trusted list could not be signed. (A development key is made only in "
    "development.)",
    hint="Set TRUSTED_LIST_SIGNING_KEY to an ECDSA P-256 private key, the same in every web and worker process: a PEM "
    '("$(openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256)") or the base64 of its 32-byte scalar; '
    "TRUSTED_LIST_SIGNING_CERTIFICATE may hold a certificate issued for it.",
    id="trustedcloud.E005",
)
MFA_ENCRYPTION_KEY_MISSING = Error(
    "MFA_ENCRYPTION_KEY is not set: second-factor secrets would be encrypted with SECRET_KEY, and rotating SECRET_KEY "
    "would make every authenticator app and recovery code unreadable.",
    hint="Set MFA_ENCRYPTION_KEY to a long random value kept apart from SECRET_KEY "
    "(python -c 'import secrets; print(secrets.token_urlsafe(64))'), the same in every process.",
    id="trustedcloud.E002",
)
REDIS_URL_MISSING = Error(
    "REDIS_URL is not set: tasks (e-mails, document checks, PDFs, snapshots) would run inside web requests, periodic "
    "tasks would not run at all, and each process would keep its own cache, rate limits and throttles.",
    hint="Set REDIS_URL (e.g. redis://redis.internal:6379/0) and run Celery workers and beat against it.",
    id="trustedcloud.E003",
)

CLIENT_ADDRESS_UNDECLARED = Warning(
    "SECURE_PROXY_SSL_HEADER trusts a proxy's X-Forwarded-Proto, but TRUSTED_PROXY_COUNT is 0 and "
    "TRUSTED_CLIENT_IP_HEADER is unset: every client is seen at the proxy's address, so the per-address sign-in "
    "limits and the API's throttle count everyone together (one person's failures slow everyone's sign-in, and the "
    "API answers 429 to all once the first few have used the limit).",
    hint="Set TRUSTED_PROXY_COUNT to the number of proxies of ours that append to X-Forwarded-For (1 behind one load "
    "balancer), or TRUSTED_CLIENT_IP_HEADER to the header our proxy sets on every request (e.g. X-Real-IP).",
    id="trustedcloud.W001",
)
WEBHOOKS_PRIVATE_TARGETS_ALLOWED = Warning(
    "WEBHOOKS_ALLOW_PRIVATE_TARGETS is on: anyone may register a webhook on a loopback, private or link-local address "
    "(or plain http on loopback), and the workers will POST to the installation's own network on each public change.",
    hint="Unset WEBHOOKS_ALLOW_PRIVATE_TARGETS (it is for development and tests, where the receiver is on 127.0.0.1).",
    id="trustedcloud.W002",
)


@register(Tags.security)
def production_keys(app_configs=None, **kwargs) -> list[Error]:
    """Run by every command that checks (`migrate` in a release, `runserver`, `check`), not only `check --deploy`:
    what is written without these keys cannot be mended later (second-factor secrets encrypted with SECRET_KEY,
    snapshots signed with a key nobody received), so production refuses to go further without them."""
    if settings.DEBUG:
        return []
    errors = [
        error
        for value, error in (
            (settings.SNAPSHOT_SIGNING_KEY, SNAPSHOT_SIGNING_KEY_MISSING),
            (settings.TRUSTED_LIST_SIGNING_KEY, TRUSTED_LIST_SIGNING_KEY_MISSING),
            (settings.MFA_ENCRYPTION_KEY, MFA_ENCRYPTION_KEY_MISSING),
        )
        if not value.strip()
    ]
    return errors + _unreadable_signing_key() + _unreadable_list_signing_key()


@register(Tags.security, deploy=True)
def production_services(app_configs=None, **kwargs) -> list[Error]:
    return [] if settings.DEBUG or settings.REDIS_URL.strip() else [REDIS_URL_MISSING]


@register(Tags.security, deploy=True)
def client_address_behind_the_proxy(app_configs=None, **kwargs) -> list[Warning]:
    """Production always sets SECURE_PROXY_SSL_HEADER (settings/security.py): it is deployed behind a proxy that
    terminates TLS. Such a proxy is also the peer of every connection, so unless the settings say how the client's
    own address reaches us, the limits kept per address are kept for the proxy alone. A warning, not an error: a
    proxy that passes the address some other way (the PROXY protocol to gunicorn) is possible, and nothing written
    is lost meanwhile."""
    if not settings.SECURE_PROXY_SSL_HEADER or settings.TRUSTED_PROXY_COUNT or settings.TRUSTED_CLIENT_IP_HEADER:
        return []
    return [CLIENT_ADDRESS_UNDECLARED]


@register(Tags.security, deploy=True)
def webhooks_to_public_addresses_only(app_configs=None, **kwargs) -> list[Warning]:
    """Webhook targets are anyone's choice: in production they must not reach what only the servers can reach
    (registry.public.webhook_delivery refuses private addresses unless this setting is on). A warning, as W001."""
    return [WEBHOOKS_PRIVATE_TARGETS_ALLOWED] if not settings.DEBUG and settings.WEBHOOKS_ALLOW_PRIVATE_TARGETS else []


def _unreadable_list_signing_key() -> list[Error]:
    if not settings.TRUSTED_LIST_SIGNING_KEY.strip():
        return []
    try:
        list_signing_key()
    except ImproperlyConfigured as exc:
        return [
            Error(
                str(exc),
                hint="An unencrypted PEM ECDSA P-256 private key, literal \\n accepted, or the base64 of its 32-byte "
                "scalar; a certificate in TRUSTED_LIST_SIGNING_CERTIFICATE must be this key's.",
                id="trustedcloud.E006",
            )
        ]
    return []


def _unreadable_signing_key() -> list[Error]:
    """A key that is set but cannot be read would otherwise fail only at the first publication, in a worker."""
    if not settings.SNAPSHOT_SIGNING_KEY.strip():
        return []
    try:
        signing.signing_key()
    except ImproperlyConfigured as exc:
        return [
            Error(
                str(exc),
                hint="An unencrypted PEM (PKCS#8) Ed25519 private key, literal \\n accepted, or the base64 of its "
                "32 raw bytes.",
                id="trustedcloud.E004",
            )
        ]
    return []
