"""Guide loading and heading-aware chunking with stable, content-hashed chunk ids."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

from interviewbot.errors import ValidationError

GUIDE_SUFFIXES = (".md", ".markdown", ".txt", ".pdf")
MAX_CHUNK_WORDS = 220  # ~300 word pieces: well inside the model's 256-token window after the heading
MIN_CHUNK_WORDS = 25  # a shorter tail is merged into the previous piece
MAX_GUIDE_BYTES = 10 * 1024 * 1024
_HEADING = re.compile(r"^(#{1,6})\s+(.+?)\s*#*\s*$")
_FENCE = re.compile(r"^\s*(```|~~~)")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9(\"'`])")


@dataclass(frozen=True)
class Chunk:
    """A piece of a guide: one section (or part of a long section) under its heading path."""

    id: str
    source: str  # e.g. "guides/07-supervised-learning.md"
    heading: str  # heading path, e.g. "Supervised learning > The bias-variance tradeoff"
    text: str
    position: int  # order within the source

    @property
    def embed_text(self) -> str:
        """What is embedded: the heading path gives short sections their context."""
        return f"{self.heading}\n\n{self.text}"

    @property
    def section(self) -> str:
        """The innermost heading (what a citation shows)."""
        return self.heading.rsplit(" > ", 1)[-1]

    def metadata(self) -> dict:
        return {
            "source": self.source,
            "heading": self.heading,
            "section": self.section,
            "position": self.position,
        }


def chunk_id(source: str, heading: str, text: str, repeat: int = 0) -> str:
    """Stable id: a hash of where the chunk is and what it says (repeat numbers identical twins)."""
    digest = hashlib.sha256(f"{source}\x00{heading}\x00{text}\x00{repeat}".encode()).hexdigest()
    return digest[:20]


def _make_chunks(source: str, pieces: list[tuple[str, str]]) -> list[Chunk]:
    seen: dict[tuple[str, str], int] = {}
    chunks = []
    for position, (heading, text) in enumerate(pieces):
        repeat = seen.get((heading, text), 0)
        seen[(heading, text)] = repeat + 1
        chunks.append(Chunk(chunk_id(source, heading, text, repeat), source, heading, text, position))
    return chunks


@dataclass
class _Section:
    path: list[str]
    lines: list[str]


def _sections(markdown: str, fallback_title: str) -> list[_Section]:
    stack: list[tuple[int, str]] = []
    sections = [_Section([fallback_title], [])]
    in_fence = False
    for line in markdown.splitlines():
        if _FENCE.match(line):
            in_fence = not in_fence
        match = None if in_fence else _HEADING.match(line)
        if not match:
            sections[-1].lines.append(line)
            continue
        level, title = len(match.group(1)), match.group(2).strip()
        stack = [(lvl, t) for lvl, t in stack if lvl < level] + [(level, title)]
        sections.append(_Section([t for _, t in stack], []))
    return sections


def _paragraphs(lines: list[str]) -> list[str]:
    paras, current, in_fence = [], [], False
    for line in lines:
        if _FENCE.match(line):
            in_fence = not in_fence
        if not line.strip() and not in_fence:
            if current:
                paras.append("\n".join(current).strip())
                current = []
        else:
            current.append(line)
    if current:
        paras.append("\n".join(current).strip())
    return [p for p in paras if p]


def _split_words(sentence: str) -> list[str]:
    words = sentence.split()
    if len(words) <= MAX_CHUNK_WORDS:
        return [sentence]
    return [" ".join(words[i : i + MAX_CHUNK_WORDS]) for i in range(0, len(words), MAX_CHUNK_WORDS)]


def _split_long(paragraph: str) -> list[str]:
    if len(paragraph.split()) <= MAX_CHUNK_WORDS or paragraph.lstrip().startswith(("```", "~~~")):
        return [paragraph]
    pieces, current = [], []
    for sentence in (s for part in _SENTENCE_END.split(paragraph) for s in _split_words(part)):
        if current and len(" ".join(current + [sentence]).split()) > MAX_CHUNK_WORDS:
            pieces.append(" ".join(current))
            current = []
        current.append(sentence)
    if current:
        pieces.append(" ".join(current))
    return pieces


def _pack(paragraphs: list[str]) -> list[str]:
    """Group paragraphs into pieces of at most MAX_CHUNK_WORDS, merging a tiny tail back."""
    pieces: list[list[str]] = []
    words = 0
    for para in (p for paragraph in paragraphs for p in _split_long(paragraph)):
        n = len(para.split())
        if pieces and words + n <= MAX_CHUNK_WORDS:
            pieces[-1].append(para)
            words += n
        else:
            pieces.append([para])
            words = n
    if len(pieces) > 1 and sum(len(p.split()) for p in pieces[-1]) < MIN_CHUNK_WORDS:
        tail = pieces.pop()
        pieces[-1].extend(tail)
    return ["\n\n".join(p) for p in pieces]


def chunk_markdown(markdown: str, source: str, fallback_title: str | None = None) -> list[Chunk]:
    """Split Markdown into chunks along its headings; long sections split at paragraphs."""
    title = fallback_title or Path(source).stem
    pieces = [
        (" > ".join(section.path), text)
        for section in _sections(markdown, title)
        for text in _pack(_paragraphs(section.lines))
    ]
    return _make_chunks(source, pieces)


def chunk_text(text: str, source: str, title: str | None = None) -> list[Chunk]:
    """Plain text has no headings: paragraphs are packed under the document title."""
    heading = title or Path(source).stem
    return _make_chunks(source, [(heading, piece) for piece in _pack(_paragraphs(text.splitlines()))])


def read_document(path: Path) -> str:
    """Read a guide's text (Markdown, TXT or PDF), with a clear error for unreadable files."""
    path = Path(path)
    if path.suffix.lower() not in GUIDE_SUFFIXES:
        raise ValidationError(
            f"{path.name}: unsupported guide type {path.suffix or '(none)'}; "
            f"use one of {', '.join(GUIDE_SUFFIXES)}."
        )
    if path.stat().st_size > MAX_GUIDE_BYTES:
        raise ValidationError(f"{path.name}: file is larger than {MAX_GUIDE_BYTES // 2**20} MB; split it.")
    if path.suffix.lower() == ".pdf":
        return _read_pdf(path)
    data = path.read_bytes()
    if b"\x00" in data[:8192]:
        raise ValidationError(f"{path.name}: looks like a binary file, not Markdown or text.")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ValidationError(
            f"{path.name}: not valid UTF-8 (byte {exc.start}); re-save the file as UTF-8."
        ) from None


def _read_pdf(path: Path) -> str:
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(str(path))
        pages = [page.extract_text() or "" for page in reader.pages]
    except (PdfReadError, ValueError, OSError) as exc:
        raise ValidationError(f"{path.name}: could not read the PDF ({exc}).") from None
    text = "\n\n".join(p.strip() for p in pages if p.strip())
    if not text.strip():
        raise ValidationError(
            f"{path.name}: the PDF has no text layer (scanned pages?). Run it through OCR, or paste "
            "its text into a .md or .txt file, and add that."
        )
    return text


def chunk_document(path: Path, source: str) -> list[Chunk]:
    """Chunk one guide file by its type."""
    text = read_document(path)
    if Path(path).suffix.lower() in (".md", ".markdown"):
        return chunk_markdown(text, source)
    return chunk_text(text, source)


def load_guides(directory: Path, prefix: str = "guides") -> list[Chunk]:
    """Chunk every guide in a directory (sorted, so ids and positions are stable)."""
    directory = Path(directory)
    if not directory.is_dir():
        return []
    chunks: list[Chunk] = []
    for path in sorted(directory.iterdir()):
        if path.is_file() and path.suffix.lower() in GUIDE_SUFFIXES:
            chunks.extend(chunk_document(path, f"{prefix}/{path.name}"))
    return chunks
