"""Heading-aware chunking: structure, stable ids, long sections, fenced code, file types."""

from __future__ import annotations

import pytest

from interviewbot.corpus import MAX_CHUNK_WORDS, chunk_document, chunk_markdown, chunk_text, load_guides
from interviewbot.errors import ValidationError

GUIDE = """# Supervised learning

Intro paragraph about learning from labels.

## The bias-variance tradeoff

Bias is error from wrong assumptions. Variance is sensitivity to the sample.

```python
# a comment, not a heading
x = 1
```

## Regularisation

### L2 penalty

Ridge shrinks weights toward zero.
"""


def test_chunk_markdown_heading_paths():
    chunks = chunk_markdown(GUIDE, "guides/sl.md")
    assert [c.heading for c in chunks] == [
        "Supervised learning",
        "Supervised learning > The bias-variance tradeoff",
        "Supervised learning > Regularisation > L2 penalty",
    ]
    assert chunks[1].section == "The bias-variance tradeoff"
    assert "# a comment, not a heading" in chunks[1].text  # fenced code is not split on '#'
    assert [c.position for c in chunks] == [0, 1, 2]


def test_chunk_ids_stable_and_content_addressed():
    a = chunk_markdown(GUIDE, "guides/sl.md")
    b = chunk_markdown(GUIDE, "guides/sl.md")
    assert [c.id for c in a] == [c.id for c in b]
    edited = chunk_markdown(GUIDE.replace("Ridge shrinks", "Ridge regression shrinks"), "guides/sl.md")
    changed = {c.id for c in edited} ^ {c.id for c in a}
    assert len(changed) == 2  # only the edited section's chunk: one old id out, one new id in
    other = chunk_markdown(GUIDE, "guides/other.md")
    assert not {c.id for c in other} & {c.id for c in a}  # the source is part of the id


def test_long_section_split_under_limit_and_ids_unique():
    body = " ".join(f"Sentence number {i} is here." for i in range(300))
    chunks = chunk_markdown(f"# T\n\n## Long\n\n{body}\n\n{body}", "guides/t.md")
    assert len(chunks) > 2
    assert all(len(c.text.split()) <= MAX_CHUNK_WORDS for c in chunks)
    assert len({c.id for c in chunks}) == len(chunks)


def test_chunk_text_uses_title():
    chunks = chunk_text("First paragraph.\n\nSecond paragraph.", "user/notes.txt", "notes")
    assert len(chunks) == 1 and chunks[0].heading == "notes"


def test_empty_sections_produce_no_chunks():
    chunks = chunk_markdown("# A\n\n## B\n\n## C\n\ntext here", "guides/a.md")
    assert [c.heading for c in chunks] == ["A > C"]


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("bin.md", b"\x00\x01\x02binary", "binary"),
        ("latin.md", "caf\xe9".encode("latin-1"), "UTF-8"),
        ("image.png", b"png", "unsupported guide type"),
        ("broken.pdf", b"%PDF-1.4 not really", "PDF"),
    ],
)
def test_read_document_bad_files(tmp_path, name, content, message):
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(ValidationError, match=message):
        chunk_document(path, f"user/{name}")


def test_pdf_guide_is_chunked(tmp_path):
    pdf = _make_pdf("Gradient descent updates weights against the gradient.")
    path = tmp_path / "notes.pdf"
    path.write_bytes(pdf)
    chunks = chunk_document(path, "user/notes.pdf")
    assert chunks and "Gradient descent" in chunks[0].text


def test_load_guides_sorted_and_prefixed(tmp_path):
    (tmp_path / "b.md").write_text("# B\n\nbody b")
    (tmp_path / "a.txt").write_text("body a")
    (tmp_path / "skip.png").write_bytes(b"x")
    chunks = load_guides(tmp_path, "user")
    assert [c.source for c in chunks] == ["user/a.txt", "user/b.md"]


def _make_pdf(text: str) -> bytes:
    """A minimal one-page PDF with a text object (written by hand, no PDF library needed)."""
    stream = f"BT /F1 12 Tf 72 720 Td ({text}) Tj ET".encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out, offsets = bytearray(b"%PDF-1.4\n"), []
    for i, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % i + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)
