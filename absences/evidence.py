"""Evidence files for leave requests: private storage, and the type checked by content.

Files live under settings.PRIVATE_STORAGE_ROOT, outside MEDIA_ROOT and the static
files, with no URL of their own (`base_url=None`): the only way to read one is
`absences.views.leave.leave_evidence`, which checks the school and the reader.

A file's type is what its first bytes say, never its name or the browser's
Content-Type: a PDF starts "%PDF-", a PNG with its 8-byte signature, a JPEG with
FF D8 FF. Anything else (an .exe renamed .pdf, an HTML page called photo.jpg, an SVG)
is refused with a message saying what is accepted.
"""

from __future__ import annotations

import os
import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.storage import FileSystemStorage
from django.utils.deconstruct import deconstructible

# Accepted types: (the signature at the start of the file, content type, extension).
SIGNATURES = (
    (b"%PDF-", "application/pdf", "pdf"),
    (b"\x89PNG\r\n\x1a\n", "image/png", "png"),
    (b"\xff\xd8\xff", "image/jpeg", "jpg"),
)
ACCEPTED = "a PDF, a JPEG photo or a PNG image"
# At most this many files on one request.
MAX_FILES = 5


@deconstructible
class PrivateStorage(FileSystemStorage):
    """A file system storage with no URL: nothing under it is served by the web server."""

    def __init__(self):
        super().__init__(base_url=None)

    # Read the setting at each use (not once at import), so a deployment or a test that
    # sets PRIVATE_STORAGE_ROOT is obeyed.
    @property
    def base_location(self):
        return settings.PRIVATE_STORAGE_ROOT

    @property
    def location(self):
        return os.path.abspath(self.base_location)

    def url(self, name):
        raise ValueError("Private files have no URL: serve them through a view that checks.")

    def __eq__(self, other):
        return isinstance(other, PrivateStorage)


def private_storage() -> PrivateStorage:
    """The storage of evidence files (a callable, so the setting is read at run time)."""
    return PrivateStorage()


def evidence_path(instance, filename: str) -> str:
    """Where a file is kept: by school and request, under a random name (the parent's
    file name is kept in the row, never used as a path)."""
    ext = next((e for _, t, e in SIGNATURES if t == instance.content_type), "bin")
    return f"leave/{instance.school_id}/{instance.request_id}/{uuid.uuid4().hex}.{ext}"


def sniff(head: bytes) -> str | None:
    """The content type the file's first bytes show, or None if not an accepted one."""
    return next((t for sig, t, _ in SIGNATURES if head.startswith(sig)), None)


def evidence_check(file) -> str:
    """Check an uploaded file; return its content type (from its content).

    Raises ValidationError with a message a parent can act on: too large (the limit in
    settings.LEAVE_EVIDENCE_MAX_BYTES), empty, or not a PDF/JPEG/PNG by its content,
    whatever its name or declared type says."""
    name = getattr(file, "name", "The file")
    limit = settings.LEAVE_EVIDENCE_MAX_BYTES
    if file.size > limit:
        raise ValidationError(
            f"{name} is {file.size / 1_048_576:.1f} MB; a file can be at most "
            f"{limit // 1_048_576} MB. A photo of the letter or a scanned PDF is plenty."
        )
    if file.size == 0:
        raise ValidationError(f"{name} is empty.")
    file.seek(0)
    head = file.read(16)
    file.seek(0)
    kind = sniff(head)
    if kind is None:
        raise ValidationError(
            f"{name} is not {ACCEPTED}: only those can be sent (the file's content is "
            "checked, not its name)."
        )
    return kind
