"""The cross-reader: the packaged MiniLM with the fitted updates merged in, read as a
cross-encoder over (question, sentence) pairs, and combined with the reader's scores."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import onnx
import onnxruntime as ort
import pytest

from bot.composers.extractive import ExtractiveComposer
from bot.reading.cross_reader import (
    ADAPTER,
    CANDIDATES,
    SURE_ABOVE,
    CrossReader,
    CrossReaderError,
    adapted_model,
    base_parameters,
    combined,
    linear_layers,
    reader_is_sure,
)
from index.embedding import OnnxMiniLM


@pytest.fixture(scope="module")
def model_path() -> Path:
    return OnnxMiniLM.verified_model_path()


@pytest.fixture(scope="module")
def reader() -> CrossReader:
    return CrossReader(threads=1)


def _states(model: str | bytes, question: str, sentence: str) -> np.ndarray:
    tokenizer = OnnxMiniLM(threads=1).counter.tokenizer
    encoded = tokenizer.encode(question, sentence)
    ids = np.array([encoded.ids], dtype=np.int64)
    feed = {
        "input_ids": ids,
        "attention_mask": np.ones_like(ids),
        "token_type_ids": np.array([encoded.type_ids], dtype=np.int64),
    }
    session = ort.InferenceSession(model, providers=["CPUExecutionProvider"])
    return np.asarray(session.run(None, feed)[0])


def test_every_linear_layer_of_the_packaged_graph_is_found(model_path: Path) -> None:
    layers = linear_layers(onnx.load(str(model_path)).graph)
    assert len(layers) == 36 and len(set(layers.values())) == 36
    for n in range(6):
        for part in ("attention.self.query", "attention.output.dense", "output.dense"):
            assert f"encoder.layer.{n}.{part}" in layers
    # BERT's layout: a linear weight is out x in (the graph multiplies by in x out)
    base = base_parameters(model_path)
    assert base["encoder.layer.0.intermediate.dense.weight"].shape == (1536, 384)
    assert base["embeddings.word_embeddings.weight"].shape == (30522, 384)


def _adapter(model_path: Path, update: float, norms: float = 1.0) -> dict[str, np.ndarray]:
    """Updates of size `update` (0: none), with the packaged LayerNorms times `norms`."""
    base = base_parameters(model_path)
    rng = np.random.default_rng(0)
    adapter: dict[str, np.ndarray] = {"lora_scale": np.array(2.0)}
    for layer in linear_layers(onnx.load(str(model_path)).graph):
        out, into = base[layer + ".weight"].shape
        adapter[f"bert.{layer}.a"] = rng.normal(size=(8, into)).astype(np.float16)
        adapter[f"bert.{layer}.b"] = (rng.normal(size=(out, 8)) * update).astype(np.float16)
    for name, values in base.items():
        if "LayerNorm" in name and name.startswith("encoder."):
            adapter["bert." + name] = values * norms
    return adapter


def test_merging_no_update_keeps_the_packaged_model(model_path: Path) -> None:
    question, sentence = "Who directed Kisna?", "Kisna was directed by Subhash Ghai."
    packaged = _states(str(model_path), question, sentence)
    unchanged = _states(adapted_model(model_path, _adapter(model_path, 0.0)), question, sentence)
    changed = _states(adapted_model(model_path, _adapter(model_path, 0.01)), question, sentence)
    normed = _states(adapted_model(model_path, _adapter(model_path, 0.0, 1.1)), question, sentence)
    assert np.abs(unchanged - packaged).max() < 1e-4
    assert np.abs(changed - packaged).max() > 1e-2  # the updates are merged
    assert np.abs(normed - packaged).max() > 1e-2  # and the LayerNorms replaced


def test_unreadable_weights_are_a_clear_error(tmp_path: Path) -> None:
    broken = tmp_path / "cross_reader.npz"
    broken.write_bytes(b"not an npz")
    with pytest.raises(CrossReaderError, match="NEWSBOT_CROSS_READER"):
        CrossReader(adapter=broken)
    foreign = tmp_path / "foreign.npz"
    np.savez(foreign, weights=np.zeros(3))
    with pytest.raises(CrossReaderError, match="not the cross-reader's"):
        CrossReader(adapter=foreign)


def test_the_fitted_weights_ship_small() -> None:
    assert ADAPTER.is_file() and ADAPTER.stat().st_size < 2_000_000


# (question, a sentence that answers it, one that restates it without the answer): written
# for this test, from no labelled set
PAIRS = [
    (
        "Which anti-spyware firm did Microsoft take over?",
        "Microsoft bought Giant Company Software, which made the program, in December.",
        "Microsoft is investigating a program that tries to switch off its anti-spyware tool.",
    ),
    (
        "Who was named coach of the year?",
        "Arsene Wenger was named coach of the year by the judging panel.",
        "The coach of the year award will be presented at the ceremony next month.",
    ),
    (
        "How much did the club pay for the striker?",
        "The club paid £7m for the striker, a record fee for a teenager.",
        "The striker said he was delighted that the club had decided to sign him.",
    ),
    (
        "Where will the peace talks be held?",
        "The peace talks will be held in Geneva from Thursday.",
        "Both sides said the peace talks would be difficult and long.",
    ),
    (
        "When will the new console go on sale in Europe?",
        "The console goes on sale in Europe on 4 March, priced at 249 euros.",
        "Gamers in Europe have been waiting for the new console for months.",
    ),
]


@pytest.mark.parametrize(("question", "answers", "restates"), PAIRS)
def test_the_sentence_that_answers_scores_above_the_one_that_restates(
    reader: CrossReader, question: str, answers: str, restates: str
) -> None:
    scores = reader.scores(question, [restates, answers])
    assert scores[1] > scores[0]


def test_fp32_and_int8_products_agree(reader: CrossReader) -> None:
    """The int8 products the service runs rank as the merged fp32 weights do."""
    fp32 = CrossReader(threads=1, int8=False)
    for question, answers, restates in PAIRS[:2]:
        exact = fp32.scores(question, [answers, restates])
        assert exact[0] > exact[1]
        assert np.abs(reader.scores(question, [answers, restates]) - exact).max() < 1.0


def test_a_sure_reader_is_not_read_again(reader: CrossReader) -> None:
    sure = np.array([0.9, 0.6, 0.1])
    assert reader_is_sure(sure)
    assert reader.rescored("Who?", ["a", "b", "c"], sure) is sure
    assert not reader_is_sure(np.array([SURE_ABOVE - 0.01, 0.1]))  # nothing likely enough
    assert reader_is_sure(np.array([]))


def test_rescoring_reorders_the_candidates_and_leaves_the_rest(reader: CrossReader) -> None:
    question, answers, restates = PAIRS[1]
    others = ["Rain is expected across the north of England.", "Shares rose on Monday."]
    sentences = [restates, answers, *others, "The ceremony was held in London."]
    before = np.array([0.35, 0.30, 0.2, 0.05, 0.25])
    scores = reader.rescored(question, sentences, before)
    assert scores[1] > scores[0]  # the cross-encoder read the reader's best sentences
    read = np.argsort(-before, kind="stable")[:CANDIDATES]
    unread = np.setdiff1d(np.arange(len(sentences)), read)
    assert (scores[unread] == before[unread]).all()
    cross = reader.scores(question, [sentences[i] for i in read])
    assert np.allclose(scores[read], combined(before[read], cross))


def test_the_combination_rises_with_either_score() -> None:
    reader_scores = np.array([0.4, 0.3])
    low = combined(reader_scores, np.array([0.0, -1.0]))
    high = combined(reader_scores, np.array([2.0, -1.0]))
    assert high[0] > low[0]
    assert combined(np.array([0.6, 0.3]), np.array([0.0, -1.0]))[0] > low[0]
    assert ((low > 0) & (low < 1)).all()


def test_the_setting_decides_what_answers_are_read_with(tmp_path: Path) -> None:
    """On by default, with the thresholds and shares fitted for the combined scores; off, the
    reader alone with its own."""
    from bot.container import build_archive, build_composers
    from bot.reading import cross_reader, ranker
    from tests.conftest import make_settings

    for on in (True, False):
        settings = make_settings(tmp_path / str(on), cross_reader=on)
        archive = build_archive(settings)
        try:
            composer = build_composers(settings, archive)["extractive"]
            assert isinstance(composer, ExtractiveComposer)
            assert (composer.cross_reader is not None) == on
            fitted = cross_reader if on else ranker
            assert composer.min_score == fitted.DECLINE_BELOW
            assert composer.statement_min_score == fitted.STATEMENT_DECLINE_BELOW
        finally:
            archive.close()
    assert cross_reader.DECLINE_BELOW != ranker.DECLINE_BELOW
