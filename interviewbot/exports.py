"""Session exports (Markdown, JSON, self-contained HTML) in which user text can never become markup.

The candidate's words are always data: fenced in Markdown, escaped in HTML. The interviewer's
messages are Markdown we (or a set author, or an LLM) wrote; the HTML export renders them with
raw HTML, links and images switched off, so nothing in them can become script or a link.
"""

from __future__ import annotations

import html
import json
import re

from interviewbot.errors import ValidationError

ROLE_LABELS = {"interviewer": "Interviewer", "candidate": "You", "system": "Judge"}
FORMATS = ("md", "json", "html")


def export_session(data: dict, fmt: str) -> str:
    """A stored session (as `TranscriptStore.get_session` returns it) in one of FORMATS."""
    exporters = {"md": export_markdown, "json": export_json, "html": export_html}
    if fmt not in exporters:
        raise ValidationError(f"unknown export format {fmt!r}; use md, json or html.")
    return exporters[fmt](data)


def _title(data: dict) -> str:
    tracks = ", ".join(t.replace("_", " ") for t in data["tracks"]) or "interview"
    return f"Interview {data['id'][:8]} ({tracks}), {str(data['started_at'])[:16].replace('T', ' ')} UTC"


def _score_line(data: dict) -> str:
    scores = [t["score"] for t in data["turns"] if t["score"] is not None]
    if not scores:
        return "No graded answers."
    return f"{len(scores)} graded answer(s), mean score {sum(scores) / len(scores):.1f}/10."


def fenced(text: str, language: str = "") -> str:
    """A fenced block whose fence is longer than any backtick run inside: the text stays text."""
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * max(3, longest + 1)
    return f"{fence}{language}\n{text}\n{fence}"


def _quoted(text: str) -> str:
    """Markdown of ours (or an author's or an LLM's) kept inside its message as a block quote."""
    return "\n".join(f"> {line}" if line.strip() else ">" for line in text.splitlines())


def export_markdown(data: dict) -> str:
    """The transcript as Markdown: one section per message, user text fenced."""
    lines = [f"# {_title(data)}", "", f"Status: {data['status']}. {_score_line(data)}", ""]
    for m in data["messages"]:
        lines += [f"## {ROLE_LABELS.get(m['role'], m['role'])} ({m['kind'].replace('_', ' ')})", ""]
        if m["kind"] == "code":
            lines.append(fenced(m["content"], "python"))
        elif m["role"] == "candidate":
            lines.append(fenced(m["content"], "text"))
        else:
            lines.append(_quoted(m["content"]))
        lines.append("")
    return "\n".join(lines)


def export_json(data: dict) -> str:
    """The stored session as JSON (messages, turns with feedback, summary)."""
    return json.dumps(data, indent=2, ensure_ascii=False, default=str)


def _markdown_renderer():
    from markdown_it import MarkdownIt

    # CommonMark with raw HTML off; links, images and autolinks off: text stays text.
    md = MarkdownIt("commonmark", {"html": False, "linkify": False})
    md.disable(["link", "image", "autolink", "html_inline", "html_block"])
    return md


_CSS = """body{font-family:system-ui,sans-serif;max-width:860px;margin:2em auto;padding:0 1em;color:#222}
.m{border-left:4px solid #ccc;margin:1em 0;padding:.3em 1em;background:#fafafa}
.interviewer{border-color:#3b7dd8}.candidate{border-color:#2a9d5c}.system{border-color:#b5651d}
.who{font-weight:600;font-size:.9em;color:#555}
pre{white-space:pre-wrap;word-wrap:break-word;margin:.4em 0;font-family:inherit}
pre.code{font-family:ui-monospace,monospace;background:#f0f0f0;padding:.5em}"""


def export_html(data: dict) -> str:
    """A self-contained page: the interviewer's Markdown rendered safely, the candidate's text escaped."""
    esc, md = html.escape, _markdown_renderer()
    title = esc(_title(data))
    parts = [
        f"<!doctype html><html lang='en'><head><meta charset='utf-8'><title>{title}</title>"
        f"<style>{_CSS}</style></head><body><h1>{title}</h1>"
        f"<p>Status: {esc(data['status'])}. {esc(_score_line(data))}</p>"
    ]
    for m in data["messages"]:
        role = m["role"] if m["role"] in ROLE_LABELS else "system"
        if m["kind"] == "code":
            body = f"<pre class='code'>{esc(m['content'])}</pre>"
        elif m["role"] == "candidate":
            body = f"<pre>{esc(m['content'])}</pre>"
        else:
            body = md.render(m["content"])
        who = f"{esc(ROLE_LABELS.get(m['role'], m['role']))} · {esc(m['kind'].replace('_', ' '))}"
        parts.append(f"<div class='m {role}'><div class='who'>{who}</div>{body}</div>")
    parts.append("</body></html>")
    return "\n".join(parts)
