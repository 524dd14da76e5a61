"""What an import reads: every HSDS 3.1 shape, told apart by its content.

Accepted: one object (a service, organization, service-at-location, location, taxonomy or
taxonomy term, plain or `*_full`), an array of them (`*_list`), the paginated envelope
(`contents` with `total_items` ...), a directory of such JSON files (an export's `json/`),
the HSDS tabular package (a directory with `datapackage.json` and CSV files, see
`csvpackage`), and a zip of a JSON directory or a tabular package. Which object a record is
comes from its keys against the HSDS schemas; a file's name only breaks a tie.
"""

import json
import zipfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path, PurePosixPath
from typing import IO, Any

from lantern.directory.hsds_io.schemas import hsds_schemas

KINDS = ("service", "organization", "service_at_location", "location", "taxonomy_term", "taxonomy")
_PAGE_KEYS = {
    "total_items",
    "total_pages",
    "page_number",
    "size",
    "first_page",
    "last_page",
    "empty",
    "contents",
}
# Uploads from the staff page: the file as sent, and a zip's members once uncompressed
# (and how many). The command line reads files and directories without these limits.
UPLOAD_MAX_BYTES = 20 * 1024 * 1024
ZIP_MAX_BYTES = 50 * 1024 * 1024
ZIP_MAX_MEMBERS = 200


class SourceError(ValueError):
    """The input as a whole cannot be read (not a zip, unsafe, too large ...)."""

    def __init__(self, message: str, *, too_large: bool = False) -> None:
        super().__init__(message)
        self.too_large = too_large


@dataclass
class Source:
    """Records of one kind from one file: (index or CSV line, record) pairs."""

    name: str
    kind: str
    records: list[tuple[int, Any]]


@dataclass
class Reading:
    sources: list[Source] = field(default_factory=list)
    problems: list[tuple[str, int | None, str | None, str, str]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def problem(
        self,
        source: str,
        message: str,
        *,
        index: int | None = None,
        record_id: Any = None,
        field: str = "",
    ) -> None:
        rid = record_id if isinstance(record_id, str) else None
        self.problems.append((source, index, rid, field, message))


# A set of files by (relative, POSIX) name, read on demand.
Files = dict[str, Callable[[], bytes]]


def _hint(name: str) -> str | None:
    stem = PurePosixPath(name).stem.lower()
    for prefix, kind in (
        ("service_at_location", "service_at_location"),
        ("service", "service"),
        ("organization", "organization"),
        ("location", "location"),
        ("taxonomy_term", "taxonomy_term"),
        ("taxonom", "taxonomy"),
    ):
        if stem.startswith(prefix):
            return kind
    return None


def detect_kind(record: Any, hint: str | None = None) -> str | None:
    """The HSDS object `record` is: the kind whose schema explains the most of its keys.

    A record that several kinds explain equally well (`{"id", "name", "description"}` is an
    organization, a taxonomy and a taxonomy term) takes `hint`, or is not told apart (None).
    """
    if not isinstance(record, dict):
        return hint or "service"
    schemas = hsds_schemas()
    keys = set(record)
    scores = {}
    for kind in KINDS:
        schema = schemas[kind]
        unknown = len(keys - set(schema.get("properties", {})))
        missing = len(set(schema.get("required", [])) - keys)
        scores[kind] = (unknown, missing)
    best = min(scores.values())
    tied = [kind for kind in KINDS if scores[kind] == best]
    if len(tied) == 1:
        return tied[0]
    return hint if hint in tied else None


def _records(document: Any) -> list[tuple[int, Any]] | None:
    if isinstance(document, dict):
        contents = document.get("contents")
        if isinstance(contents, list) and set(document) <= _PAGE_KEYS:
            return list(enumerate(contents))
        return [(0, document)]
    if isinstance(document, list):
        return list(enumerate(document))
    return None


def read_json_document(name: str, data: bytes, reading: Reading) -> None:
    """One JSON file: an object, an array or a page, each record sorted by its kind."""
    try:
        document = json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError) as err:
        reading.problem(name, f"not readable as JSON: {err}")
        return
    records = _records(document)
    if records is None:
        reading.problem(name, "expected an HSDS object, an array of them, or a page")
        return
    hint = _hint(name)
    by_kind: dict[str, list[tuple[int, Any]]] = {}
    for index, record in records:
        kind = detect_kind(record, hint)
        if kind is None:
            reading.problem(
                name,
                "cannot tell which HSDS object this is (its keys fit several); name the file "
                "after it, e.g. organizations.json or taxonomies.json",
                index=index,
                record_id=record.get("id"),
            )
            continue
        by_kind.setdefault(kind, []).append((index, record))
    for kind in KINDS:
        if kind in by_kind:
            reading.sources.append(Source(name, kind, by_kind[kind]))


def _read_json_files(files: Files, names: Iterable[str], reading: Reading) -> None:
    for name in sorted(names):
        read_json_document(name, files[name](), reading)


def read_files(label: str, files: Files) -> Reading:
    """A set of files (a directory or a zip): a tabular package or JSON files."""
    from lantern.directory.hsds_io.csvpackage import is_tabular_package, read_tabular_package

    reading = Reading()
    in_json = [n for n in files if n.startswith("json/") and n.endswith(".json")]
    top_json = [
        n for n in files if "/" not in n and n.endswith(".json") and n != "datapackage.json"
    ]
    if in_json:  # a Lantern export: its JSON is the fuller rendering
        _read_json_files(files, in_json, reading)
    elif is_tabular_package(files):
        read_tabular_package(files, reading)
    elif top_json:
        _read_json_files(files, top_json, reading)
    else:
        reading.problem(
            label,
            "no HSDS data found: expected JSON files, or a datapackage.json with CSV files",
        )
    return reading


def _directory_files(directory: Path) -> Files:
    files: Files = {}
    for path in sorted(directory.rglob("*")):
        if path.is_file() and not path.is_symlink():
            name = path.relative_to(directory).as_posix()
            files[name] = path.read_bytes
    return files


def read_zip(label: str, handle: IO[bytes] | Path) -> Reading:
    """A zip of a JSON directory or a tabular package, read in memory within fixed limits.

    The member count and the uncompressed size are capped (a zip bomb is refused before
    anything is inflated past the cap, whatever its headers claim); names with `..` or an
    absolute path are refused; one folder around everything is ignored.
    """
    try:
        archive = zipfile.ZipFile(handle)
    except (zipfile.BadZipFile, OSError) as err:
        raise SourceError(f"{label}: not a readable zip file ({err})") from err
    with archive:
        members = [info for info in archive.infolist() if not info.is_dir()]
        if len(members) > ZIP_MAX_MEMBERS:
            raise SourceError(
                f"{label}: the zip holds {len(members)} files; at most {ZIP_MAX_MEMBERS} are read",
                too_large=True,
            )
        names = []
        for info in members:
            path = PurePosixPath(info.filename.replace("\\", "/"))
            if path.is_absolute() or ".." in path.parts:
                raise SourceError(f"{label}: unsafe name in the zip: {info.filename}")
            names.append(path)
        prefix = _common_folder(names)
        contents: dict[str, bytes] = {}
        budget = ZIP_MAX_BYTES
        for info, path in zip(members, names, strict=True):
            if path.name.startswith(".") or "__MACOSX" in path.parts:
                continue
            data = _read_member(archive, info, budget, label)
            budget -= len(data)
            contents[PurePosixPath(*path.parts[prefix:]).as_posix()] = data
    files: Files = {name: partial(bytes, data) for name, data in contents.items()}
    return read_files(label, files)


def _common_folder(names: list[PurePosixPath]) -> int:
    firsts = {path.parts[0] for path in names if len(path.parts) > 1}
    if len(firsts) == 1 and all(len(path.parts) > 1 for path in names):
        return 1
    return 0


def _read_member(archive: zipfile.ZipFile, info: zipfile.ZipInfo, budget: int, label: str) -> bytes:
    too_big = SourceError(
        f"{label}: the zip unpacks to more than {ZIP_MAX_BYTES / (1024 * 1024):.1f} MB; "
        "split it or import from the command line",
        too_large=True,
    )
    if info.file_size > budget:
        raise too_big
    chunks = []
    with archive.open(info) as member:
        while chunk := member.read(64 * 1024):
            budget -= len(chunk)
            if budget < 0:
                raise too_big
            chunks.append(chunk)
    return b"".join(chunks)


def read_path(path: Path) -> Reading:
    """A file (JSON or zip) or a directory (JSON files or a tabular package)."""
    if path.is_dir():
        return read_files(str(path), _directory_files(path))
    if not path.exists():
        reading = Reading()
        reading.problem(str(path), "no such file or directory")
        return reading
    if zipfile.is_zipfile(path):
        try:
            return read_zip(path.name, path)
        except SourceError as err:
            reading = Reading()
            reading.problem(path.name, str(err))
            return reading
    reading = Reading()
    try:
        data = path.read_bytes()
    except OSError as err:
        reading.problem(path.name, f"cannot read: {err}")
        return reading
    read_json_document(path.name, data, reading)
    return reading


def read_upload(name: str, handle: IO[bytes], size: int) -> Reading:
    """An uploaded file: a JSON document, or a zip of a JSON directory or tabular package.

    Raises `SourceError` for a file over `UPLOAD_MAX_BYTES` or a zip over its limits.
    """
    if size > UPLOAD_MAX_BYTES:
        raise SourceError(
            f"{name}: {size / (1024 * 1024):.1f} MB is more than the "
            f"{UPLOAD_MAX_BYTES / (1024 * 1024):.1f} MB a page upload may be; split it or "
            "import from the command line",
            too_large=True,
        )
    if zipfile.is_zipfile(handle):
        handle.seek(0)
        return read_zip(name, handle)
    handle.seek(0)
    reading = Reading()
    read_json_document(name, handle.read(UPLOAD_MAX_BYTES + 1), reading)
    return reading
