"""Which writing systems a text's letters come from, to report rows that mix them."""

from __future__ import annotations

import functools
import unicodedata
from collections.abc import Sequence

# Japanese and Chinese text mixes these as a matter of course; Korean may add Han characters.
EAST_ASIAN = {"CJK": "Han", "HIRAGANA": "Japanese kana", "KATAKANA": "Japanese kana", "HANGUL": "Hangul"}
ONE_SYSTEM = {"Han", "Japanese kana", "Hangul"}
MAX_CHARACTERS = 2_000  # the head of a long document tells its scripts


@functools.lru_cache(maxsize=4096)
def script_of(character: str) -> str:
    """The writing system of a letter ("Latin", "Cyrillic", "Han", …), from its Unicode name."""
    first = unicodedata.name(character, "UNKNOWN").split(" ", 1)[0]
    return EAST_ASIAN.get(first, first.capitalize())


def scripts_of(text: str) -> list[str]:
    """The writing systems of the text's letters (its first MAX_CHARACTERS), in order of first use."""
    found: dict[str, None] = {}
    for character in text[:MAX_CHARACTERS]:
        if character.isalpha():
            found.setdefault(script_of(character))
    return list(found)


def mixed_script_rows(texts: Sequence[str]) -> list[tuple[int, list[str]]]:
    """(row, scripts) of the texts whose letters come from more than one writing system (Han with kana or
    Hangul counts as one)."""
    mixed = []
    for row, text in enumerate(texts):
        if text.isascii():
            continue
        scripts = scripts_of(text)
        systems = {"East Asian" if script in ONE_SYSTEM else script for script in scripts}
        if len(systems) > 1:
            mixed.append((row, scripts))
    return mixed
