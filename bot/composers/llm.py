"""The optional LLM composer: numbered sources in, only the sentences its sources support out."""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Iterator
from typing import Any

from bot.composers import ClosingComposer, Composer, StreamingComposer
from bot.composers.support import DEFAULT_THRESHOLDS, SupportChecker, SupportThresholds
from bot.composers.verify import AnswerVerification, ClaimStream, source_header
from bot.errors import ConfigError
from bot.models import Answer, Turn
from bot.prompts import render
from bot.settings import Settings
from index.embedding import TextEmbedder
from index.search.retrieval import Passage

log = logging.getLogger(__name__)

CHARS_PER_TOKEN = 3.5  # conservative for English news text: budgets sources without a tokenizer
PROMPT_RESERVE_TOKENS = 200  # the instructions and the question, around the sources
HISTORY_TURNS = 3  # follow-ups lean on the last few turns only
HISTORY_ANSWER_CHARS = 400
_MARKERS = re.compile(r"\s*\[\d+\]")
_CONDENSED_LABEL = re.compile(r"^\s*(?:standalone|rewritten|last)?\s*question\s*:\s*", re.I)


class LLMComposer:
    """Asks an LLM for a cited answer, keeps only verified sentences, else falls back."""

    name = "llm"

    def __init__(
        self,
        llm: Any,  # a LlamaIndex LLM (OpenAILike or Ollama): chat() and stream_chat()
        checker: SupportChecker,
        fallback: Composer,
        context_window: int = 4096,
        max_tokens: int = 400,
    ) -> None:
        self.llm = llm
        self.checker = checker
        self.fallback = fallback
        self.source_chars = int(
            (context_window - max_tokens - PROMPT_RESERVE_TOKENS) * CHARS_PER_TOKEN
        )

    def close(self) -> None:
        if isinstance(self.fallback, ClosingComposer):
            self.fallback.close()

    def compose(self, question: str, passages: list[Passage]) -> Answer:
        final: Answer | None = None
        for piece in self.stream(question, passages):
            if isinstance(piece, Answer):
                final = piece
        assert final is not None  # stream always ends with an Answer
        return final

    def stream(self, question: str, passages: list[Passage]) -> Iterator[str | Answer]:
        """Each sentence once verified (a text piece), then the Answer; never an unchecked claim."""
        shown = self.sources_that_fit(passages)
        if not shown:
            yield from self._fall_back(question, passages, "no passages")
            return
        started = time.perf_counter()
        verification = AnswerVerification(self.checker, shown)
        claims = ClaimStream()
        pieces = 0
        draft: list[str] = []
        try:
            for delta in self._generate(self.prompt(question, shown)):
                draft.append(delta)
                for sentence in verification.add_all(claims.feed(delta)):
                    yield sentence if pieces == 0 else " " + sentence
                    pieces += 1
        except _llm_errors() as error:  # the answer so far is verified; keep it
            log.warning("the LLM failed while answering: %s", error)
        for sentence in verification.add_all(claims.finish()):
            yield sentence if pieces == 0 else " " + sentence
            pieces += 1
        answer = verification.answer()
        log.debug("LLM draft: %r", "".join(draft))
        for checked in verification.checked:
            if not checked.kept:
                log.info("dropped (%s): %r", checked.reason, checked.claim.text)
        if answer is None:
            yield from self._fall_back(question, passages, "no supported sentence")
            return
        elapsed = round((time.perf_counter() - started) * 1000, 2)
        yield Answer(
            answer=answer.answer,
            answerable=True,
            citations=answer.citations,
            timings_ms={"llm": elapsed},
        )

    def sources_that_fit(self, passages: list[Passage]) -> list[Passage]:
        """The leading passages whose text fits the model's context (at least one)."""
        shown: list[Passage] = []
        used = 0
        for passage in passages:
            used += len(passage.chunk.text) + len(passage.chunk.title) + 40
            if shown and used > self.source_chars:
                break
            shown.append(passage)
        return shown

    def prompt(self, question: str, passages: list[Passage]) -> str:
        sources = "\n\n".join(
            f"Source {n}: {source_header(p)}\n{p.chunk.text.strip()}"
            for n, p in enumerate(passages, start=1)
        )
        return render("answer", sources=sources, question=question.strip())

    def condense(self, question: str, history: list[Turn]) -> str:
        """The follow-up rewritten to stand alone; the question itself when that fails."""
        if not history:
            return question
        turns = "\n".join(
            f"User: {t.question.strip()}\nAssistant: "
            f"{_MARKERS.sub('', t.answer).strip()[:HISTORY_ANSWER_CHARS]}"
            for t in history[-HISTORY_TURNS:]
        )
        try:
            reply = "".join(self._generate(render("condense", history=turns, question=question)))
        except _llm_errors() as error:
            log.warning("the LLM failed to condense a follow-up: %s", error)
            return question
        return _first_question(reply) or question

    def _generate(self, prompt: str) -> Iterator[str]:
        from llama_index.core.llms import ChatMessage

        for response in self.llm.stream_chat([ChatMessage(role="user", content=prompt)]):
            if response.delta:
                yield response.delta

    def _fall_back(
        self, question: str, passages: list[Passage], why: str
    ) -> Iterator[str | Answer]:
        log.info("LLM answer replaced by the %s composer: %s", self.fallback.name, why)
        if isinstance(self.fallback, StreamingComposer):
            yield from self.fallback.stream(question, passages)
        else:
            answer = self.fallback.compose(question, passages)
            yield answer.answer
            yield answer


def _first_question(reply: str) -> str:
    """The first non-empty line of a reply, without labels or quotes; '' when unusable."""
    for line in reply.splitlines():
        line = _CONDENSED_LABEL.sub("", line).strip().strip("\"'“”").strip()
        if line:
            return line if len(line) <= 500 else ""
    return ""


def _llm_errors() -> tuple[type[BaseException], ...]:
    """What a broken, slow or missing LLM server raises (connection, timeout, HTTP status)."""
    import httpx
    import openai

    errors: list[type[BaseException]] = [openai.OpenAIError, httpx.HTTPError, ConnectionError]
    try:
        from ollama import ResponseError

        errors.append(ResponseError)
    except ImportError:  # pragma: no cover - the Ollama client is a dependency
        pass
    return tuple(errors)


def build_llm(settings: Settings) -> Any:
    """The LlamaIndex LLM client the settings describe (no request is made here)."""
    if not settings.llm_url:
        raise ConfigError("NEWSBOT_LLM_URL is not set, so there is no LLM to answer with")
    if settings.llm_provider == "ollama":
        if not settings.llm_model:
            raise ConfigError("NEWSBOT_LLM_MODEL must name the Ollama model, e.g. llama3.2")
        from llama_index.llms.ollama import Ollama

        return Ollama(
            model=settings.llm_model,
            base_url=settings.llm_url,
            request_timeout=settings.llm_timeout,
            temperature=settings.llm_temperature,
            context_window=settings.llm_context_window,
            additional_kwargs={"num_predict": settings.llm_max_tokens},
        )
    from llama_index.llms.openai_like import OpenAILike

    return OpenAILike(
        model=settings.llm_model or "default",
        api_base=settings.llm_url,
        api_key=settings.llm_api_key or "none",  # local servers ignore it; the client needs one
        is_chat_model=True,
        context_window=settings.llm_context_window,
        max_tokens=settings.llm_max_tokens,
        temperature=settings.llm_temperature,
        timeout=settings.llm_timeout,
        max_retries=1,
    )


def build_llm_composer(
    settings: Settings,
    embedder: TextEmbedder,
    fallback: Composer | None = None,
    thresholds: SupportThresholds = DEFAULT_THRESHOLDS,
) -> LLMComposer:
    """The "llm" answer mode; `fallback` answers when no generated sentence is supported."""
    if fallback is None:
        from bot.composers.extractive import ExtractiveComposer

        fallback = ExtractiveComposer(
            embedder,
            min_score=settings.answer_min_score,
            statement_min_score=settings.answer_statement_min_score,
            max_sentences=settings.answer_max_sentences,
        )
    return LLMComposer(
        llm=build_llm(settings),
        checker=SupportChecker(embedder, thresholds),
        fallback=fallback,
        context_window=settings.llm_context_window,
        max_tokens=settings.llm_max_tokens,
    )
