"""What an uploaded file is, read from its first bytes, never from its name or the
browser's word: shared by complaint attachments and visit photos."""

# Magic bytes of the accepted file types: (prefix, offset, content type, extension).
SIGNATURES = [
    (b"\xff\xd8\xff", 0, "image/jpeg", "jpg"),
    (b"\x89PNG\r\n\x1a\n", 0, "image/png", "png"),
    (b"GIF87a", 0, "image/gif", "gif"),
    (b"GIF89a", 0, "image/gif", "gif"),
    (b"%PDF-", 0, "application/pdf", "pdf"),
]


def sniff_content_type(head: bytes) -> tuple[str, str] | None:
    """The type of a file from its first bytes, never from its name."""
    for prefix, offset, content_type, extension in SIGNATURES:
        if head[offset:offset + len(prefix)] == prefix:
            return content_type, extension
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp", "webp"
    return None


def sniff_upload(upload) -> tuple[str, str] | None:
    """The type of an uploaded file from its first bytes; the file is rewound."""
    upload.seek(0)
    head = upload.read(16)
    upload.seek(0)
    return sniff_content_type(head)
