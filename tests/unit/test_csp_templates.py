"""Templates and scripts stay within the Content-Security-Policy: no inline code, no inline styles, no eval."""
from __future__ import annotations

import json
import pathlib
import re

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
TEMPLATES = sorted((ROOT / "templates").rglob("*.html"))
SCRIPTS = sorted((ROOT / "static" / "js").rglob("*.js"))

INLINE = {
    "an inline event handler (on...=)": re.compile(r"<[^>]*\son[a-z]+\s*=", re.IGNORECASE),
    "an hx-on handler (needs eval)": re.compile(r"\bhx-on", re.IGNORECASE),
    "a style attribute": re.compile(r"<[^>]*\sstyle\s*=", re.IGNORECASE),
    "a <style> block": re.compile(r"<style[\s>]", re.IGNORECASE),
    "a javascript: URL": re.compile(r"javascript:", re.IGNORECASE),
    "hx-vars or js: values (need eval)": re.compile(r"\bhx-vars\b|hx-vals\s*=\s*['\"]js:", re.IGNORECASE),
}
SCRIPT_TAG = re.compile(r"<script\b([^>]*)>", re.IGNORECASE)


def test_there_are_templates_to_check():
    assert len(TEMPLATES) > 20 and SCRIPTS


@pytest.mark.parametrize("path", TEMPLATES, ids=lambda p: str(p.relative_to(ROOT / "templates")))
def test_template_has_no_inline_code_or_style(path):
    text = path.read_text(encoding="utf-8")
    found = [what for what, pattern in INLINE.items() if pattern.search(text)]
    for attributes in SCRIPT_TAG.findall(text):
        if "src=" not in attributes and 'type="application/json"' not in attributes:
            found.append("an inline <script> (only src= scripts and JSON data blocks are allowed)")
    assert not found, f"{path.name}: {', '.join(found)}"


@pytest.mark.parametrize("path", SCRIPTS, ids=lambda p: str(p.relative_to(ROOT / "static")))
def test_script_does_not_evaluate_strings(path):
    text = path.read_text(encoding="utf-8")
    assert not re.search(r"\beval\s*\(|new\s+Function\s*\(|setTimeout\s*\(\s*['\"`]", text), path.name
    assert not re.search(r"setAttribute\(\s*['\"](style|on[a-z]+)['\"]", text), path.name


def test_htmx_is_configured_for_a_strict_policy():
    base = (ROOT / "templates" / "base.html").read_text(encoding="utf-8")
    match = re.search(r"<meta name=\"htmx-config\" content='([^']+)'>", base)
    assert match, "base.html configures htmx with a <meta name=\"htmx-config\">"
    config = json.loads(match.group(1))
    assert config["allowEval"] is False  # hx-on, hx-vars, js: values and event filters would need 'unsafe-eval'
    assert config["includeIndicatorStyles"] is False  # htmx would inject a <style> that style-src 'self' refuses
