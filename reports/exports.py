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


def _ratio_percent(value):
    return round(value * 100, 1) if value is not None else None


# The tables of the morning view: title, headers, and the cells of one row.
MORNING_TABLES = {
    "ordering": (lambda: _("Phone ordering today"),
                 lambda: [_("Clerk"), _("Stores to call"), _("Called"), _("Ordered"),
                          _("No answer"), _("Call back")],
                 lambda row: [row["clerk"]["name"], row["to_call"], row["called"],
                              row["ordered"], row["no_answer"], row["call_back"]]),
    "visits": (lambda: _("Visits yesterday"),
               lambda: [_("Customer manager"), _("Planned"), _("Done"), _("Missed"),
                        _("Customer time ratio %")],
               lambda row: [row["manager"]["name"], row["planned"], row["done"],
                            row["missed"], _ratio_percent(row["customer_time_ratio"])]),
    "new_warnings": (lambda: _("New churn warnings since yesterday"),
                     lambda: [_("Customer manager"), _("Warnings")],
                     lambda row: [(row["manager"] or {}).get("name", ""), row["warnings"]]),
    "overdue_complaints": (lambda: _("Overdue complaints"),
                           lambda: [_("Handler"), _("Complaints")],
                           lambda row: [(row["handler"] or {}).get("name", ""),
                                        row["complaints"]]),
    "scarce": (lambda: _("Scarce SKUs this cycle"),
               lambda: [_("SKU code"), _("SKU"), _("Available"), _("Granted"), _("Remaining"),
                        _("Unmet demand")],
               lambda row: [row["product"]["code"], row["product"]["name"], row["available"],
                            row["granted"], row["remaining"], row["unmet"]]),
}


def morning_xlsx(morning: dict, table: str):
    title, headers, cells = MORNING_TABLES[table]
    return xlsx_rows_response(title=title(), headers=headers(),
                              rows=[cells(row) for row in morning[table]],
                              filename=f"morning-{table}-{morning['today']:%Y%m%d}")


# The network tables of the grades page: title, headers, and the cells of one row.
NETWORK_TABLES = {
    "status": (lambda: _("Stores by status"),
               lambda: [_("Group"), _("New this month"), _("Active"), _("Suspended"),
                        _("Closed")],
               lambda row: [str(row["label"]), row["new"], row["active"], row["suspended"],
                            row["closed"]]),
    "churn": (lambda: _("Monthly churn"),
              lambda: [_("Group"), _("Stores buying last month"), _("Stopped buying"),
                       f"{_('Churn rate')} %"],
              lambda row: [str(row["label"]), row["active"], row["stopped"], row["rate"]]),
    "pareto": (lambda: _("Pareto per customer manager"),
               lambda: [_("Customer manager"), _("Stores buying"), _("Amount (yuan)"),
                        _("Stores making 80 per cent of purchases"), f"{_('Share of stores')} %"],
               lambda row: [str(row["label"]), row["stores"], row["amount"],
                            row["top_stores"], row["top_share"]]),
}


def network_xlsx(network: dict, table: str):
    title, headers, cells = NETWORK_TABLES[table]
    return xlsx_rows_response(title=title(), headers=headers(),
                              rows=[cells(row) for row in network[table]],
                              filename=f"network-{table}-{network['month']:%Y%m}")
