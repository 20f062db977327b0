"""The LLM composer with a capable model's replies, scripted behind the real wire protocols.

SmolLM2-135M (tests/test_llm_composer.py) rarely writes `[n]` markers, so almost everything it
says is dropped. These tests play the part of a larger model that does cite — correctly, wrongly
or inventively — through the real OpenAI and Ollama clients over HTTP.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.composers import declined_answer
from bot.composers.llm import LLMComposer, build_llm_composer
from bot.container import Archive
from bot.models import Answer, Turn
from index.search.retrieval import Passage
from tests.answer_checks import chunk_holding
from tests.conftest import make_settings
from tests.scripted_llm import ScriptedLLM
from tests.test_verify import SAUDI, THIRTY, assert_quotes_exact, passage

QUESTION = "When will the negotiations in Saudi Arabia take place?"


@pytest.fixture(scope="module")
def scripted() -> Iterator[ScriptedLLM]:
    server = ScriptedLLM().start()
    yield server
    server.stop()


@pytest.fixture
def llm(scripted: ScriptedLLM) -> Iterator[ScriptedLLM]:
    scripted.reset()
    yield scripted
    assert not scripted.replies, "a queued reply was never asked for"


@pytest.fixture(scope="module")
def sources(seeds_archive: Archive) -> list[Passage]:
    return [passage(seeds_archive, SAUDI), passage(seeds_archive, THIRTY)]


def composer_for(
    llm: ScriptedLLM, archive: Archive, tmp_path: Path, **settings: object
) -> LLMComposer:
    options = {"llm_url": llm.url, "llm_model": "big-model", "llm_max_tokens": 123, **settings}
    return build_llm_composer(make_settings(tmp_path, **options), archive.embedder)


def test_verified_sentences_stream_one_by_one_and_inventions_never_show(
    llm: ScriptedLLM, seeds_archive: Archive, sources: list[Passage], tmp_path: Path
) -> None:
    llm.enqueue(
        "Negotiations will take place in Saudi Arabia on February 18 [1]. "
        "The summit will be held in Geneva on 3 March [1]. "
        "More than thirty nations met virtually [2]. "
        "It is widely expected to end the war."
    )
    pieces = list(composer_for(llm, seeds_archive, tmp_path).stream(QUESTION, sources))
    assert pieces[:2] == [
        "Negotiations will take place in Saudi Arabia on February 18 [1].",
        " More than thirty nations met virtually [2].",
    ]
    final = pieces[2]
    assert len(pieces) == 3 and isinstance(final, Answer)
    assert final.answer == "".join(pieces[:2]) and final.answerable
    assert [(c.n, chunk_holding(c, sources)) for c in final.citations] == [
        (1, sources[0].chunk.id),
        (2, sources[1].chunk.id),
    ]
    assert "Geneva" not in final.answer and "expected" not in final.answer
    assert_quotes_exact(seeds_archive, final.citations)
    [request] = llm.requests
    assert request["stream"] is True and request["model"] == "big-model"
    assert request["max_tokens"] == 123 and request["temperature"] == 0
    prompt = request["messages"][-1]["content"]
    assert f"Question: {QUESTION}" in prompt
    assert "Source 1: " + sources[0].chunk.title in prompt and SAUDI in prompt
    assert "Source 2: " in prompt and "Source 3: " not in prompt


def test_citations_are_renumbered_by_first_use_whatever_the_model_wrote(
    llm: ScriptedLLM, seeds_archive: Archive, sources: list[Passage], tmp_path: Path
) -> None:
    llm.enqueue(
        "Representatives of more than thirty nations convened virtually. [Source 2] "
        "Sergey Lavrov and Marco Rubio will attend the negotiations in Saudi Arabia (Source 1)."
    )
    answer = composer_for(llm, seeds_archive, tmp_path).compose(QUESTION, sources)
    assert answer.answer == (
        "Representatives of more than thirty nations convened virtually [1]. "
        "Sergey Lavrov and Marco Rubio will attend the negotiations in Saudi Arabia [2]."
    )
    assert [chunk_holding(c, sources) for c in answer.citations] == [
        sources[1].chunk.id,
        sources[0].chunk.id,
    ]


def test_nothing_supported_means_the_extractive_answer(
    llm: ScriptedLLM, seeds_archive: Archive, sources: list[Passage], tmp_path: Path
) -> None:
    llm.enqueue("The talks will be held in Vienna on 12 June [1]. Nobody knows why [3].")
    composer = composer_for(llm, seeds_archive, tmp_path)
    answer = composer.compose(QUESTION, sources)
    assert answer == composer.fallback.compose(QUESTION, sources)
    assert answer.answerable and "February 18" in answer.answer


def test_nothing_supported_and_no_evidence_means_a_decline(
    llm: ScriptedLLM, seeds_archive: Archive, tmp_path: Path
) -> None:
    question = "Who won the 2022 FIFA World Cup final?"
    nearest = seeds_archive.retriever.search(question, top_k=2)
    llm.enqueue("Argentina beat France on penalties in the final [1].")
    answer = composer_for(llm, seeds_archive, tmp_path).compose(question, nearest)
    assert answer == declined_answer(nearest)


def test_sources_beyond_the_context_window_are_not_shown_nor_citable(
    llm: ScriptedLLM, seeds_archive: Archive, sources: list[Passage], tmp_path: Path
) -> None:
    llm.enqueue("More than thirty nations met virtually [2].")
    composer = composer_for(
        llm, seeds_archive, tmp_path, llm_context_window=700, llm_max_tokens=100
    )
    answer = composer.compose(QUESTION, sources)  # source 2 did not fit: its marker is unknown
    prompt = llm.requests[0]["messages"][-1]["content"]
    assert "Source 1: " in prompt and "Source 2: " not in prompt
    assert "thirty nations met virtually" not in answer.answer


def test_the_ollama_protocol_works_the_same(
    llm: ScriptedLLM, seeds_archive: Archive, sources: list[Passage], tmp_path: Path
) -> None:
    llm.enqueue("Negotiations will take place in Saudi Arabia on February 18 [1].")
    composer = build_llm_composer(
        make_settings(
            tmp_path,
            llm_provider="ollama",
            llm_url=llm.ollama_url,
            llm_model="llama3.2",
            llm_max_tokens=77,
            llm_context_window=4096,
        ),
        seeds_archive.embedder,
    )
    pieces = list(composer.stream(QUESTION, sources))
    assert pieces[0] == "Negotiations will take place in Saudi Arabia on February 18 [1]."
    assert (
        isinstance(pieces[-1], Answer)
        and chunk_holding(pieces[-1].citations[0], sources) == sources[0].chunk.id
    )
    [request] = llm.requests
    assert request["model"] == "llama3.2" and request["stream"] is True
    assert request["options"]["num_predict"] == 77 and request["options"]["num_ctx"] == 4096
    assert request["options"]["temperature"] == 0


def test_condense_uses_the_history_and_keeps_only_the_question(
    llm: ScriptedLLM, seeds_archive: Archive, tmp_path: Path
) -> None:
    llm.enqueue("Standalone question: Who will attend the negotiations in Saudi Arabia?\nBecause…")
    composer = composer_for(llm, seeds_archive, tmp_path)
    history = [Turn(QUESTION, "Negotiations will take place on February 18 [1].")]
    standalone = composer.condense("Who will attend them?", history)
    assert standalone == "Who will attend the negotiations in Saudi Arabia?"
    prompt = llm.requests[0]["messages"][-1]["content"]
    assert f"User: {QUESTION}" in prompt
    assert "Assistant: Negotiations will take place on February 18." in prompt  # no markers
    assert "Last question: Who will attend them?" in prompt


def test_the_service_condenses_follow_ups_with_the_llm_in_llm_mode(
    llm: ScriptedLLM, seeds_archive: Archive, tmp_path: Path
) -> None:
    from bot.container import build_service

    settings = make_settings(tmp_path, llm_url=llm.url, llm_model="big-model")
    service = build_service(settings, archive=seeds_archive)
    llm.enqueue(
        "Who will attend the negotiations in Saudi Arabia?",  # the condensed question
        "Sergey Lavrov and Marco Rubio will attend [1].",  # the answer to it
    )
    history = [Turn(QUESTION, "Negotiations will take place on February 18 [1].")]
    answer = service.answer("Who will attend them?", history=history, mode="llm")
    assert "Last question: Who will attend them?" in llm.requests[0]["messages"][-1]["content"]
    assert "Who will attend the negotiations in Saudi Arabia?" in str(llm.requests[1]["messages"])
    assert answer.answerable and answer.citations
    # The extractive mode keeps its own rule-based condensing: the LLM is not asked.
    service.answer("Who will attend them?", history=history, mode="extractive")
    assert len(llm.requests) == 2
