"""Exports with hostile text: the candidate's words (and an LLM's) never become markup, script or links."""

from __future__ import annotations

import json
from html.parser import HTMLParser

import pytest
from markdown_it import MarkdownIt

from interviewbot.exports import export_session
from interviewbot.grading.feedback import Citation, Feedback, KeyPointResult
from interviewbot.render import feedback_markdown
from interviewbot.transcripts import TranscriptStore

HOSTILE = [
    "# Big heading\nand more",
    "<script>alert('x')</script>",
    "<img src=x onerror=alert(1)>",
    "[click me](javascript:alert(1))",
    "![pixel](http://evil.example/p.png)",
    "https://evil.example/path and www.evil.example",
    "```\nbreak out of the fence\n```\n## Injected section",
    ":material/home: :smile:",
    "| a | b |\n|---|---|\n| 1 | 2 |",
    "> quoted\n---\n***",
]


@pytest.fixture
def session(tmp_path):
    store = TranscriptStore(f"sqlite:///{tmp_path / 't.db'}")
    sid = store.create_session(config={"tracks": ["ml_theory"]})
    tid = store.start_turn(
        sid, question_id="q1", track="ml_theory", topics=[], difficulty="easy", prompt="Why?"
    )
    store.add_message(sid, role="interviewer", kind="question", content="Why?", turn_id=tid)
    for text in HOSTILE:
        store.add_message(sid, role="candidate", kind="answer", content=text, turn_id=tid)
    feedback = Feedback(
        score=4.0,
        summary=HOSTILE[3] + " " + HOSTILE[1],  # an LLM's summary is untrusted text too
        key_points=[KeyPointResult(text="point", status="partly", evidence=HOSTILE[0])],
        citations=[Citation(chunk_id="abcdef1234", source="user/x.md", heading="H", quote=HOSTILE[2])],
        next_step=HOSTILE[4],
    )
    store.add_message(
        sid, role="interviewer", kind="feedback", content=feedback_markdown(feedback), turn_id=tid
    )
    store.update_turn(tid, status="graded", score=4.0, feedback=feedback.model_dump(mode="json"))
    return store.get_session(sid)


class _Tags(HTMLParser):
    """Every element and attribute name in a page."""

    def __init__(self):
        super().__init__()
        self.tags, self.attrs = [], set()

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self.attrs |= {name for name, _ in attrs}


def test_html_export_keeps_hostile_text_as_text(session):
    page = export_session(session, "html")
    parsed = _Tags()
    parsed.feed(page)
    allowed = {"html", "head", "meta", "title", "style", "body", "h1", "p", "div", "pre", "strong", "em"}
    assert set(parsed.tags) <= allowed | {"ul", "li", "code", "blockquote"}, set(parsed.tags) - allowed
    assert parsed.attrs <= {"lang", "charset", "class"}  # no href, src or on* handler anywhere
    assert parsed.tags.count("h1") == 1
    assert "&lt;script&gt;alert" in page and "javascript:alert(1)" in page  # shown, not run
    assert "<strong>Score: 4.0/10</strong>" in page  # our own Markdown is rendered


def _tokens(md: str):
    return MarkdownIt("commonmark").parse(md)


def test_markdown_export_fences_every_answer(session):
    md = export_session(session, "md")
    tokens = _tokens(md)
    headings = [
        tokens[i + 1].content for i, t in enumerate(tokens) if t.type == "heading_open" and t.level == 0
    ]
    expected = ["You (answer)"] * len(HOSTILE) + ["Interviewer (question)", "Interviewer (feedback)"]
    assert sorted(headings[1:]) == sorted(expected)  # only our sections, none from the answers
    fences = [t.content for t in tokens if t.type == "fence"]
    assert [f.rstrip("\n") for f in fences] == HOSTILE  # each answer verbatim inside its fence
    inline = [c for t in tokens if t.type == "inline" for c in t.children or []]
    assert not [c for c in inline if c.type in ("link_open", "image", "html_inline")]
    assert not [t for t in tokens if t.type == "html_block"]


def test_json_export_round_trips(session):
    data = json.loads(export_session(session, "json"))
    assert [m["content"] for m in data["messages"] if m["role"] == "candidate"] == HOSTILE
