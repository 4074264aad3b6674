from pypinyin import Style, lazy_pinyin


def name_initials(text: str) -> str:
    """Pinyin initials of a Chinese name, letters and digits kept: 百利达便利店1号 -> bldbld1h."""
    parts = lazy_pinyin(text or "", style=Style.FIRST_LETTER, errors="default")
    return "".join(ch for ch in "".join(parts).lower() if ch.isalnum())[:100]
