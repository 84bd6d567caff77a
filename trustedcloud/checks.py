"""Deployment checks (`manage.py check --deploy`, run by `make check-deploy` and CI): what production must set that
development does without. The keys are also checked by every other command that runs checks (`migrate`, `runserver`).

Each key below has a fallback that keeps `make run` working and would quietly harm a real installation, so with DEBUG
off its absence is an error, not a warning. The checks read the settings only: they connect to nothing.
"""

from django.conf import settings
from django.core.checks import Error, Tags, register
from django.core.exceptions import ImproperlyConfigured

from registry.public import signing

SNAPSHOT_SIGNING_KEY_MISSING = Error(
    "SNAPSHOT_SIGNING_KEY is not set: no registry snapshot could be signed. (A key generated beside the evidence "
    "files, a different one for each installation, which relying parties cannot have received in advance, is made "
    "only in development.)",
    hint="Set SNAPSHOT_SIGNING_KEY to an Ed25519 private key, the same in every web and worker process: a PEM "
    '("$(openssl genpkey -algorithm ed25519)") or the base64 of its 32 raw bytes.',
    id="trustedcloud.E001",
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
            (settings.MFA_ENCRYPTION_KEY, MFA_ENCRYPTION_KEY_MISSING),
        )
        if not value.strip()
    ]
    return errors + _unreadable_signing_key()


@register(Tags.security, deploy=True)
def production_services(app_configs=None, **kwargs) -> list[Error]:
    return [] if settings.DEBUG or settings.REDIS_URL.strip() else [REDIS_URL_MISSING]


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
