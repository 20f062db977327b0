"""The LLM composer against a real model (SmolLM2-135M) behind a real OpenAI-compatible server."""

from __future__ import annotations

import logging
import re
from pathlib import Path

import pytest

from bot.composers import declined_answer
from bot.composers.extractive import ExtractiveComposer
from bot.composers.llm import LLMComposer, build_llm, build_llm_composer
from bot.composers.support import SupportChecker
from bot.composers.terms import numbers
from bot.composers.verify import split_claims
from bot.container import Archive, build_composers
from bot.errors import ConfigError
from bot.models import Answer, Turn
from tests.conftest import make_settings
from tests.llama_server import LlamaServer
from tests.local_process import free_port

COVERED = "When and where will the negotiations between Russia and the United States take place?"
UNCOVERED = "Who won the 2022 FIFA World Cup final, and what was the score?"


@pytest.fixture(scope="module")
def composer(
    llm_server: LlamaServer, seeds_archive: Archive, tmp_path_factory: pytest.TempPathFactory
) -> LLMComposer:
    settings = make_settings(
        tmp_path_factory.mktemp("llm"),
        llm_url=llm_server.url,
        llm_model="smollm2",
        llm_max_tokens=96,
        llm_context_window=2048,
    )
    return build_llm_composer(settings, seeds_archive.embedder)


def assert_every_claim_is_supported_by_its_quote(answer: Answer, archive: Archive) -> None:
    """Re-check the final answer from scratch: markers resolve, quotes are exact and support."""
    checker = SupportChecker(archive.embedder)
    by_number = {c.n: c for c in answer.citations}
    assert sorted(by_number) == list(range(1, len(answer.citations) + 1))
    used = [int(n) for n in re.findall(r"\[(\d+)\]", answer.answer)]
    assert set(used) == set(by_number)  # no dangling marker, no unused citation
    assert list(dict.fromkeys(used)) == sorted(set(used))  # numbered in order of first use
    for citation in answer.citations:
        article = archive.catalog.article(citation.article_id)
        assert article is not None
        assert article.text[citation.start : citation.end] == citation.quote
    for claim in split_claims(answer.answer):
        assert claim.markers, f"unmarked claim survived: {claim.text!r}"
        for n in claim.markers:
            cited = by_number[n]
            chunks = archive.catalog.chunks_of([cited.article_id])[cited.article_id]
            [chunk, *_] = [c for c in chunks if c.start <= cited.start < cited.end <= c.end]
            evidence = checker.evidence(chunk.text, chunk.start, chunk.title)
            support = checker.check(claim.text, evidence)
            assert support.supported, (claim.text, cited.quote, support)
            assert numbers(claim.text) <= numbers(cited.quote), (claim.text, cited.quote)


def draft_of(caplog: pytest.LogCaptureFixture) -> str:
    """The model's raw reply, as the composer logged it before verification."""
    drafts = [r.getMessage() for r in caplog.records if r.msg == "LLM draft: %r"]
    assert len(drafts) == 1, "the composer must have asked the model exactly once"
    return drafts[0].removeprefix("LLM draft: ")[1:-1]  # drop repr's quotes


def test_a_covered_question_gets_a_cited_answer_from_the_model(
    composer: LLMComposer, seeds_archive: Archive, caplog: pytest.LogCaptureFixture
) -> None:
    passages = seeds_archive.retriever.search(COVERED, top_k=2)
    with caplog.at_level(logging.DEBUG, logger="bot.composers.llm"):
        answer = composer.compose(COVERED, passages)
    draft = draft_of(caplog)
    assert draft.strip(), "the model wrote nothing"
    assert answer.answerable
    assert_every_claim_is_supported_by_its_quote(answer, seeds_archive)
    fallback = composer.fallback.compose(COVERED, passages)
    if answer.answer != fallback.answer:  # the model's own sentences survived verification
        assert "llm" in answer.timings_ms


def test_streaming_hands_out_each_verified_sentence_then_one_answer(
    composer: LLMComposer, seeds_archive: Archive
) -> None:
    passages = seeds_archive.retriever.search(COVERED, top_k=2)
    pieces = list(composer.stream(COVERED, passages))
    texts = [p for p in pieces if isinstance(p, str)]
    answers = [p for p in pieces if isinstance(p, Answer)]
    assert len(answers) == 1 and pieces[-1] is answers[0]
    assert texts and all(texts)
    assert "".join(texts) == answers[0].answer  # what was shown is exactly what was verified
    assert len(texts) == len(split_claims(answers[0].answer))  # one piece per sentence
    assert_every_claim_is_supported_by_its_quote(answers[0], seeds_archive)


def test_streaming_matches_compose(composer: LLMComposer, seeds_archive: Archive) -> None:
    passages = seeds_archive.retriever.search(COVERED, top_k=2)
    streamed = next(p for p in composer.stream(COVERED, passages) if isinstance(p, Answer))
    composed = composer.compose(COVERED, passages)
    assert streamed.answer == composed.answer  # temperature 0: the model is repeatable
    assert streamed.citations == composed.citations


def test_an_uncovered_question_leaves_no_invented_claim(
    composer: LLMComposer, seeds_archive: Archive, caplog: pytest.LogCaptureFixture
) -> None:
    passages = seeds_archive.retriever.search(UNCOVERED, top_k=2)
    with caplog.at_level(logging.DEBUG, logger="bot.composers.llm"):
        answer = composer.compose(UNCOVERED, passages)
    draft = draft_of(caplog)
    assert draft.strip(), "the model wrote nothing"
    if answer.answerable:
        assert_every_claim_is_supported_by_its_quote(answer, seeds_archive)
    else:
        assert answer == declined_answer(passages)
    # No sentence of the draft that its cited passage does not support made it through.
    checker = SupportChecker(seeds_archive.embedder)
    for claim in split_claims(draft):
        cited = [passages[n - 1] for n in claim.markers if 1 <= n <= len(passages)]
        if not any(
            checker.check(claim.text, checker.evidence(p.chunk.text, p.chunk.start)).supported
            for p in cited
        ):
            assert claim.text.rstrip(".!?") not in answer.answer, claim.text


def test_condense_asks_the_model_for_one_standalone_line(composer: LLMComposer) -> None:
    history = [Turn("When will the talks in Saudi Arabia take place?", "On February 18 [1].")]
    standalone = composer.condense("Who will attend them?", history)
    assert standalone.strip() and "\n" not in standalone and len(standalone) <= 500
    assert composer.condense("Who will attend them?", []) == "Who will attend them?"


def test_a_dead_server_falls_back_to_the_extractive_answer(
    seeds_archive: Archive, tmp_path: Path
) -> None:
    settings = make_settings(
        tmp_path, llm_url=f"http://127.0.0.1:{free_port()}/v1", llm_timeout=5.0
    )
    composer = build_llm_composer(settings, seeds_archive.embedder)
    passages = seeds_archive.retriever.search(COVERED, top_k=2)
    extractive = ExtractiveComposer(
        seeds_archive.embedder, settings.answer_min_score, settings.answer_max_sentences
    )
    expected = extractive.compose(COVERED, passages)
    assert composer.compose(COVERED, passages) == expected
    history = [Turn("When are the talks?", "On February 18 [1].")]
    assert composer.condense("Who attends?", history) == "Who attends?"


def test_settings_choose_the_client(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="NEWSBOT_LLM_URL"):
        build_llm(make_settings(tmp_path))
    with pytest.raises(ConfigError, match="NEWSBOT_LLM_MODEL"):
        build_llm(make_settings(tmp_path, llm_url="http://127.0.0.1:11434", llm_provider="ollama"))
    ollama = build_llm(
        make_settings(
            tmp_path,
            llm_url="http://127.0.0.1:11434",
            llm_provider="ollama",
            llm_model="llama3.2",
            llm_max_tokens=99,
            llm_timeout=7,
        )
    )
    assert (ollama.base_url, ollama.model, ollama.request_timeout) == (
        "http://127.0.0.1:11434",
        "llama3.2",
        7,
    )
    assert ollama.additional_kwargs["num_predict"] == 99 and ollama.temperature == 0
    openai = build_llm(
        make_settings(tmp_path, llm_url="http://h:1/v1", llm_model="m", llm_max_tokens=77)
    )
    assert (openai.api_base, openai.model, openai.max_tokens, openai.temperature) == (
        "http://h:1/v1",
        "m",
        77,
        0,
    )


def test_the_llm_mode_exists_only_when_a_url_is_set(seeds_archive: Archive, tmp_path: Path) -> None:
    assert set(build_composers(make_settings(tmp_path), seeds_archive)) == {"extractive"}
    with_llm = build_composers(make_settings(tmp_path, llm_url="http://h:1/v1"), seeds_archive)
    assert set(with_llm) == {"extractive", "llm"}
    assert isinstance(with_llm["llm"], LLMComposer)
