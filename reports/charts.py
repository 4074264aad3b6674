"""ECharts options for the report pages, built from the same rows as their tables (the
page draws them with static/js/reports.js; numbers go as plain floats)."""

from django.utils.translation import gettext as _

from .selectors import GRADES

# The grade colours of the badges (static/css/app.css), so a chart reads like the tables.
GRADE_COLOURS = {"A": "#0b6e4f", "B": "#175cd3", "C": "#667085"}


def _number(value) -> float:
    return float(value or 0)


def _category_chart(labels: list, y_axis, series: list) -> dict:
    """Bars (and lines) over one category axis, legend on top, labels that never overlap."""
    return {
        "tooltip": {"trigger": "axis"},
        "legend": {"top": 0},
        "grid": {"left": 8, "right": 8, "bottom": 8, "top": 32, "containLabel": True},
        "xAxis": {"type": "category", "data": [str(label) for label in labels],
                  "axisLabel": {"hideOverlap": True}},
        "yAxis": y_axis,
        "series": series,
    }


def sales_chart(query, analysis) -> dict:
    """Yuan as bars and yuan per carton as a line, one point per row of the table."""
    rows = analysis["rows"] if query.group_by == "month" else analysis["rows"][:15]
    return _category_chart(
        [row["label"] for row in rows],
        [{"type": "value", "name": _("Yuan")},
         {"type": "value", "name": _("Yuan per carton"), "splitLine": {"show": False}}],
        [{"type": "bar", "name": _("Amount (yuan)"),
          "data": [_number(row["amount"]) for row in rows]},
         {"type": "line", "name": _("Average price per carton"), "yAxisIndex": 1,
          "data": [_number(row["average_price"]) for row in rows]}])


def grades_chart(report) -> dict:
    """Stores per grade and business format, stacked."""
    rows = report["formats"]["rows"]
    return _category_chart(
        [row["label"] for row in rows], {"type": "value", "name": _("Stores")},
        [{"type": "bar", "stack": "grades", "name": grade,
          "itemStyle": {"color": GRADE_COLOURS.get(grade)},
          "data": [row["counts"][grade] for row in rows]} for grade in GRADES])
