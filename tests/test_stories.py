"""Near-duplicate stories: MinHash groups the same wire copy with small edits; cited once."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

from bot.container import Archive, build_archive
from index.stories import StoryFinder
from tests.conftest import SEEDS, make_settings

TALKS = "003_8e9a2609f1a46fa1.txt"


def lightly_edited(text: str) -> str:
    """The same story as another outlet runs it: a changed word and an extra closing line."""
    return text.replace("Saudi Arabia", "the Saudi kingdom", 1) + "\n\nReporting by wire staff."


def heavily_rewritten(text: str) -> str:
    """Only the first third of the story kept, the rest replaced: not the same copy any more."""
    keep = text[: len(text) // 3]
    return keep + " " + " ".join(f"Unrelated filler sentence number {i}." for i in range(200))


def test_a_lightly_edited_copy_joins_the_story_and_others_do_not() -> None:
    seeds = {p.name: p.read_text() for p in sorted(SEEDS.iterdir())}
    finder = StoryFinder([])
    stories = {name: finder.assign(name, text).story_id for name, text in seeds.items()}
    assert stories == {name: name for name in seeds}  # four different stories

    assert finder.assign("copy.txt", lightly_edited(seeds[TALKS])).story_id == TALKS
    assert finder.assign("rewrite.txt", heavily_rewritten(seeds[TALKS])).story_id == "rewrite.txt"
    # a later version of an article is not its own near-duplicate
    assert finder.assign(TALKS, lightly_edited(seeds[TALKS])).story_id == TALKS


def with_near_duplicate(folder: Path) -> Path:
    shutil.copytree(SEEDS, folder)
    original = (folder / TALKS).read_text()
    (folder / "zz_wire_copy.txt").write_text(lightly_edited(original))
    return folder


def test_search_cites_a_story_once_unless_collapsing_is_off(
    archive: Archive, tmp_path: Path
) -> None:
    folder = with_near_duplicate(tmp_path / "articles")
    report = archive.ingestor.ingest_paths([folder])
    assert (report.new, report.duplicate) == (5, 0)  # a near-duplicate is still its own article
    assert archive.catalog.story_members(TALKS) == [TALKS, "zz_wire_copy.txt"]

    query = "US and Russia talks on Ukraine in Saudi Arabia"
    collapsed = [p.chunk.article_id for p in archive.retriever.search(query, top_k=5)]
    assert len({TALKS, "zz_wire_copy.txt"} & set(collapsed)) == 1

    apart = build_archive(make_settings(archive.settings.data_dir, collapse_near_duplicates=False))
    try:
        separate = [p.chunk.article_id for p in apart.retriever.search(query, top_k=5)]
    finally:
        apart.close()
    assert {TALKS, "zz_wire_copy.txt"} <= set(separate)


def test_articles_stored_before_stories_existed_are_signed_on_the_next_ingest(
    archive: Archive, tmp_path: Path
) -> None:
    folder = with_near_duplicate(tmp_path / "articles")
    archive.ingestor.ingest_paths([folder])
    with sqlite3.connect(archive.settings.catalog_path) as db:
        db.execute("DELETE FROM stories")  # what an index made before this feature looks like
    assert len(archive.catalog.articles_without_story()) == 5

    report = archive.ingestor.ingest_paths([folder])

    assert report.unchanged == 5 and not archive.catalog.articles_without_story()
    assert archive.catalog.story_members(TALKS) == [TALKS, "zz_wire_copy.txt"]


def test_removing_an_article_removes_it_from_its_story(archive: Archive, tmp_path: Path) -> None:
    folder = with_near_duplicate(tmp_path / "articles")
    archive.ingestor.ingest_paths([folder])
    (folder / "zz_wire_copy.txt").unlink()
    archive.ingestor.ingest_paths([folder], prune=True)
    assert archive.catalog.story_members(TALKS) == [TALKS]


def test_chunk_owners_follow_story_changes_from_this_and_other_connections(
    archive: Archive, tmp_path: Path
) -> None:
    folder = with_near_duplicate(tmp_path / "articles")
    archive.ingestor.ingest_paths([folder])
    copy_chunks = sorted(archive.catalog.chunk_ids("zz_wire_copy.txt"))
    owners = archive.catalog.chunk_owners(copy_chunks)  # remembered from here on
    assert {o.story_id for o in owners.values()} == {TALKS}

    # another process rewrites the catalog (here: a raw connection, as an old index would be)
    with sqlite3.connect(archive.settings.catalog_path) as db:
        db.execute("DELETE FROM stories")
    owners = archive.catalog.chunk_owners(copy_chunks)
    assert {o.story_id for o in owners.values()} == {"zz_wire_copy.txt"}

    archive.ingestor.ingest_paths([folder])  # this connection signs the stories again
    owners = archive.catalog.chunk_owners(copy_chunks)
    assert {o.story_id for o in owners.values()} == {TALKS}

    (folder / "zz_wire_copy.txt").unlink()
    archive.ingestor.ingest_paths([folder], prune=True)
    assert archive.catalog.chunk_owners(copy_chunks) == {}
