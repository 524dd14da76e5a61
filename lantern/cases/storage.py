"""Document storage: one file per case document, its bytes sealed under the case's own key.

Files live in `settings.LANTERN_CASE_DOCUMENT_DIR`, named by the document's id (a UUID, so
no name a person typed ever reaches the file system). The folder is created 0700 and each
file 0600; a file is written to a temporary name in the same folder and renamed into place,
so a reader never sees half a document and a crash leaves no partial file under a real name.

What is stored is already sealed (`CaseCipher.seal_bytes`): a copy of the folder without
the database's case keys reads as noise, and destroying a case key (the purge) makes its
files unreadable even in old backups. `delete_case_files` removes them as well.
"""

import os
import uuid
from pathlib import Path
from typing import Any

from django.conf import settings

from lantern.cases.models import Case, CaseDocument

TEMP_PREFIX = ".partial-"


def document_dir() -> Path:
    return Path(settings.LANTERN_CASE_DOCUMENT_DIR)


def _name(document_id: Any) -> str:
    # Only a real UUID becomes a file name: nothing else can point outside the folder.
    return str(uuid.UUID(str(document_id)))


def document_path(document_id: Any) -> Path:
    return document_dir() / _name(document_id)


def _ensure_dir() -> Path:
    folder = document_dir()
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    return folder


def write_document(document_id: Any, sealed: bytes) -> Path:
    """Store one sealed document (0600, written under a temporary name, then renamed)."""
    folder = _ensure_dir()
    final = folder / _name(document_id)
    temp = folder / f"{TEMP_PREFIX}{_name(document_id)}-{uuid.uuid4().hex}"
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(sealed)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp, final)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
    return final


def read_document(document_id: Any) -> bytes:
    """The sealed bytes of one document (FileNotFoundError when it is not stored)."""
    return document_path(document_id).read_bytes()


def delete_document(document_id: Any) -> bool:
    path = document_path(document_id)
    existed = path.exists()
    path.unlink(missing_ok=True)
    return existed


def delete_case_files(case: Case) -> int:
    """Remove every stored file of the case's documents (the purge calls this); returns how
    many files were removed. The document rows are left to the caller."""
    removed = 0
    for document_id in CaseDocument.objects.filter(case=case).values_list("id", flat=True):
        removed += delete_document(document_id)
    return removed
