"""Chinese first, English switchable: the page language comes from the ``lang`` cookie."""

from __future__ import annotations

from fastapi import Request

LANGUAGES = ("zh", "en")
COOKIE = "anxin_lang"


def language(request: Request) -> str:
    lang = request.cookies.get(COOKIE, "zh")
    return lang if lang in LANGUAGES else "zh"


def translator(lang: str):  # type: ignore[no-untyped-def]
    """``_(zh, en)`` in templates: the text in the page's language."""

    def pick(zh: str, en: str) -> str:
        return en if lang == "en" else zh

    return pick
