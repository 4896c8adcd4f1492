"""`interviewbot guides add|list|remove`: validated, indexed, all or nothing, clear errors."""

from __future__ import annotations

import json

from click.testing import CliRunner
from pypdf import PdfWriter

from interviewbot.cli import cli
from interviewbot.config import load_settings
from interviewbot.index import KnowledgeIndex

GUIDE = """# Feature stores

## Online and offline stores

An online store serves the latest feature values at low latency for inference, while the offline
store keeps the full history used to build point-in-time correct training sets.
"""


def run(*args):
    return CliRunner().invoke(cli, list(args))


def test_guides_add_list_search_remove(indexed_home, tmp_path):
    path = tmp_path / "feature-stores.md"
    path.write_text(GUIDE, encoding="utf-8")
    res = run("guides", "add", str(path))
    assert res.exit_code == 0, res.output
    assert "Added guide 'feature-stores.md': 1 chunk(s)" in res.output
    assert json.loads(run("guides", "list", "--json").output)[0]["name"] == "feature-stores.md"
    query = "online feature store serving the latest values at low latency for inference"
    assert "user/feature-stores.md" in [h.source for h in KnowledgeIndex(load_settings()).search(query, k=5)]
    assert run("guides", "remove", "feature-stores.md").exit_code == 0
    assert "No guides of your own yet" in run("guides", "list").output
    assert "user/feature-stores.md" not in [
        h.source for h in KnowledgeIndex(load_settings()).search(query, k=50)
    ]


def test_guides_errors_are_one_line_and_store_nothing(indexed_home, tmp_path):
    scanned = tmp_path / "scanned.pdf"
    writer = PdfWriter()
    writer.add_blank_page(width=200, height=200)
    with scanned.open("wb") as fh:
        writer.write(fh)
    res = run("guides", "add", str(scanned))
    assert res.exit_code == 1 and "no text layer" in res.output and "OCR" in res.output
    assert "Traceback" not in res.output
    exe = tmp_path / "tool.exe"
    exe.write_bytes(b"MZ\x00\x00")
    assert "unsupported guide type" in run("guides", "add", str(exe)).output
    res = run("guides", "remove", "nope.md")
    assert res.exit_code == 1 and "no user guide named 'nope.md'" in res.output
    assert json.loads(run("guides", "list", "--json").output) == []
