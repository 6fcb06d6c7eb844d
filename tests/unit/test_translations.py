"""Every user-visible string has a Chinese translation (English is the source language)."""
from __future__ import annotations

import re
from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
PO = ROOT / "app" / "translations" / "zh" / "LC_MESSAGES" / "messages.po"
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]")


def _singular(message_id) -> str:
    return message_id if isinstance(message_id, str) else message_id[0]


def _complete(string) -> bool:
    return all(string) if isinstance(string, tuple) else bool(string)


def _source_messages() -> set[str]:
    method_map = [("app/**.py", "python"), ("templates/**.html", "jinja2")]
    keywords = {"_": None, "gettext": None, "ngettext": (1, 2), "lazy_gettext": None, "_l": None}
    found = set()
    for _file, _line, message, _comments, _context in extract_from_dir(str(ROOT), method_map, keywords=keywords,
                                                                       options_map={"templates/**.html": {}}):
        found.add(message if isinstance(message, str) else message[0])
    return {m for m in found if m}


def test_every_source_string_is_translated_to_chinese():
    with PO.open("rb") as handle:
        catalog = read_po(handle)
    translated = {_singular(m.id): m.string for m in catalog if m.id and _complete(m.string) and "fuzzy" not in m.flags}
    source = _source_messages()
    assert len(source) > 100  # the extractor really read the app and templates
    missing = sorted(source - set(translated))
    assert missing == [], f"untranslated (run `make extract-messages` and translate): {missing}"


def test_translations_keep_their_placeholders():
    with PO.open("rb") as handle:
        catalog = read_po(handle)
    for message in catalog:
        if not message.id or not message.string:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        expected = set().union(*(PLACEHOLDER.findall(i) for i in ids))
        for string in strings:
            assert set(PLACEHOLDER.findall(string)) == expected, message.id
