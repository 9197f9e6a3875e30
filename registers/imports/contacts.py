"""Contacts in priority order (DESIGN.md §9 import_contacts)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction

from ..models import (
    Contact,
    Pupil,
    School,
)
from ..tenancy import school_scope
from .common import (
    BATCH_SIZE,
    Row,
    RowError,
    Table,
    as_table,
    check_columns,
    refuse_if,
    repeated_rows,
    text_value,
)

CONTACT_COLUMNS = (
    "upn",
    "priority",
    "name",
    "relationship",
    "parental_responsibility",
    "phone",
    "email",
)
CONTACT_OPTIONAL_COLUMNS = ("address",)
MAX_CONTACT_PRIORITY = 99
PHONE_CHARACTERS = frozenset("0123456789 +-()")


@dataclass
class ContactsImported:
    created: int
    updated: int
    unchanged: int


CONTACT_FIELDS = ("name", "relationship", "parental_responsibility", "phone", "email")


def _contact_row(row: Row, *, pupils: Mapping[str, int], with_address: bool) -> dict:
    upn = text_value(row.values.get("upn")).upper().replace(" ", "")
    pupil_id = pupils.get(upn)
    if not upn:
        row.error("upn is missing.")
    elif pupil_id is None:
        row.error(f"upn {upn!r} is not a pupil on this school's roll.")
    priority_text = row.text("priority", required=True)
    priority = None
    if priority_text:
        if priority_text.isdigit() and 1 <= int(priority_text) <= MAX_CONTACT_PRIORITY:
            priority = int(priority_text)
        else:
            row.error(
                f"priority {priority_text!r} must be a whole number from 1 "
                f"(called first) to {MAX_CONTACT_PRIORITY}."
            )
    email = row.text("email")
    if email:
        try:
            validate_email(email)
        except ValidationError:
            row.error(f"email {email!r} is not an email address.")
    phone = row.text("phone")
    if phone and not set(phone) <= PHONE_CHARACTERS:
        row.error(f"phone {phone!r} may hold only digits, spaces and + - ( ).")
    values = {
        "upn": upn,
        "pupil_id": pupil_id,
        "priority": priority,
        "name": row.text("name", required=True),
        "relationship": row.text("relationship"),
        "parental_responsibility": row.flag("parental_responsibility", required=True),
        "phone": phone,
        "email": email,
    }
    if with_address:
        lines = [line.strip() for line in row.text("address").split(";")]
        values["address"] = "\n".join(line for line in lines if line)
    return values


def contacts_import(*, school: School, rows: Table | Iterable[Mapping]) -> ContactsImported:
    """Add or update pupils' contacts, matched by (pupil, priority).

    A row for a pupil and priority the school already has replaces that contact's
    details (its parent-portal login stays); contacts not in the file are kept. The
    address is changed only when the file has an address column.
    """
    table = as_table(rows)
    check_columns(table, CONTACT_COLUMNS)
    with_address = "address" in table.columns
    fields = [*CONTACT_FIELDS, "address"] if with_address else list(CONTACT_FIELDS)
    with school_scope(school):
        pupils = dict(Pupil.objects.filter(school=school).values_list("upn", "pk"))
        errors: list[RowError] = []
        parsed = []
        for number, values in table.rows:
            row = Row(number, values, errors)
            parsed.append((row, _contact_row(row, pupils=pupils, with_address=with_address)))
        errors += repeated_rows(
            [
                (row.number, (v["upn"], v["priority"]))
                for row, v in parsed
                if v["pupil_id"] and v["priority"]
            ],
            "A contact for this upn and priority",
        )
        refuse_if(errors)
        with transaction.atomic():
            return _write_contacts(school=school, parsed=parsed, fields=fields, errors=errors)


def _write_contacts(*, school, parsed, fields, errors) -> ContactsImported:
    existing: dict[tuple[int, int], Contact] = {}
    # Oldest first, so that of two contacts sharing a priority the older one is updated.
    for contact in Contact.objects.filter(school=school).order_by("pk"):
        existing.setdefault((contact.pupil_id, contact.priority), contact)
    to_create, to_update, unchanged = [], [], 0
    for row, values in parsed:
        key = (values["pupil_id"], values["priority"])
        contact = existing.get(key) or Contact(
            school=school, pupil_id=values["pupil_id"], priority=values["priority"]
        )
        before = tuple(getattr(contact, f) for f in fields)
        for name in fields:
            setattr(contact, name, values[name])
        try:
            contact.full_clean(
                exclude=["school", "pupil", "user"],
                validate_unique=False,
                validate_constraints=False,
            )
        except ValidationError as exc:
            row.model_errors(exc, {})
            continue
        if contact.pk is None:
            to_create.append(contact)
        elif tuple(getattr(contact, f) for f in fields) == before:
            unchanged += 1
        else:
            to_update.append(contact)
    refuse_if(errors)
    Contact.objects.bulk_create(to_create, batch_size=BATCH_SIZE)
    Contact.objects.bulk_update(to_update, fields, batch_size=BATCH_SIZE)
    return ContactsImported(created=len(to_create), updated=len(to_update), unchanged=unchanged)


# ---- Register history ----------------------------------------------------------------
