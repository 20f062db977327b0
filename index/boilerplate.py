"""Parts of a page that are not the article's reporting: bylines with view counts, tables of
contents, FAQ blocks and calls to comment. Answers never quote them.

The spans are offsets into the stored text (nothing is removed, so every offset stays exact);
readers leave out the sentences inside them.
"""

from __future__ import annotations

import re

_BYLINE = re.compile(r"(?im)^[ \t]*by [^\n]{1,80}?\b\d[\d,.]*k?\s+(views?|reads?)[ \t]*$")
_CONTENTS = re.compile(r"(?im)^[ \t]*(table of contents|contents|in this article)[ \t]*:?[ \t]*$")
_FAQ = re.compile(r"(?im)^[ \t]*[^\n]{0,40}\b(frequently asked questions|faqs?)\b[^\n]{0,80}$")
_CALL_TO_COMMENT = re.compile(
    r"(?im)^[^\n]*\b(share your (thoughts|views)|in the comments( below)?|leave a comment|"
    r"let us know what you think)\b[^\n]*$"
)
_LIST_LINE = re.compile(r"[ \t]*([-•*]|\d+[.)])[ \t]+\S")


def non_reporting_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) offsets of the text's non-reporting blocks, in order, not overlapping."""
    spans = [m.span() for m in _BYLINE.finditer(text)]
    spans += [m.span() for m in _CALL_TO_COMMENT.finditer(text)]
    for heading in (*_CONTENTS.finditer(text), *_FAQ.finditer(text)):
        spans.append((heading.start(), _list_end(text, heading.end())))
    spans.sort()
    merged: list[tuple[int, int]] = []
    for start, end in spans:
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def _list_end(text: str, at: int) -> int:
    """The end of the run of list lines (or question lines) that follows offset `at`."""
    end = at
    pos = at + 1 if text[at : at + 1] == "\n" else at
    while pos < len(text):
        line_end = text.find("\n", pos)
        line_end = len(text) if line_end == -1 else line_end
        line = text[pos:line_end]
        if line.strip() and not (_LIST_LINE.match(line) or line.rstrip().endswith("?")):
            break
        if line.strip():
            end = line_end
        pos = line_end + 1
    return end
