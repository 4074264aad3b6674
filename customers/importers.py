"""Import of stores from CSV or Excel: all rows or none, and nothing that surprises.

Every row is checked first (formats, ranges, known territory and manager, duplicates in the
file, licence numbers owned by another store); any error means nothing is written and every
bad row is reported with its row number (as a spreadsheet shows it), column and reason.
Existing customer codes are updated, new ones created, in one transaction.

For a store that exists, a blank cell leaves its field as it is; to empty an optional field
(phone, manager, latitude, longitude) write `__clear__` in the cell. What each store would
change (old -> new) is listed in `ImportResult.changes`, by the dry run as by the import.
Moving a store to another territory or customer manager is refused unless the import is
run with `confirm_moves` (the page's checkbox, the command's `--confirm-moves`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

import pandas as pd
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import translation
from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from crm_project.errors import BusinessError
from crm_project.tables import read_table

from .access import Ability, can, is_manager_account
from .models import BusinessFormat, Customer, CustomerStatus, Network, Territory, User
from .pinyin import name_initials

COLUMNS = ["customer_code", "name", "license_no", "owner", "phone", "address", "territory",
           "manager", "network", "business_format", "order_weekday", "latitude", "longitude",
           "status"]
REQUIRED = ["customer_code", "name", "license_no", "owner", "address", "territory"]
# File column -> model field, where they differ.
FIELD_FOR_COLUMN = {"customer_code": "code"}
UPDATABLE = ["name", "name_initials", "owner_initials", "license_no", "owner", "phone",
             "address", "territory", "manager", "network", "business_format", "order_weekday",
             "latitude", "longitude", "status"]
# The columns of the file that set a field (all but the code), in file order.
VALUE_COLUMNS = COLUMNS[1:]
CLEAR = "__clear__"
CLEARABLE = {"phone", "manager", "latitude", "longitude"}
MOVE_COLUMNS = ("territory", "manager")
DEFAULTS = {"phone": "", "manager": None, "network": Network.URBAN,
            "business_format": BusinessFormat.CONVENIENCE, "order_weekday": 2,
            "latitude": None, "longitude": None, "status": CustomerStatus.ACTIVE}
MAX_ROWS = 200_000
KEEP = object()  # a blank cell on a store that exists: the field stays as it is


@dataclass
class RowError:
    row: int
    column: str
    message: str

    def as_dict(self) -> dict:
        return {"row": self.row, "column": self.column, "message": self.message}


@dataclass
class FieldChange:
    column: str
    old: str
    new: str


@dataclass
class StoreChange:
    """What the import does to one store: created, or these fields old -> new."""

    row: int
    code: str
    name: str
    created: bool = False
    fields: list[FieldChange] = field(default_factory=list)

    @property
    def moves(self) -> bool:
        return any(f.column in MOVE_COLUMNS for f in self.fields)


@dataclass
class ImportResult:
    rows: int = 0
    created: int = 0
    updated: int = 0
    errors: list[RowError] = field(default_factory=list)
    changes: list[StoreChange] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def moves(self) -> list[StoreChange]:
        return [change for change in self.changes if change.moves]

    @property
    def new_stores(self) -> list[StoreChange]:
        return [change for change in self.changes if change.created]

    @property
    def changed_stores(self) -> list[StoreChange]:
        return [change for change in self.changes if not change.created]


# Words clerks type in spreadsheets that are not the labels themselves.
EXTRA_ALIASES = {"城网": Network.URBAN, "城市": Network.URBAN, "农网": Network.RURAL,
                 "农村": Network.RURAL, "正常": CustomerStatus.ACTIVE,
                 "暂停": CustomerStatus.SUSPENDED, "歇业": CustomerStatus.SUSPENDED,
                 "注销": CustomerStatus.CLOSED}


def _choice_aliases(choices) -> dict[str, str]:
    """Accept the stored value and the label in either language: urban, 城网, Urban network."""
    values = {str(value) for value, _label in choices}
    aliases = {k: v for k, v in EXTRA_ALIASES.items() if str(v) in values}
    for value, label in choices:
        aliases[str(value).lower()] = value
        for language in ("zh-hans", "en"):
            with translation.override(language):
                aliases[str(label).lower()] = value
    return aliases


def customers_import(*, content: bytes, filename: str, user=None, dry_run: bool = False,
                     confirm_moves: bool = False) -> ImportResult:
    """Check every row, then create or update all of them, or nothing.

    `user` is None when run by the management command (a system import). Moving a store
    to another territory or manager is an error unless `confirm_moves`; a dry run lists
    the moves without refusing them.
    """
    if user is not None and not can(user, Ability.IMPORT_DATA):
        raise PermissionDenied(_("Only an administrator may import customers."))
    frame = read_table(content, filename=filename, columns=COLUMNS, required=REQUIRED)
    if len(frame) > MAX_ROWS:
        raise BusinessError(_("At most %(max)s rows per file.") % {"max": MAX_ROWS})
    result = ImportResult(rows=len(frame))
    rows = _validate_rows(frame, result)
    if not dry_run and not confirm_moves:
        _refuse_moves(result)
    if result.errors or dry_run:
        return result
    _write(rows, result, user)
    return result


def _refuse_moves(result: ImportResult) -> None:
    for change in result.moves:
        for moved in change.fields:
            if moved.column in MOVE_COLUMNS:
                result.errors.append(RowError(change.row, moved.column, _(
                    "Moves store %(code)s from %(old)s to %(new)s: confirm the moves to "
                    "import this file.") % {"code": change.code, "old": moved.old,
                                            "new": moved.new}))
    result.errors.sort(key=lambda e: (e.row, COLUMNS.index(e.column)
                                      if e.column in COLUMNS else 99))


def _shown(name: str, value) -> str:
    """A field's value as the page shows it: codes, user names and choice labels."""
    if value is None or value == "":
        return "—"
    if isinstance(value, Territory):
        return value.code
    if isinstance(value, User):
        return value.username
    choices = dict(Customer._meta.get_field(name).flatchoices)
    return str(choices.get(value, value))


class _Parser:
    """Turns one cell into a field value (or KEEP), reporting what is wrong."""

    def __init__(self, frame: pd.DataFrame):
        self.territories = {t.code: t for t in Territory.objects.all()}
        usernames = set(frame["manager"]) - {"", CLEAR}
        self.managers = {u.username: u for u in User.objects.filter(username__in=usernames)}
        self.aliases = {"network": _choice_aliases(Network.choices),
                        "business_format": _choice_aliases(BusinessFormat.choices),
                        "status": _choice_aliases(CustomerStatus.choices)}

    def value(self, column: str, raw: str, *, exists: bool, error):
        if raw == CLEAR:
            if column not in CLEARABLE:
                error(column, _("This field cannot be cleared."))
                return KEEP
            return DEFAULTS[column]
        if raw == "":
            if exists:
                return KEEP
            if column in REQUIRED:
                error(column, _("This value is required."))
                return KEEP
            return DEFAULTS[column]
        if column == "territory":
            territory = self.territories.get(raw)
            if territory is None:
                error(column, _("Unknown territory code %(code)s.") % {"code": raw})
                return KEEP
            return territory
        if column == "manager":
            manager = self.managers.get(raw)
            if manager is None:
                error(column, _("Unknown user %(name)s.") % {"name": raw})
                return KEEP
            if not is_manager_account(manager):
                error(column, _("%(name)s is not a customer manager.") % {"name": raw})
                return KEEP
            return manager
        if column in self.aliases:
            if raw.lower() in self.aliases[column]:
                return self.aliases[column][raw.lower()]
            error(column, _("Unknown value %(value)s.") % {"value": raw})
            return KEEP
        if column == "order_weekday":
            if raw.isdigit() and 1 <= int(raw) <= 7:
                return int(raw)
            error(column, _("Order weekday is a number from 1 (Monday) to 7 (Sunday)."))
            return KEEP
        if column in ("latitude", "longitude"):
            try:
                return Decimal(raw).quantize(Decimal("0.000001"))
            except InvalidOperation:
                error(column, _("Enter a number."))
                return KEEP
        return raw


def _validate_rows(frame: pd.DataFrame, result: ImportResult) -> list[dict]:
    parser = _Parser(frame)
    existing = Customer.objects.select_related("territory", "manager").in_bulk(
        [code for code in frame["customer_code"] if code], field_name="code")
    rows: list[dict] = []
    seen_codes: dict[str, int] = {}
    seen_licences: dict[str, int] = {}

    for index, record in enumerate(frame[COLUMNS].to_dict("records")):
        line = index + 2  # the header is row 1
        errors_before = len(result.errors)

        def error(column: str, message: str, line=line) -> None:
            result.errors.append(RowError(line, column, str(message)))

        code = record["customer_code"]
        if not code:
            error("customer_code", _("This value is required."))
        current = existing.get(code) if code else None
        values = {"code": code}
        for column in VALUE_COLUMNS:
            parsed = parser.value(column, record[column], exists=current is not None,
                                  error=error)
            if parsed is KEEP:
                parsed = getattr(current, column) if current is not None else None
            values[column] = parsed
        licence = values["license_no"]
        if code in seen_codes:
            error("customer_code", _("Same customer code as row %(row)s.")
                  % {"row": seen_codes[code]})
        if licence and licence in seen_licences:
            error("license_no", _("Same licence number as row %(row)s.")
                  % {"row": seen_licences[licence]})
        seen_codes.setdefault(code, line)
        if licence:
            seen_licences.setdefault(licence, line)
        # Field formats and ranges by the model's own validators, for the fields not
        # already reported; uniqueness is checked set-wise below.
        reported = {FIELD_FOR_COLUMN.get(e.column, e.column)
                    for e in result.errors[errors_before:]}
        candidate = Customer(**{k: v for k, v in values.items()
                                if k not in reported and v is not None})
        try:
            candidate.clean_fields(exclude=["territory", "manager", *reported])
        except ValidationError as invalid:
            for name, messages in invalid.message_dict.items():
                column = next((c for c, f in FIELD_FOR_COLUMN.items() if f == name), name)
                for message in messages:
                    error(column, message)
        values["_row"] = line
        rows.append(values)
        if current is None:
            result.changes.append(StoreChange(line, code, values["name"] or "", created=True))
            continue
        changed = [FieldChange(column, _shown(column, getattr(current, column)),
                               _shown(column, values[column]))
                   for column in VALUE_COLUMNS if getattr(current, column) != values[column]]
        if changed:
            result.changes.append(StoreChange(line, code, current.name, fields=changed))

    # Licence numbers that already belong to a different store.
    owners = dict(
        Customer.objects.filter(license_no__in=list(seen_licences)).values_list("license_no",
                                                                                  "code")
    )
    for values in rows:
        holder = owners.get(values["license_no"])
        if holder is not None and holder != values["code"]:
            result.errors.append(RowError(
                values["_row"], "license_no",
                _("Licence number already belongs to customer %(code)s.") % {"code": holder},
            ))
    result.errors.sort(key=lambda e: (e.row, COLUMNS.index(e.column)
                                      if e.column in COLUMNS else 99))
    return rows


@transaction.atomic
def _write(rows: list[dict], result: ImportResult, user) -> None:
    existing = Customer.objects.select_for_update().in_bulk(
        [r["code"] for r in rows], field_name="code"
    )
    to_create, to_update = [], []
    for values in rows:
        values = {k: v for k, v in values.items() if k != "_row"}
        values["name_initials"] = name_initials(values["name"])
        values["owner_initials"] = name_initials(values.get("owner") or "")[:50]
        customer = existing.get(values["code"])
        if customer is None:
            to_create.append(Customer(**values))
            continue
        if any(getattr(customer, f) != values[f] for f in UPDATABLE):
            for name in UPDATABLE:
                setattr(customer, name, values[name])
            to_update.append(customer)
    reason = _("Imported from file")
    if to_create:
        bulk_create_with_history(to_create, Customer, batch_size=1000, default_user=user,
                                 default_change_reason=reason)
    if to_update:
        try:
            with transaction.atomic():
                bulk_update_with_history(to_update, Customer, UPDATABLE, batch_size=1000,
                                         default_user=user, default_change_reason=reason)
        except IntegrityError as error:
            # Licence numbers swapped between two stores in one file: refuse the whole file.
            raise BusinessError(_("Licence numbers conflict between stores in this file; "
                                  "nothing was imported. Change them in two steps.")) from error
    result.created = len(to_create)
    result.updated = len(to_update)
