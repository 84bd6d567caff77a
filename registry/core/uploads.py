"""The upload size limit, enforced while the request streams in, before any file is complete.

`SizeLimitUploadHandler` comes first in FILE_UPLOAD_HANDLERS and counts each file's bytes as they arrive. Up to
DOCUMENT_MAX_UPLOAD_BYTES it passes them on to Django's own handlers (memory for small files, a temporary file
otherwise). Past the limit it stops passing anything on, frees what those handlers kept, and goes on counting without
keeping a byte; at the end of the file it hands the form an empty `OversizedUpload` that knows its real size, so that
the form and document_add refuse it with the usual sentence ("The file is 61 MB; the limit is 50 MB.") next to the
field. A client still sending at twice the limit (and a megabyte) is cut off (StopUpload): it gets no such sentence,
but it costs nothing more. The reverse proxy's body limit (nginx client_max_body_size) should sit a little above the limit.

The number of files per request is Django's DATA_UPLOAD_MAX_NUMBER_FILES (a 400 beyond it).
"""

import contextlib
import io
import unicodedata

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.core.files.uploadhandler import FileUploadHandler, StopUpload

# Past this multiple of the limit, plus the margin, the rest of the request is not even read.
CUT_OFF_FACTOR = 2
CUT_OFF_MARGIN = 1024 * 1024


class OversizedUpload(UploadedFile):
    """An upload refused for its size: no content, only its name, declared type and the size it reached."""

    def __init__(self, name, content_type, size, charset=None, content_type_extra=None):
        super().__init__(io.BytesIO(), name, content_type, size, charset, content_type_extra)
        self.oversized = True


class SizeLimitUploadHandler(FileUploadHandler):
    def new_file(self, *args, **kwargs):
        super().new_file(*args, **kwargs)
        self.received = 0
        self.over = False

    @staticmethod
    def limit() -> int:
        return settings.DOCUMENT_MAX_UPLOAD_BYTES

    def _free_later_handlers(self):
        # The handlers after this one received the bytes up to the limit: drop them now rather than at the end.
        for handler in getattr(self.request, "upload_handlers", ()):
            if handler is not self and getattr(handler, "file", None) is not None:
                with contextlib.suppress(OSError):
                    handler.file.close()

    def receive_data_chunk(self, raw_data, start):
        self.received += len(raw_data)
        if self.received <= self.limit():
            return raw_data
        if not self.over:
            self.over = True
            self._free_later_handlers()
        if self.received > CUT_OFF_FACTOR * self.limit() + CUT_OFF_MARGIN:
            raise StopUpload(connection_reset=True)
        return None  # nothing more reaches the other handlers: nothing past the limit is kept

    def file_complete(self, file_size):
        if self.over:
            return OversizedUpload(
                self.file_name, self.content_type, self.received, self.charset, self.content_type_extra
            )
        return None  # within the limit: the next handler returns the file


def display_name(name: str | None) -> str:
    """An uploaded file's name as it may be shown and sent back in Content-Disposition: its last path segment (either
    separator), without control or formatting characters (CR, LF, NUL, the right-to-left override that makes
    "invoice\u202efdp.exe" read "invoiceexe.pdf"), at most 255 characters. It is never used as a path: stored files
    get random names (registry.qualification.models.document_upload_to)."""
    name = (name or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(c for c in name if unicodedata.category(c) not in ("Cc", "Cf", "Zl", "Zp"))
    name = name.strip()
    return name[-255:] if name not in ("", ".", "..") else "document"
