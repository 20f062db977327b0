"""Loading articles from every supported format, and reporting what cannot be loaded."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from index.articles import normalise_text, parse_published, split_headline
from index.ingestion.loaders import iter_article_files, load_file

LIMIT = 5_000_000


def load(path: Path, limit: int = LIMIT):
    [file] = iter_article_files([path])
    return load_file(file, limit)


def test_normalise_keeps_paragraphs_and_folds_spaces() -> None:
    raw = "  Title\r\n\r\n\r\nFirst\tpara  with   spaces.\u00a0Next.\n\n\n\nSecond para.\x07  "
    assert normalise_text(raw) == "Title\n\nFirst para with spaces. Next.\n\nSecond para."


def test_headline_rules() -> None:
    assert split_headline("Ad sales boost Time Warner profit\n\nQuarterly profits rose.") == (
        "Ad sales boost Time Warner profit",
        "Quarterly profits rose.",
    )
    long_first = "Officials said on Monday that the new bridge would open in spring next year."
    title, body = split_headline(long_first + "\n\nMore text.")
    assert body.startswith(long_first)  # a sentence is body text, not a headline
    assert title.endswith("…") and long_first.startswith(title[:-1])


@pytest.mark.parametrize(
    ("value", "expected"),
    [("2005-03-01", date(2005, 3, 1)), ("2005-03-01T10:00:00Z", date(2005, 3, 1)), ("", None)],
)
def test_parse_published(value: str, expected: date | None) -> None:
    assert parse_published(value) == expected


def test_parse_published_rejects_garbage() -> None:
    with pytest.raises(ValueError):
        parse_published("last tuesday")


def test_txt_and_md(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("Bridge opens\n\nThe bridge opened today.\n")
    (tmp_path / "b.md").write_text("# Markets fall\n\nShares fell sharply.\n")
    a = load(tmp_path / "a.txt").articles[0]
    b = load(tmp_path / "b.md").articles[0]
    assert (a.id, a.title, a.text, a.source) == (
        "a.txt",
        "Bridge opens",
        "The bridge opened today.",
        tmp_path.name,  # the folder's name is the source
    )
    assert (b.title, b.text) == ("Markets fall", "Shares fell sharply.")


def test_json_single_list_and_fields(tmp_path: Path) -> None:
    one = {
        "id": "x1",
        "title": "T",
        "body": "Body text.",
        "published": "2005-01-02",
        "url": "http://e/1",
    }
    (tmp_path / "one.json").write_text(json.dumps(one))
    (tmp_path / "many.json").write_text(
        json.dumps([{"text": "First."}, {"text": "Second.", "source": "BBC"}])
    )
    [article] = load(tmp_path / "one.json").articles
    assert (article.id, article.text, article.published, article.url) == (
        "x1", "Body text.", date(2005, 1, 2), "http://e/1",
    )  # fmt: skip
    first, second = load(tmp_path / "many.json").articles
    assert (first.id, second.id, second.source) == ("many.json#1", "many.json#2", "BBC")
    assert first.source == tmp_path.name  # a JSON article's own source wins, else the folder's


def _write(root: Path, names: list[str]) -> None:
    for name in names:
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(f"Headline {name}\n\nBody of {name}.")


def test_ids_are_unique_across_the_paths_of_one_ingest(tmp_path: Path) -> None:
    _write(tmp_path, ["two/a/001.txt", "two/a/002.txt", "two/b/001.txt", "two/b/002.txt"])
    files = list(iter_article_files([tmp_path / "two/a", tmp_path / "two/b"]))
    assert [f.rel for f in files] == ["a/001.txt", "a/002.txt", "b/001.txt", "b/002.txt"]
    assert [f.source for f in files] == ["a", "a", "b", "b"]
    single = [tmp_path / "two/a/001.txt", tmp_path / "two/b/001.txt"]
    assert [f.rel for f in iter_article_files(single)] == ["a/001.txt", "b/001.txt"]
    # one folder keeps the ids it always had; a file given twice is read once
    assert [f.rel for f in iter_article_files([tmp_path / "two/a"])] == ["001.txt", "002.txt"]
    twice = [tmp_path / "two/a", tmp_path / "two/a/001.txt"]
    assert [f.rel for f in iter_article_files(twice)] == ["001.txt", "002.txt"]


def test_source_and_id_prefix_can_be_given(tmp_path: Path) -> None:
    _write(tmp_path, ["bbc/x.txt"])
    [file] = iter_article_files([tmp_path / "bbc"], source="BBC News", id_prefix="/2005/")
    assert (file.rel, file.source) == ("2005/x.txt", "BBC News")
    assert load_file(file, LIMIT).articles[0].source == "BBC News"


def test_entities_and_control_characters_are_cleaned(tmp_path: Path) -> None:
    (tmp_path / "es.txt").write_text(
        'Ronaldo &amp; friends\n\n"Me volvi&#243; loco en el Bernab&#233;u", he said.\x07'
    )
    [article] = load(tmp_path / "es.txt").articles
    assert article.title == "Ronaldo & friends"
    assert article.text == '"Me volvió loco en el Bernabéu", he said.'
    record = {"id": "p3/\x00x", "text": "Text.", "url": "http://e/\x00a", "author": "A\x07 B"}
    (tmp_path / "r.json").write_text(json.dumps(record))
    [article] = load(tmp_path / "r.json").articles
    assert (article.id, article.url, article.author) == ("p3/x", "http://e/a", "A B")


def test_text_empty_after_cleaning_is_refused(tmp_path: Path) -> None:
    (tmp_path / "nul.json").write_text(json.dumps({"id": "only-nul", "text": "\u0000\u0000"}))
    loaded = load(tmp_path / "nul.json")
    assert not loaded.articles
    assert "no text left after cleaning" in loaded.skipped[0].reason


def test_jsonl_bad_line_is_skipped_and_the_rest_load(tmp_path: Path) -> None:
    lines = [
        '{"id": "a", "text": "Alpha."}',
        "{not json",
        '{"id": "c", "title": "No text"}',
        '{"id": "d", "text": "Delta."}',
    ]
    (tmp_path / "feed.jsonl").write_text("\n".join(lines))
    loaded = load(tmp_path / "feed.jsonl")
    assert [a.id for a in loaded.articles] == ["a", "d"]
    assert [p.where for p in loaded.skipped] == ["feed.jsonl#2", "feed.jsonl#3"]
    assert "malformed" in loaded.skipped[0].reason and "text" in loaded.skipped[1].reason


def test_bad_published_is_reported(tmp_path: Path) -> None:
    (tmp_path / "d.json").write_text(json.dumps({"text": "Body.", "published": "soon"}))
    loaded = load(tmp_path / "d.json")
    assert not loaded.articles and "published" in loaded.skipped[0].reason


def test_html_uses_extraction(tmp_path: Path) -> None:
    html = """<html><head><title>Council backs bridge</title>
    <meta property="article:published_time" content="2005-03-01"></head><body>
    <nav>Home | Sport | Weather</nav><article><h1>Council backs bridge</h1>
    <p>The council voted to build a new bridge over the river, officials said on Monday.</p>
    <p>It will cost £15m and open in 2007, according to the mayor of the town.</p></article>
    <footer>Copyright</footer></body></html>"""
    (tmp_path / "page.html").write_text(html)
    [article] = load(tmp_path / "page.html").articles
    assert article.title == "Council backs bridge"
    assert article.published == date(2005, 3, 1)
    assert "£15m" in article.text and "Home | Sport" not in article.text


def test_bad_inputs_are_reported_not_raised(tmp_path: Path) -> None:
    (tmp_path / "empty.txt").write_text("  \n\n ")
    (tmp_path / "binary.txt").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00")
    (tmp_path / "broken.json").write_text('{"text": ')
    (tmp_path / "notes.pdf").write_bytes(b"%PDF-1.4")
    (tmp_path / "huge.txt").write_text("word " * 4_200_000)  # ~21 MB
    (tmp_path / "gone.txt").symlink_to(tmp_path / "missing-target.txt")
    reasons = {}
    for file in iter_article_files([tmp_path]):
        loaded = load_file(file, LIMIT)
        assert not loaded.articles
        reasons.update({p.where: p.reason for p in loaded.skipped})
    assert reasons["empty.txt"] == "no text left after cleaning (empty file)"
    assert reasons["binary.txt"] == "binary file, not text"
    assert reasons["broken.json"].startswith("malformed JSON")
    assert "unsupported file type '.pdf'" in reasons["notes.pdf"]
    assert "skipped whole" in reasons["huge.txt"] and "21.0 MB" in reasons["huge.txt"]
    assert reasons["gone.txt"].startswith("cannot read")


def test_cp1252_fallback_keeps_pound_sign(bbc: Path) -> None:
    loaded = load(bbc / "sport" / "199.txt")
    [article] = loaded.articles
    assert "£15.8m" in article.text and "\ufffd" not in article.text
    assert [w.reason for w in loaded.warnings] == ["not UTF-8; read as cp1252"]


def test_walk_is_sorted_recursive_and_skips_hidden(tmp_path: Path) -> None:
    for name in ["b/2.txt", "b/1.txt", "a.txt", ".git/x.txt", ".hidden.txt"]:
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("x")
    rel = [file.rel for file in iter_article_files([tmp_path])]
    assert rel == ["a.txt", "b/1.txt", "b/2.txt"]
