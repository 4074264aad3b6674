"""Excel exports of the ranking and of one scorecard, as the pages show them."""

from django.utils.translation import gettext as _

from crm_project.exports import xlsx_rows_response


def _name(user) -> str:
    return user.get_full_name() or user.username


def ranking_xlsx(report):
    cards = report["cards"]
    labels = [line["label"] for line in cards[0]["lines"]] if cards else []
    headers = [_("Rank"), _("Login"), _("Name"), *labels, _("Total")]
    rows = [[card["rank"], card["user"].username, _name(card["user"]),
             *[line["points"] for line in card["lines"]], card["total"]] for card in cards]
    return xlsx_rows_response(title=_("Scorecard ranking"), headers=headers, rows=rows,
                              filename=f"ranking-{report['role']}-{report['month']:%Y%m}")


def scorecard_xlsx(report, card):
    headers = [_("Indicator"), _("Value"), _("Target"), _("Weight"), _("Points")]
    rows = [[line["label"], line["value"], line["target"], line["weight"], line["points"]]
            for line in card["lines"]]
    rows.append([_("Total"), None, None, None, card["total"]])
    return xlsx_rows_response(
        title=_("Scorecard"), headers=headers, rows=rows,
        filename=f"scorecard-{card['user'].username}-{report['month']:%Y%m}")
