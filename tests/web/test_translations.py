from __future__ import annotations

import re
from pathlib import Path

PO = Path(__file__).resolve().parents[2] / "src" / "gongzhi" / "locale" / "en" / "LC_MESSAGES" / "django.po"


def test_every_catalogued_string_has_an_english_translation() -> None:
    entries = re.findall(r'^msgid "(.*)"\nmsgstr "(.*)"$', PO.read_text(encoding="utf-8"), re.M)
    untranslated = [mid for mid, mstr in entries if mid and not mstr]
    assert len(entries) > 100
    assert untranslated == []

