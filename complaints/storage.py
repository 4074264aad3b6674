"""Complaint files live in a private folder under MEDIA_ROOT with no public URL: they are
read only through the scoped download view."""

from pathlib import Path

from django.conf import settings
from django.core.files.storage import FileSystemStorage


def private_storage() -> FileSystemStorage:
    return FileSystemStorage(location=Path(settings.MEDIA_ROOT) / "private", base_url=None)
