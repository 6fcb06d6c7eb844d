"""The service worker's shell: which files it keeps, the version that names its cache, the script filled in safely."""
from __future__ import annotations

import json
import re

import pytest

from app.pwa.shell import content_version, shell_files, worker_script

SOURCE = 'const A = 1;\nconst SHELL = {"version": "source"};\nconst B = SHELL.version;\n'


@pytest.fixture
def static(tmp_path):
    for name in ("css/app.css", "js/app.js", "js/offline/shell.js", "js/sw.js", "js/.hidden", "vendor/htmx.min.js",
                 "icons/icon-192.png", "uploads/not-shell.txt"):
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(name)
    return tmp_path


def test_shell_is_every_file_of_the_shell_folders_but_the_worker_and_hidden_ones(static):
    names = [p.relative_to(static).as_posix() for p in shell_files(static)]
    assert names == ["css/app.css", "icons/icon-192.png", "js/app.js", "js/offline/shell.js", "vendor/htmx.min.js"]


def test_version_changes_with_any_content_or_name(static):
    files = shell_files(static)
    before = content_version(files, static)
    assert re.fullmatch(r"[0-9a-f]{12}", before) and content_version(files, static) == before
    (static / "css/app.css").write_text("body { color: red; }")
    edited = content_version(files, static)
    assert edited != before
    (static / "css/app.css").rename(static / "css/main.css")
    assert content_version(shell_files(static), static) != edited


def test_worker_script_replaces_only_the_placeholder_line_with_json():
    settings = {"version": "abc", "fallback": "<p>离线</script>\u2028", "precache": ["/static/a.js"]}
    script = worker_script(SOURCE, settings)
    lines = script.splitlines()
    assert lines[0] == "const A = 1;" and lines[2] == "const B = SHELL.version;" and len(lines) == 3
    assert lines[1].isascii()  # no raw line separators or non-ASCII that could end the JS line
    assert json.loads(lines[1].removeprefix("const SHELL = ").removesuffix(";")) == settings


@pytest.mark.parametrize("source", ["const A = 1;\n", SOURCE + SOURCE])
def test_worker_script_refuses_a_source_without_exactly_one_placeholder(source):
    with pytest.raises(RuntimeError, match="exactly one line"):
        worker_script(source, {})
