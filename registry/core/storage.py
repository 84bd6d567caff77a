"""Private storage in an S3-compatible object store, and reading a stored file front to back whatever the storage.

Used when S3_BUCKET is set (trustedcloud/settings/files.py); otherwise the private files stay in FileSystemStorage under
PRIVATE_MEDIA_ROOT. Either way nothing in the storage has a URL anyone could follow: every file leaves through a view
that checks who asks (registry/qualification/files.py, registry/public/views/certificate_pdf.py), which streams it.

Why streaming rather than redirecting to a presigned URL: a presigned link is a bearer token for its lifetime (it can
be forwarded, and it lands in browser history and proxy logs), the object store's response would carry neither our
sandboxing Content-Security-Policy nor nosniff, the audit log would record a download that may happen any number of
times, and the object store would have to be reachable from browsers. The web process pays the bandwidth instead.
"""

from botocore.exceptions import ClientError
from django.core.files.storage import Storage
from storages.backends.s3 import S3Storage

# Read by the download views in blocks of this size (FileResponse reads the same way from local files).
CHUNK = 64 * 1024


def _not_found(error: ClientError) -> bool:
    return error.response.get("ResponseMetadata", {}).get("HTTPStatusCode") == 404 or error.response.get(
        "Error", {}
    ).get("Code") in {"NoSuchKey", "404", "NotFound"}


class PrivateS3Storage(S3Storage):
    """django-storages' S3 storage with no URLs, objects private, and reads that stream."""

    def url(self, name, parameters=None, expire=None, http_method=None):
        # A presigned or public URL would bypass the permission checks (see the module's docstring).
        raise NotImplementedError("Private files have no URL: they are served by views that check who asks.")

    def open_stream(self, name: str):
        """The object's body as a file-like object read front to back (one GET, nothing buffered on disk), and its
        size. FileNotFoundError when there is no such object."""
        key = self._normalize_name(name)
        try:
            answer = self.connection.meta.client.get_object(Bucket=self.bucket_name, Key=key)
        except ClientError as error:
            if _not_found(error):
                raise FileNotFoundError(f"No such object: {name}") from error
            raise
        return answer["Body"], answer["ContentLength"]

    def save_new(self, name: str, content: bytes) -> None:
        """Write an object only if there is none under that name (a conditional PUT): of two processes creating it
        at once, one wins and the other gets FileExistsError."""
        key = self._normalize_name(name)
        try:
            self.connection.meta.client.put_object(
                Bucket=self.bucket_name, Key=key, Body=content, IfNoneMatch="*", **self._write_acl()
            )
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") in {"PreconditionFailed", "ConditionalRequestConflict"}:
                raise FileExistsError(name) from error
            raise

    def _write_acl(self) -> dict:
        return {"ACL": self.default_acl} if self.default_acl else {}


def open_for_download(storage: Storage, name: str):
    """A stored file opened for a response: (file-like object, size or None). Streams from an object store that can
    (PrivateS3Storage); any other storage opens the file as usual (a local file is read in blocks by FileResponse).
    FileNotFoundError when the file is missing."""
    opener = getattr(storage, "open_stream", None)
    if opener is not None:
        return opener(name)
    return storage.open(name, "rb"), None
