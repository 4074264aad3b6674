"""Import of stores from CSV or Excel: all rows or none.

Every row is checked first (formats, ranges, known territory and manager, duplicates in the
file, licence numbers owned by another store); any error means nothing is written and every
bad row is reported with its row number (as a spreadsheet shows it), column and reason.
Existing customer codes are updated, new ones created, in one transaction.
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
MAX_ROWS = 200_000


@dataclass
class RowError:
    row: int
    column: str
    message: str

    def as_dict(self) -> dict:
        return {"row": self.row, "column": self.column, "message": self.message}


@dataclass
class ImportResult:
    rows: int = 0
    created: int = 0
    updated: int = 0
    errors: list[RowError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


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


def customers_import(*, content: bytes, filename: str, user=None,
                     dry_run: bool = False) -> ImportResult:
    """Check every row, then create or update all of them, or nothing.

    `user` is None when run by the management command (a system import).
    """
    if user is not None and not can(user, Ability.IMPORT_DATA):
        raise PermissionDenied(_("Only an administrator may import customers."))
    frame = read_table(content, filename=filename, columns=COLUMNS, required=REQUIRED)
    if len(frame) > MAX_ROWS:
        raise BusinessError(_("At most %(max)s rows per file.") % {"max": MAX_ROWS})
    result = ImportResult(rows=len(frame))
    rows = _validate_rows(frame, result)
    if result.errors or dry_run:
        return result
    _write(rows, result, user)
    return result


def _validate_rows(frame: pd.DataFrame, result: ImportResult) -> list[dict]:
    territories = {t.code: t for t in Territory.objects.all()}
    usernames = set(frame["manager"]) - {""}
    managers = {u.username: u for u in User.objects.filter(username__in=usernames)}
    network_aliases = _choice_aliases(Network.choices)
    format_aliases = _choice_aliases(BusinessFormat.choices)
    status_aliases = _choice_aliases(CustomerStatus.choices)
    rows: list[dict] = []
    seen_codes: dict[str, int] = {}
    seen_licences: dict[str, int] = {}

    for index, record in enumerate(frame[COLUMNS].to_dict("records")):
        line = index + 2  # the header is row 1
        errors_before = len(result.errors)

        def error(column: str, message: str, line=line) -> None:
            result.errors.append(RowError(line, column, str(message)))

        for column in REQUIRED:
            if not record[column]:
                error(column, _("This value is required."))
        values = {
            "code": record["customer_code"], "name": record["name"],
            "license_no": record["license_no"], "owner": record["owner"],
            "phone": record["phone"], "address": record["address"],
        }
        territory = territories.get(record["territory"])
        if record["territory"] and territory is None:
            error("territory",
                  _("Unknown territory code %(code)s.") % {"code": record["territory"]})
        values["territory"] = territory
        manager = None
        if record["manager"]:
            manager = managers.get(record["manager"])
            if manager is None:
                error("manager", _("Unknown user %(name)s.") % {"name": record["manager"]})
            elif not is_manager_account(manager):
                error("manager", _("%(name)s is not a customer manager.")
                      % {"name": record["manager"]})
                manager = None
        values["manager"] = manager
        for column, aliases, default in [
            ("network", network_aliases, Network.URBAN),
            ("business_format", format_aliases, BusinessFormat.CONVENIENCE),
            ("status", status_aliases, CustomerStatus.ACTIVE),
        ]:
            raw = record[column]
            if not raw:
                values[column] = default
            elif raw.lower() in aliases:
                values[column] = aliases[raw.lower()]
            else:
                error(column, _("Unknown value %(value)s.") % {"value": raw})
        weekday = record["order_weekday"] or "2"
        if weekday.isdigit() and 1 <= int(weekday) <= 7:
            values["order_weekday"] = int(weekday)
        else:
            error("order_weekday", _("Order weekday is a number from 1 (Monday) to 7 (Sunday)."))
        for column in ("latitude", "longitude"):
            raw = record[column]
            if not raw:
                values[column] = None
                continue
            try:
                values[column] = Decimal(raw).quantize(Decimal("0.000001"))
            except InvalidOperation:
                error(column, _("Enter a number."))
        code, licence = values["code"], values["license_no"]
        if code in seen_codes:
            error("customer_code", _("Same customer code as row %(row)s.")
                  % {"row": seen_codes[code]})
        if licence in seen_licences:
            error("license_no", _("Same licence number as row %(row)s.")
                  % {"row": seen_licences[licence]})
        seen_codes.setdefault(code, line)
        seen_licences.setdefault(licence, line)
        # Field formats and ranges by the model's own validators, for the fields not
        # already reported; uniqueness is checked set-wise below.
        reported = {FIELD_FOR_COLUMN.get(e.column, e.column)
                    for e in result.errors[errors_before:]}
        candidate = Customer(**{k: v for k, v in values.items() if k not in reported})
        try:
            candidate.clean_fields(exclude=["territory", "manager", *reported])
        except ValidationError as invalid:
            for name, messages in invalid.message_dict.items():
                column = next((c for c, f in FIELD_FOR_COLUMN.items() if f == name), name)
                for message in messages:
                    error(column, message)
        values["_row"] = line
        rows.append(values)

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
