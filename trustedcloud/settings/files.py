"""Files: static files, the private storage of evidence documents and certificate PDFs, uploads and their checks."""

import os
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

from .core import BASE_DIR, DEBUG
from .env import env_int, env_list, env_str

STATIC_URL = "static/"
# Where collectstatic writes (and whitenoise serves from); a deployment or a benchmark run may keep it elsewhere.
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(BASE_DIR / "staticfiles")))
STATICFILES_DIRS = [BASE_DIR / "static"]

# Evidence documents are confidential: they live in private storage, outside any public URL, and are served only
# through views that check who is asking (registry/portal/views/documents.py, registry/agency/).
PRIVATE_MEDIA_ROOT = Path(env_str("PRIVATE_MEDIA_ROOT", str(BASE_DIR / "private")))
# Several machines: the same private files in an S3-compatible object store, objects private, no URL of their own
# (registry/core/storage.py): the views stream them after their checks. Credentials come from boto's usual chain
# (AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY, a profile, an instance role), never from these settings.
S3_BUCKET = env_str("S3_BUCKET")
# Behind nginx: the location (marked `internal`) whose root is PRIVATE_MEDIA_ROOT, e.g. "/_private/". Set, a
# permitted download is an empty response with X-Accel-Redirect to that location plus the file's storage name, and
# nginx sends the file; unset, Django streams it.
DOCUMENT_X_ACCEL_REDIRECT_PREFIX = env_str("DOCUMENT_X_ACCEL_REDIRECT_PREFIX")
if S3_BUCKET and DOCUMENT_X_ACCEL_REDIRECT_PREFIX:
    raise ImproperlyConfigured(
        "DOCUMENT_X_ACCEL_REDIRECT_PREFIX serves files from PRIVATE_MEDIA_ROOT on disk; with S3_BUCKET set the "
        "files are in the object store: unset it (Django streams them)."
    )


def _private_storage() -> dict:
    if not S3_BUCKET:
        return {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": PRIVATE_MEDIA_ROOT, "base_url": None},
        }
    return {
        "BACKEND": "registry.core.storage.PrivateS3Storage",
        "OPTIONS": {
            "bucket_name": S3_BUCKET,
            "endpoint_url": env_str("S3_ENDPOINT_URL") or None,
            "region_name": env_str("S3_REGION") or None,
            "addressing_style": env_str("S3_ADDRESSING_STYLE") or None,
            # A prefix inside the bucket, so that one bucket can serve several installations.
            "location": env_str("S3_PREFIX"),
            # "private" unless set; empty for a bucket whose ACLs are disabled (object ownership "bucket owner
            # enforced"), which refuses requests that carry one.
            "default_acl": os.environ.get("S3_DEFAULT_ACL", "private") or None,
            # Never overwrite silently, as on disk: a taken name gets a suffix (names are random anyway).
            "file_overwrite": False,
            # A file read by the checks is spooled to disk beyond this, not held in memory.
            "max_memory_size": 5 * 1024 * 1024,
        },
    }


STORAGES = {
    "default": _private_storage(),
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

# Uploads: the size limit is enforced while the request streams in (registry.core.uploads), before Django's own
# handlers keep anything; a request carries a few files at most (400 beyond). Stored files are readable by the app's
# user only.
DOCUMENT_MAX_UPLOAD_BYTES = env_int("DOCUMENT_MAX_UPLOAD_BYTES", 50 * 1024 * 1024)
DOCUMENT_ALLOWED_TYPES = env_list("DOCUMENT_ALLOWED_TYPES", "application/pdf")
FILE_UPLOAD_HANDLERS = [
    "registry.core.uploads.SizeLimitUploadHandler",
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "django.core.files.uploadhandler.TemporaryFileUploadHandler",
]
DATA_UPLOAD_MAX_NUMBER_FILES = env_int("DATA_UPLOAD_MAX_NUMBER_FILES", 5)
FILE_UPLOAD_PERMISSIONS = 0o640
FILE_UPLOAD_DIRECTORY_PERMISSIONS = 0o750

# Document checks (registry/qualification/services/document_checks.py), in a worker after each upload: type by
# content, the PDF opened and refused when encrypted, unreadable or active (JavaScript, launch actions, attached files,
# XFA), pages counted, then a ClamAV scan when clamd is configured: CLAMD_SOCKET (a unix socket path) or CLAMD_HOST
# and CLAMD_PORT. With neither, there is no antivirus scan and a document passing the other checks is clean. clamd's
# StreamMaxLength, MaxFileSize and MaxScanSize must exceed DOCUMENT_MAX_UPLOAD_BYTES: clamd reports a file over its
# limits as clean.
CLAMD_SOCKET = env_str("CLAMD_SOCKET")
CLAMD_HOST = env_str("CLAMD_HOST")
CLAMD_PORT = env_int("CLAMD_PORT", 3310)
# Seconds for each read and write on the clamd connection (clamd answers once it has scanned the whole file).
CLAMD_TIMEOUT = env_int("CLAMD_TIMEOUT", 60)
# The check task's time limits (seconds): at the soft one the document is marked failed, at the hard one the worker
# process is killed. Far above the time to check the largest upload (bench/check_document.py: a 50 MB PDF of 500
# pages in 0.4 s, 1.3 s with clamd; of 5,000 pages in 7 s): a file that takes that long is a hostile one.
DOCUMENT_CHECK_SOFT_TIME_LIMIT = env_int("DOCUMENT_CHECK_SOFT_TIME_LIMIT", 180)
DOCUMENT_CHECK_TIME_LIMIT = env_int("DOCUMENT_CHECK_TIME_LIMIT", 240)
# Documents still pending this long after their upload (the queue lost the check, or clamd was down) are checked
# again by the periodic task (settings/celery.py), once clamd answers.
DOCUMENT_CHECK_GRACE = env_int("DOCUMENT_CHECK_GRACE", 300)
