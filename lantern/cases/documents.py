"""Checking and cleaning an uploaded case document before it is stored.

The type of a file is decided by its content (the `filetype` package reads its magic bytes),
never by its name or by the Content-Type the browser sent: a PNG named "scan.pdf" is a PNG,
and an HTML page or a program renamed "scan.pdf" is refused.

Accepted: PDF, JPEG, PNG and WebP. Not accepted: HEIC (Pillow cannot read it without a
plugin, so it could not be cleaned), office files (a DOCX is a zip that can carry macros,
embedded objects and its author's name, and we have nothing to clean it with), plain text (no
magic bytes to recognise it by).

Images are decoded and encoded again, so that nothing but the pixels survives: no EXIF (the
GPS position of a phone photo above all), no XMP, no IPTC, no ICC profile, no PNG text chunks.
The EXIF orientation is applied first, so photos stay upright. An animated image keeps its
first frame.

PDFs are kept byte for byte: their metadata (author, the software that made them, dates) is
NOT removed, because there is no dependable way to rewrite a PDF without a new dependency (a
PDF library), and a half-done rewrite could lose content. Serve them as attachments, never
inline; ask people to export scans as images where the metadata matters.
"""

import io
import unicodedata
import warnings
from dataclasses import dataclass
from typing import Final

import filetype
from django.conf import settings
from PIL import Image, ImageOps

from lantern.core.api_errors import FieldError

FIELD: Final = "file"
DEFAULT_MAX_BYTES: Final = 10 * 1024 * 1024
# Pixels an image may have. A 48-megapixel phone photo fits; decoding one takes about 150 MB,
# so the limit also bounds the memory one upload can take. Pillow's own bomb guard
# (Image.MAX_IMAGE_PIXELS) stays in force behind it and is not changed here.
MAX_PIXELS: Final = 50_000_000
MAX_FILENAME: Final = 120
JPEG_QUALITY: Final = 90

# media type -> extension, for what we accept.
ALLOWED: dict[str, str] = {
    "application/pdf": "pdf",
    "image/jpeg": "jpg",
    "image/png": "png",
    "image/webp": "webp",
}
# What `filetype` answers -> what we accept it as (an animated PNG is still a PNG).
_DETECTED_AS: Final = {**{media: media for media in ALLOWED}, "image/apng": "image/png"}
_PILLOW_FORMAT: Final = {"image/jpeg": "JPEG", "image/png": "PNG", "image/webp": "WEBP"}
ACCEPTED_TEXT: Final = "PDF, JPEG, PNG or WebP"
_SIXTEEN_BIT_GREY: Final = ("I", "I;16", "I;16B", "I;16L")


@dataclass(frozen=True)
class CleanDocument:
    content: bytes
    media_type: str
    extension: str
    filename: str  # a safe name to show and to offer on download, with the true extension


def max_bytes() -> int:
    """The size limit, read from settings on each call (LANTERN_CASE_DOCUMENT_MAX_BYTES)."""
    return int(getattr(settings, "LANTERN_CASE_DOCUMENT_MAX_BYTES", DEFAULT_MAX_BYTES))


def size_text(size: int) -> str:
    """ "10 MB", "512 KB", "900 bytes": for messages."""
    for unit, factor in (("MB", 1024 * 1024), ("KB", 1024)):
        if size >= factor and size % factor == 0:
            return f"{size // factor} {unit}"
    if size >= 1024 * 1024:
        return f"{size / (1024 * 1024):.1f} MB"
    return f"{size} bytes"


def clean_document(data: bytes, *, filename: str) -> CleanDocument:
    """The document checked and, for an image, re-encoded without its metadata.

    Refusals are FieldError("file", ...): empty, larger than the limit, a type we do not
    accept (whatever its name says), or an image that is corrupt or has too many pixels.
    """
    if not data:
        raise FieldError(FIELD, "the file is empty")
    limit = max_bytes()
    if len(data) > limit:
        raise FieldError(FIELD, f"the file is larger than the limit of {size_text(limit)}")
    media_type = _media_type(data)
    if media_type == "application/pdf":
        if not data.startswith(b"%PDF-"):
            raise FieldError(FIELD, f"not a file we accept: send a {ACCEPTED_TEXT} file")
        content = data
    else:
        content = _clean_image(data, media_type)
    extension = ALLOWED[media_type]
    return CleanDocument(
        content=content,
        media_type=media_type,
        extension=extension,
        filename=safe_filename(filename, extension),
    )


def _media_type(data: bytes) -> str:
    kind = filetype.guess(data)
    media_type = _DETECTED_AS.get(kind.mime) if kind is not None else None
    if media_type is None:
        raise FieldError(FIELD, f"not a file we accept: send a {ACCEPTED_TEXT} file")
    return media_type


def _clean_image(data: bytes, media_type: str) -> bytes:
    pillow_format = _PILLOW_FORMAT[media_type]
    try:
        with warnings.catch_warnings():
            # Pillow warns, rather than fails, between MAX_IMAGE_PIXELS and twice that.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data), formats=[pillow_format]) as opened:
                if opened.width * opened.height > MAX_PIXELS:
                    raise _too_many_pixels()
                upright = ImageOps.exif_transpose(opened)
            pixels = _pixels_only(upright, media_type)
            out = io.BytesIO()
            if pillow_format == "PNG":
                pixels.save(out, format="PNG")
            else:
                pixels.save(out, format=pillow_format, quality=JPEG_QUALITY)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise _too_many_pixels() from None
    except (OSError, SyntaxError, ValueError, EOFError, Image.UnidentifiedImageError):
        raise FieldError(FIELD, "the image could not be read: it may be damaged") from None
    return out.getvalue()


def _too_many_pixels() -> FieldError:
    return FieldError(
        FIELD, f"the image is too large: at most {MAX_PIXELS // 1_000_000} megapixels"
    )


def _pixels_only(image: Image.Image, media_type: str) -> Image.Image:
    """A new image made of the pixels alone: nothing of the original's `info` (EXIF, XMP,
    ICC profile, text chunks) can reach the encoder, whatever the encoder would copy."""
    if image.mode in _SIXTEEN_BIT_GREY:  # a 16-bit grey PNG: scaled, not clipped, to 8 bits
        image = image.convert("I").point(lambda value: value / 256).convert("L")
    has_alpha = image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info
    if media_type == "image/jpeg":
        mode = "L" if image.mode in ("1", "L") else "RGB"
    elif media_type == "image/png" and image.mode in ("1", "L", "LA"):
        mode = "LA" if has_alpha else "L"
    else:
        mode = "RGBA" if has_alpha else "RGB"
    converted = image if image.mode == mode else image.convert(mode)
    return Image.frombytes(mode, converted.size, converted.tobytes())


def safe_filename(filename: str, extension: str) -> str:
    """A name that is safe to show and to offer on download: the last part of any path,
    control and invisible format characters (such as the right-to-left override that makes
    "cod.exe" read "exe.doc") removed, at most 120 characters, ending in the true extension."""
    name = unicodedata.normalize("NFC", filename).replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C")
    name = " ".join(name.split()).strip(" .")  # no leading dot: not a hidden file
    stem = name.rsplit(".", 1)[0].rstrip(" .") if "." in name else name
    stem = stem or "document"
    suffix = f".{extension}"
    return stem[: MAX_FILENAME - len(suffix)].rstrip(" .") + suffix
