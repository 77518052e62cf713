"""Bulk import of clubs from the public club-list format (JSON array or CSV, same columns).

Columns: name, email, phone, contactName, postcode, region, latitude, longitude (only name
and region are required). A club is matched by (name, postcode), so re-importing a file
changes nothing. Bad rows are rejected with reasons and never half-imported; a database
error rolls the whole import back.
"""

import csv
import io
import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone

from boxerconnect.cache.watch import rows_changed
from clubs.models import Club

COLUMNS = ("name", "email", "phone", "contactName", "postcode", "region", "latitude", "longitude")
# File column → model field, for the fields an import owns (it never touches the others).
FIELD_OF = {
    "name": "name",
    "region": "region",
    "postcode": "postcode",
    "latitude": "latitude",
    "longitude": "longitude",
    "email": "contact_email",
    "phone": "contact_phone",
    "contactName": "contact_name",
}
SIX_PLACES = Decimal("0.000001")
BATCH = 500

# UK postcode: outward code (area, district) + inward code (sector, unit); GIR 0AA is special.
_POSTCODE = re.compile(r"^(?:([A-Z]{1,2}[0-9][A-Z0-9]?)([0-9][A-Z]{2})|(GIR)(0AA))$")


class ImportFileError(Exception):
    """The file as a whole cannot be read (missing, malformed, wrong shape)."""


def normalize_postcode(raw: str) -> str | None:
    """Canonical "OUT IN" form of a UK postcode (any case/spacing), or None if malformed."""
    compact = "".join(raw.split()).upper()
    match = _POSTCODE.match(compact)
    if not match:
        return None
    outward, inward = (match.group(1), match.group(2)) if match.group(1) else (match.group(3), match.group(4))
    return f"{outward} {inward}"


@dataclass
class Rejected:
    row: int
    name: str
    reasons: list[str]

    def __str__(self) -> str:
        return f"row {self.row} ({self.name or 'no name'}): " + "; ".join(self.reasons)


@dataclass
class ImportReport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: list[Rejected] = field(default_factory=list)
    dry_run: bool = False

    def summary(self) -> str:
        prefix = "dry run, nothing saved: " if self.dry_run else ""
        return (
            f"{prefix}created {self.created}, updated {self.updated}, "
            f"unchanged {self.unchanged}, rejected {len(self.rejected)}"
        )


# --- Reading ------------------------------------------------------------------------------


def read_rows(path: str | Path, fmt: str | None = None) -> list[dict[str, Any]]:
    """The rows of a JSON array or CSV file (format from `fmt` or the file extension)."""
    path = Path(path)
    fmt = (fmt or path.suffix.lstrip(".")).lower()
    if fmt not in ("json", "csv"):
        raise ImportFileError(f"unknown format {fmt!r}: use a .json or .csv file (or --format)")
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise ImportFileError(f"cannot read {path}: {exc}") from exc
    if fmt == "csv":
        reader = csv.DictReader(io.StringIO(text))
        if reader.fieldnames is None or "name" not in reader.fieldnames:
            raise ImportFileError("the CSV file needs a header row with at least a 'name' column")
        return [dict(row) for row in reader]
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ImportFileError(f"malformed JSON: {exc}") from exc
    if not isinstance(data, list):
        raise ImportFileError("the JSON file must hold an array of club objects")
    return data


# --- Cleaning one row ---------------------------------------------------------------------


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool | dict | list):
        raise ValueError("must be text")
    return " ".join(str(value).split())


def _coordinate(value: Any, limit: int, label: str, errors: list[str]) -> Decimal | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        errors.append(f"invalid {label}: {value!r}")
        return None
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        errors.append(f"invalid {label}: {value!r}")
        return None
    if not number.is_finite() or not -limit <= number <= limit:
        errors.append(f"invalid {label}: {value!r} (must be between -{limit} and {limit})")
        return None
    return number.quantize(SIX_PLACES)


def clean_row(raw: Any) -> tuple[dict[str, Any] | None, list[str]]:
    """Model field values of one file row, or None and the reasons it is rejected."""
    if not isinstance(raw, dict):
        return None, ["not an object"]
    errors: list[str] = []
    values: dict[str, Any] = {}
    for column in ("name", "region", "email", "phone", "contactName", "postcode"):
        try:
            values[FIELD_OF[column]] = _text(raw.get(column))
        except ValueError:
            errors.append(f"{column} must be text")
            values[FIELD_OF[column]] = ""
    if not values["name"]:
        errors.append("missing name")
    if not values["region"]:
        errors.append("missing region")
    if values["postcode"]:
        postcode = normalize_postcode(values["postcode"])
        if postcode is None:
            errors.append(f"malformed UK postcode: {values['postcode']!r}")
        else:
            values["postcode"] = postcode
    if values["contact_email"]:
        try:
            validate_email(values["contact_email"])
        except ValidationError:
            errors.append(f"invalid email: {values['contact_email']!r}")
    values["latitude"] = _coordinate(raw.get("latitude"), 90, "latitude", errors)
    values["longitude"] = _coordinate(raw.get("longitude"), 180, "longitude", errors)
    if (values["latitude"] is None) != (values["longitude"] is None) and not any(
        e.startswith(("invalid latitude", "invalid longitude")) for e in errors
    ):
        errors.append("invalid coordinates: latitude and longitude come together")
    if not errors:
        try:
            Club(**values).full_clean(validate_unique=False, validate_constraints=False)
        except ValidationError as exc:
            errors += [f"{name}: {' '.join(msgs)}" for name, msgs in exc.message_dict.items()]
    return (None, errors) if errors else (values, [])


def match_key(name: str, postcode: str) -> tuple[str, str]:
    """How an imported row finds its club: the name (case and spacing ignored) and postcode."""
    return " ".join(name.split()).casefold(), postcode


# --- Import -------------------------------------------------------------------------------

Progress = Callable[[Iterable, int], Iterable]


def _no_progress(rows: Iterable, total: int) -> Iterable:
    return rows


@transaction.atomic
def clubs_import(
    *,
    rows: list[Any],
    publish: bool = False,
    dry_run: bool = False,
    country: str = "",
    progress: Progress = _no_progress,
) -> ImportReport:
    """Create or update clubs from file rows; one transaction (any database error: nothing saved).

    Imported clubs are unpublished unless `publish` (which also publishes matched clubs).
    `country` is set on created clubs only. `dry_run` does all the work and rolls it back.
    Invalidates the permission facts of created clubs and of clubs whose publication changed.
    """
    report = ImportReport(dry_run=dry_run)
    existing: dict[tuple[str, str], Club] = {}
    for club in Club.objects.order_by("created_at", "id"):
        existing.setdefault(match_key(club.name, club.postcode), club)
    seen: dict[tuple[str, str], int] = {}
    to_create: list[Club] = []
    to_update: dict[Any, Club] = {}
    changed_fields: set[str] = set()

    for number, raw in enumerate(progress(rows, len(rows)), start=1):
        values, errors = clean_row(raw)
        name = _safe_name(raw)
        if values is None:
            report.rejected.append(Rejected(number, name, errors))
            continue
        key = match_key(values["name"], values["postcode"])
        if key in seen:
            report.rejected.append(
                Rejected(number, name, [f"duplicate of row {seen[key]} (same name and postcode)"])
            )
            continue
        seen[key] = number
        found = existing.get(key)
        if found is None:
            to_create.append(Club(**values, country=country, is_published=publish))
            report.created += 1
            continue
        wanted = {**values, **({"is_published": True} if publish else {})}
        diff = {name: value for name, value in wanted.items() if getattr(found, name) != value}
        if not diff:
            report.unchanged += 1
            continue
        for field_name, value in diff.items():
            setattr(found, field_name, value)
        changed_fields |= diff.keys()
        to_update[found.pk] = found
        report.updated += 1

    Club.objects.bulk_create(to_create, batch_size=BATCH)
    if to_update:
        now = timezone.now()
        for club in to_update.values():
            club.updated_at = now  # bulk_update skips auto_now
        fields = sorted(changed_fields | {"updated_at"})
        Club.objects.bulk_update(list(to_update.values()), fields, batch_size=BATCH)
    # Bulk writes send no model signal: say what was written (cached facts, read models).
    if to_create:
        rows_changed.send(sender=Club, rows=to_create, created=True)
    if to_update:
        rows_changed.send(sender=Club, rows=list(to_update.values()), fields=sorted(changed_fields))
    if dry_run:
        transaction.set_rollback(True)
    return report


def _safe_name(raw: Any) -> str:
    if isinstance(raw, dict) and isinstance(raw.get("name"), str):
        return " ".join(raw["name"].split())[:80]
    return ""
