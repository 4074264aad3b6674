"""Every user-facing string has a Chinese translation (Chinese is the default language).

Extracts the messages of a copy of the source tree with makemessages, as a translator would,
and lists every msgid that has no zh_Hans translation in the project's catalogs.
"""

import shutil
import subprocess
import sys
from pathlib import Path

import polib
import pytest

ROOT = Path(__file__).resolve().parent.parent
SOURCE_DIRS = ["crm_project", "customers", "phone_orders", "visits", "complaints", "reports",
               "templates", "locale"]


@pytest.mark.skipif(shutil.which("xgettext") is None,
                    reason="TRANSLATION CHECK SKIPPED: xgettext (Debian package gettext) "
                           "is not installed")
def test_every_message_has_a_chinese_translation(tmp_path):
    for name in SOURCE_DIRS:
        if (ROOT / name).exists():
            shutil.copytree(ROOT / name, tmp_path / name,
                            ignore=shutil.ignore_patterns("tests", "__pycache__", "*.mo"))
    shutil.copy(ROOT / "manage.py", tmp_path / "manage.py")
    # At run time gettext looks a message up in every catalog (project, then apps), and an
    # app may translate the strings of its templates/<app>/ in <app>/locale; makemessages
    # files those under the project locale, so count what the catalogs translate before it.
    translated: set[str] = set()
    for po_path in tmp_path.rglob("locale/zh_Hans/LC_MESSAGES/django.po"):
        translated |= {entry.msgid for entry in polib.pofile(str(po_path))
                       if entry.translated() and "fuzzy" not in entry.flags}
    result = subprocess.run(
        [sys.executable, "manage.py", "makemessages", "-l", "zh_Hans", "--no-location",
         "--no-obsolete"],
        cwd=tmp_path, capture_output=True, text=True, timeout=300,
        env={"DJANGO_SETTINGS_MODULE": "crm_project.settings.test", "PATH": "/usr/bin:/bin",
             "PYTHONPATH": str(tmp_path)},
    )
    assert result.returncode == 0, result.stderr
    extracted: set[str] = set()
    for po_path in tmp_path.rglob("locale/zh_Hans/LC_MESSAGES/django.po"):
        for entry in polib.pofile(str(po_path)):
            extracted.add(entry.msgid)
            if entry.translated() and "fuzzy" not in entry.flags:
                translated.add(entry.msgid)
    missing = sorted(extracted - translated)
    assert missing == [], f"{len(missing)} strings without a Chinese translation: {missing}"


def test_every_chinese_catalog_declares_its_single_plural_form():
    """Without the header, gettext assumes English plurals: "0 key accounts" took
    msgstr[1], which a Chinese catalog does not have, and showed the English text."""
    catalogs = sorted(ROOT.glob("*/locale/zh_Hans/LC_MESSAGES/django.po")) + [
        ROOT / "locale/zh_Hans/LC_MESSAGES/django.po"]
    missing = [str(path.relative_to(ROOT)) for path in catalogs
               if polib.pofile(str(path)).metadata.get("Plural-Forms")
               != "nplurals=1; plural=0;"]
    assert missing == []


def test_a_plural_message_reads_in_chinese_for_zero_and_many():
    from django.utils import translation
    from django.utils.translation import ngettext

    with translation.override("zh-hans"):
        for n in (0, 1, 5):
            text = ngettext("%(n)s key account", "%(n)s key accounts", n) % {"n": n}
            assert text == f"{n} 户大客户"
