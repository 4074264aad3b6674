"""Every string of the visits app (code and templates/visits/) has a Chinese translation in
visits/locale. The project-wide check reads catalogs after makemessages, which drops template
strings from app catalogs; this one reads the committed catalog instead."""

import shutil
import subprocess
import sys
from pathlib import Path

import polib
import pytest

ROOT = Path(__file__).resolve().parent.parent.parent
CATALOG = ROOT / "visits" / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"
OURS = ("visits/", "templates/visits/")


@pytest.mark.skipif(shutil.which("xgettext") is None, reason="xgettext is not installed")
def test_every_visits_string_has_a_chinese_translation(tmp_path):
    for name in ["crm_project", "customers", "phone_orders", "visits", "complaints", "reports",
                 "templates", "locale"]:
        if (ROOT / name).exists():
            shutil.copytree(ROOT / name, tmp_path / name,
                            ignore=shutil.ignore_patterns("tests", "__pycache__", "*.mo"))
    shutil.copy(ROOT / "manage.py", tmp_path / "manage.py")
    result = subprocess.run(
        [sys.executable, "manage.py", "makemessages", "-l", "zh_Hans"],
        cwd=tmp_path, capture_output=True, text=True, timeout=300,
        env={"DJANGO_SETTINGS_MODULE": "crm_project.settings.test", "PATH": "/usr/bin:/bin",
             "PYTHONPATH": str(tmp_path)},
    )
    assert result.returncode == 0, result.stderr
    ours = set()
    for po_path in tmp_path.rglob("locale/zh_Hans/LC_MESSAGES/django.po"):
        for entry in polib.pofile(str(po_path)):
            if any(path.lstrip("./").startswith(OURS) for path, _line in entry.occurrences):
                ours.add(entry.msgid)
    translated = {e.msgid for e in polib.pofile(str(CATALOG))
                  if e.translated() and "fuzzy" not in e.flags}

    assert sorted(ours - translated) == []
