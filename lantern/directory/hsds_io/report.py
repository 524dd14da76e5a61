"""What an import reports (`ImportReport`, `ImportIssue`) and where in the input it is."""

import uuid
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class ImportIssue:
    """Why one record cannot be imported: where it is, which field, what is wrong."""

    source: str
    index: int | None  # the record's place in a JSON array, or its line in a CSV file
    record_id: str | None
    field: str
    message: str
    object_id: str | None = None  # the nested object the field belongs to, when not the record

    @property
    def where(self) -> str:
        where = self.source
        if self.index is not None:
            where += f" line {self.index}" if self.source.endswith(".csv") else f"[{self.index}]"
        if self.record_id:
            where += f" (id {self.record_id})"
        return where

    def __str__(self) -> str:
        text = f"{self.where}: {self.field or '(record)'}: {self.message}"
        if self.object_id and self.object_id != self.record_id:
            text += f" (object id {self.object_id})"
        return text

    def as_dict(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "index": self.index,
            "record_id": self.record_id,
            "object_id": self.object_id,
            "field": self.field,
            "message": self.message,
        }


@dataclass
class ImportReport:
    counts: dict[str, int] = field(default_factory=dict)  # rows written per HSDS table
    created: dict[str, int] = field(default_factory=dict)  # of which new
    issues: list[ImportIssue] = field(default_factory=list)  # strict: refused; lenient: skipped
    warnings: list[ImportIssue] = field(default_factory=list)  # lenient: references dropped
    notes: list[str] = field(default_factory=list)
    lenient: bool = False
    written: bool = False  # the import's transaction committed

    @property
    def ok(self) -> bool:
        """Strict: nothing was wrong (and all was written). Lenient: the rest was written."""
        return self.written if self.lenient else not self.issues

    def as_dict(self) -> dict[str, Any]:
        return {
            "mode": "lenient" if self.lenient else "strict",
            "written": self.ok,
            "counts": self.counts,
            "created": self.created,
            "skipped": [issue.as_dict() for issue in self.issues],
            "warnings": [issue.as_dict() for issue in self.warnings],
            "notes": self.notes,
        }


@dataclass(frozen=True)
class _At:
    """A place in the input: a top-level record and the path to a nested object in it."""

    source: str
    index: int | None
    record_id: str | None
    path: str = ""
    object_id: str | None = None

    def child(self, key: str, object_id: Any = None) -> "_At":
        return _At(
            self.source,
            self.index,
            self.record_id,
            f"{self.path}/{key}".lstrip("/"),
            object_id if isinstance(object_id, str) else None,
        )

    def field(self, name: str) -> str:
        return f"{self.path}/{name}".lstrip("/") if name else self.path


@dataclass
class _Item:
    record: dict[str, Any]
    at: _At


class _Invalid(Exception):
    """A nested object could not be built; its issues are already recorded."""


def _uuid(value: Any) -> str:
    return str(uuid.UUID(str(value)))
