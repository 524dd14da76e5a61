"""Uploaded documents: type by content, size limits, images re-encoded without metadata."""

import io
import struct
import zlib

import pytest
from PIL import Image
from PIL.PngImagePlugin import PngInfo

from lantern.cases.documents import (
    DEFAULT_MAX_BYTES,
    MAX_PIXELS,
    CleanDocument,
    clean_document,
    max_bytes,
    safe_filename,
)
from lantern.core.api_errors import FieldError

GPS_IFD = 0x8825
ORIENTATION = 0x0112
MAKE = 0x010F
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
# Made-up places and words that must not survive cleaning.
SECRET = "LanternSecretPlace"


def _image(mode="RGB", size=(32, 16), color=(200, 30, 30)):
    return Image.new(mode, size, color)


def _jpeg_with_gps(size=(32, 16), orientation=None) -> bytes:
    exif = Image.Exif()
    exif[MAKE] = SECRET
    if orientation is not None:
        exif[ORIENTATION] = orientation
    gps = exif.get_ifd(GPS_IFD)
    gps[1] = "N"  # GPSLatitudeRef
    gps[2] = (40.0, 26.0, 46.0)  # GPSLatitude
    gps[3] = "W"  # GPSLongitudeRef
    gps[4] = (79.0, 58.0, 56.0)  # GPSLongitude
    out = io.BytesIO()
    _image(size=size).save(
        out,
        "JPEG",
        exif=exif,
        xmp=f"<x:xmpmeta><rdf:Description>{SECRET}</rdf:Description></x:xmpmeta>".encode(),
        icc_profile=b"ICC-" + SECRET.encode(),
        comment=SECRET.encode(),
    )
    return out.getvalue()


def _jpeg_segments(data: bytes) -> list[int]:
    """The marker of every JPEG segment before the image data (0xE1 is APP1: EXIF or XMP,
    0xE2 APP2: ICC, 0xED APP13: IPTC, 0xFE a comment)."""
    assert data[:2] == b"\xff\xd8"
    markers, at = [], 2
    while at < len(data):
        assert data[at] == 0xFF
        marker = data[at + 1]
        markers.append(marker)
        if marker == 0xDA:  # start of scan: the compressed pixels follow
            break
        (length,) = struct.unpack(">H", data[at + 2 : at + 4])
        at += 2 + length
    return markers


def _png_chunks(data: bytes) -> list[bytes]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    chunks, at = [], 8
    while at < len(data):
        (length,) = struct.unpack(">I", data[at : at + 4])
        chunks.append(data[at + 4 : at + 8])
        at += 12 + length
    return chunks


def _png_chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def _png_claiming(width: int, height: int) -> bytes:
    """A PNG of a few hundred bytes whose header claims width x height pixels."""
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)  # 8-bit grey
    rows = zlib.compress(b"\x00" * 64)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _png_chunk(b"IHDR", header)
        + _png_chunk(b"IDAT", rows)
        + _png_chunk(b"IEND", b"")
    )


# Images lose every piece of metadata


def test_a_jpeg_loses_exif_gps_xmp_icc_and_comments():
    original = _jpeg_with_gps()
    with Image.open(io.BytesIO(original)) as before:  # the test image does carry them
        assert before.getexif().get_ifd(GPS_IFD)
        assert "icc_profile" in before.info
    assert {0xE1, 0xE2, 0xFE} <= set(_jpeg_segments(original))

    cleaned = clean_document(original, filename="photo.jpg")

    assert cleaned.media_type == "image/jpeg"
    assert cleaned.extension == "jpg"
    assert not {0xE1, 0xE2, 0xED, 0xFE} & set(_jpeg_segments(cleaned.content))
    assert b"Exif" not in cleaned.content
    assert SECRET.encode() not in cleaned.content
    with Image.open(io.BytesIO(cleaned.content)) as after:
        assert len(after.getexif()) == 0
        assert after.getexif().get_ifd(GPS_IFD) == {}
        assert not {"exif", "xmp", "icc_profile", "comment"} & set(after.info)
        assert after.size == (32, 16)
        red, green, _blue = after.convert("RGB").getpixel((16, 8))
        assert red > 150 and green < 80  # still the same picture


def test_a_rotated_photo_is_turned_upright_before_its_exif_goes():
    cleaned = clean_document(_jpeg_with_gps(size=(40, 20), orientation=6), filename="p.jpg")
    with Image.open(io.BytesIO(cleaned.content)) as after:
        assert after.size == (20, 40)
        assert ORIENTATION not in after.getexif()


def test_a_png_loses_its_text_chunks_and_exif():
    info = PngInfo()
    info.add_text("Comment", SECRET)
    info.add_text("Location", SECRET, zip=True)
    info.add_itxt("Author", SECRET)
    exif = Image.Exif()
    exif[MAKE] = SECRET
    original = io.BytesIO()
    _image("RGBA", color=(0, 0, 255, 128)).save(original, "PNG", pnginfo=info, exif=exif)
    assert {b"tEXt", b"zTXt", b"iTXt", b"eXIf"} <= set(_png_chunks(original.getvalue()))

    cleaned = clean_document(original.getvalue(), filename="scan.png")

    chunks = set(_png_chunks(cleaned.content))
    assert not {b"tEXt", b"zTXt", b"iTXt", b"eXIf", b"iCCP", b"tIME"} & chunks
    assert SECRET.encode() not in cleaned.content
    with Image.open(io.BytesIO(cleaned.content)) as after:
        assert after.mode == "RGBA"  # transparency kept
        assert after.getpixel((0, 0)) == (0, 0, 255, 128)


def test_a_webp_is_re_encoded_without_exif():
    exif = Image.Exif()
    exif[MAKE] = SECRET
    original = io.BytesIO()
    _image().save(original, "WEBP", exif=exif)
    assert SECRET.encode() in original.getvalue()

    cleaned = clean_document(original.getvalue(), filename="x.webp")

    assert cleaned.media_type == "image/webp"
    assert SECRET.encode() not in cleaned.content
    assert b"EXIF" not in cleaned.content
    with Image.open(io.BytesIO(cleaned.content)) as after:
        assert len(after.getexif()) == 0


@pytest.mark.parametrize(
    ("mode", "color"), [("P", 3), ("L", 100), ("1", 1), ("CMYK", (0, 0, 0, 0)), ("LA", (9, 9))]
)
def test_images_of_every_mode_are_cleaned(mode, color):
    fmt = "JPEG" if mode == "CMYK" else "PNG"
    original = io.BytesIO()
    _image(mode, color=color).save(original, fmt)
    cleaned = clean_document(original.getvalue(), filename="x")
    with Image.open(io.BytesIO(cleaned.content)) as after:
        assert after.size == (32, 16)


def test_a_sixteen_bit_grey_png_is_scaled_not_clipped():
    original = io.BytesIO()
    grey = Image.new("I;16", (4, 4), 0x8000)  # mid-grey in 16 bits
    grey.save(original, "PNG")
    cleaned = clean_document(original.getvalue(), filename="x.png")
    with Image.open(io.BytesIO(cleaned.content)) as after:
        assert after.mode == "L"
        assert after.getpixel((0, 0)) == 128


# Type by content, never by name


def test_a_png_named_pdf_is_a_png():
    original = io.BytesIO()
    _image().save(original, "PNG")
    cleaned = clean_document(original.getvalue(), filename="report.pdf")
    assert cleaned.media_type == "image/png"
    assert cleaned.extension == "png"
    assert cleaned.filename == "report.png"


def test_a_pdf_is_kept_as_it_is():
    cleaned = clean_document(PDF, filename="statement.PDF")
    assert cleaned == CleanDocument(
        content=PDF, media_type="application/pdf", extension="pdf", filename="statement.pdf"
    )


@pytest.mark.parametrize(
    "content",
    [
        b"<!DOCTYPE html><html><body><script>alert(1)</script></body></html>",
        b"<html><body>hello</body></html>",
        b"MZ\x90\x00" + b"\x00" * 200,  # a Windows program
        b"\x7fELF\x02\x01\x01" + b"\x00" * 200,  # a Linux program
        b"PK\x03\x04" + b"\x00" * 200,  # a zip (and so a .docx)
        b"GIF89a" + b"\x00" * 200,
        b"plain text that says nothing about its type",
        b"\xef\xbb\xbf%PDF-1.4\n",  # a byte-order mark before %PDF
    ],
)
def test_other_types_are_refused_whatever_their_name(content):
    with pytest.raises(FieldError) as caught:
        clean_document(content, filename="invoice.pdf")
    assert caught.value.field == "file"
    assert "PDF, JPEG, PNG or WebP" in caught.value.message


# Size and damage


def test_an_empty_file_is_refused():
    with pytest.raises(FieldError) as caught:
        clean_document(b"", filename="x.pdf")
    assert caught.value.field == "file"
    assert "empty" in caught.value.message


def test_the_default_limit_is_ten_megabytes(settings):
    del settings.LANTERN_CASE_DOCUMENT_MAX_BYTES
    assert max_bytes() == DEFAULT_MAX_BYTES == 10 * 1024 * 1024
    too_big = PDF + b"0" * (DEFAULT_MAX_BYTES + 1 - len(PDF))
    with pytest.raises(FieldError) as caught:
        clean_document(too_big, filename="x.pdf")
    assert "10 MB" in caught.value.message


def test_the_limit_comes_from_settings(settings):
    settings.LANTERN_CASE_DOCUMENT_MAX_BYTES = 2048
    exactly = PDF + b"0" * (2048 - len(PDF))
    assert clean_document(exactly, filename="x.pdf").content == exactly
    with pytest.raises(FieldError) as caught:
        clean_document(exactly + b"0", filename="x.pdf")
    assert caught.value.field == "file"
    assert "2 KB" in caught.value.message


@pytest.mark.parametrize(
    ("width", "height"),
    [
        (30000, 30000),  # past twice Pillow's limit: Pillow itself refuses it
        (10000, 10000),  # past Pillow's limit, where it only warns
        (8000, 8000),  # under Pillow's limit, past ours
    ],
)
def test_a_decompression_bomb_is_refused(width, height):
    assert width * height > MAX_PIXELS
    with pytest.raises(FieldError) as caught:
        clean_document(_png_claiming(width, height), filename="tiny.png")
    assert caught.value.field == "file"
    assert "too large" in caught.value.message


@pytest.mark.parametrize(
    "content",
    [
        b"\xff\xd8\xff\xe0" + b"\x00" * 100,  # a JPEG start, then nothing
        _png_claiming(64, 64)[:40],  # a PNG cut short
        b"RIFF\x20\x00\x00\x00WEBPVP8 " + b"\x01" * 40,
    ],
)
def test_a_damaged_image_is_refused(content):
    with pytest.raises(FieldError) as caught:
        clean_document(content, filename="x.jpg")
    assert caught.value.field == "file"
    assert "damaged" in caught.value.message


def test_a_jpeg_cut_short_is_refused():
    whole = _jpeg_with_gps(size=(64, 64))
    with pytest.raises(FieldError, match="damaged"):
        clean_document(whole[: len(whole) // 2], filename="x.jpg")


# Names


@pytest.mark.parametrize(
    ("name", "safe"),
    [
        ("scan.pdf", "scan.png"),
        ("../../etc/passwd", "passwd.png"),
        ("C:\\Users\\ana\\Desktop\\id card.jpg", "id card.png"),
        ("bill\u202egnp.exe", "billgnp.png"),  # a right-to-left override
        ("a\x00b\r\nc.pdf", "abc.png"),
        ("", "document.png"),
        ("...", "document.png"),
        (".hidden", "hidden.png"),
        ("archive.tar.gz", "archive.tar.png"),
        ("  spaced   out  .png", "spaced out.png"),
    ],
)
def test_the_name_is_made_safe_with_the_true_extension(name, safe):
    assert safe_filename(name, "png") == safe


def test_a_long_name_is_cut_to_120_characters():
    name = safe_filename("é" * 300 + ".pdf", "webp")
    assert len(name) == 120
    assert name.endswith("é.webp")
