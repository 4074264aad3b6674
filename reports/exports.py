"""Excel exports of the report tables, exactly as the page shows them (filters applied)."""

from django.utils.translation import gettext as _

from crm_project.exports import xlsx_rows_response

from .selectors import GRADES, group_label


def sales_xlsx(query, analysis):
    month_rows = query.group_by == "month"
    headers = [group_label(query.group_by), _("Cartons"), _("Amount (yuan)"),
               _("Average price per carton"), _("Stores"), _("Share %")]
    headers += [_("Month on month %")] if month_rows else []
    headers += [_("Same period last year (yuan)"), _("Year on year %")]

    def cells(row):
        line = [str(row["label"]), row["cartons"], row["amount"], row["average_price"],
                row["stores"], row["share"]]
        line += [row["mom"]] if month_rows else []
        return [*line, row["last_year_amount"], row["yoy"]]

    total = analysis["total"]
    rows = [cells(row) for row in analysis["rows"]]
    rows.append([_("Total"), total["cartons"], total["amount"], total["average_price"],
                 total["stores"]])
    return xlsx_rows_response(
        title=_("Sales analysis"), headers=headers, rows=rows,
        filename=f"sales-{query.group_by}-{query.first:%Y%m}-{query.last:%Y%m}")


def grade_table_xlsx(table, *, title: str, group_label: str, with_previous: bool = False):
    headers = [group_label, *GRADES, _("Stores")]
    if with_previous:
        headers += [f"{grade} ({_('last month')})" for grade in GRADES]
    headers += [_("Purchases in the month (yuan)")]
    rows = []
    for row in [*table["rows"], {**table["total"], "label": _("Total")}]:
        line = [str(row["label"]), *[row["counts"][grade] for grade in GRADES], row["total"]]
        if with_previous:
            line += [row.get("previous", {}).get("counts", {}).get(grade, 0) for grade in GRADES]
        rows.append([*line, row["amount"]])
    month = f"{table['month']:%Y%m}" if table["month"] else "none"
    return xlsx_rows_response(title=title, headers=headers, rows=rows,
                              filename=f"grades-{month}")


def grade_changes_xlsx(changes):
    headers = [_("Customer code"), _("Store name"), _("Territory"), _("Customer manager"),
               _("Old grade"), _("New grade"), _("Old monthly average (yuan)"),
               _("New monthly average (yuan)"), _("As of")]
    rows = ([change.customer.code, change.customer.name, change.customer.territory.name,
             (change.customer.manager.get_full_name() or change.customer.manager.username)
             if change.customer.manager else "", change.old_grade, change.new_grade,
             change.old_monthly_average, change.new_monthly_average, change.as_of]
            for change in changes.iterator(chunk_size=2000))
    return xlsx_rows_response(title=_("Grade changes"), headers=headers, rows=rows,
                              filename="grade-changes")
