"""A small learned text model that backs up the rules: features, pure-Python inference, loading.

The model is a multinomial logistic regression over the engine's own normalised tokens (the
phonetic skeletons after misspelling correction, see `normalize.py`), so Devanagari and romanised
spellings of a word share one feature. Features are word unigrams and within-clause bigrams of the
skeletons, plus character n-grams of each skeleton (which catch unlisted inflections). Its weights
are data (`model.json`, written by `python -m app.dispatch.triage.train`); nothing here imports
numpy or scikit-learn. How it is combined with the rule scores is in `classifier.py`.
"""

from __future__ import annotations

import itertools
import json
import math
import operator
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .normalize import BOUNDARY
from .review import ReviewModel

MODEL_PATH = Path(__file__).with_name("model.json")
FORMAT = 1


@dataclass(frozen=True)
class FeatureConfig:
    """Which features a text yields (stored in model.json so training and inference agree)."""

    bigrams: bool = True
    char_min: int = 3
    char_max: int = 4  # 0 disables character n-grams

    def to_dict(self) -> dict[str, Any]:
        return {"bigrams": self.bigrams, "char_min": self.char_min, "char_max": self.char_max}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> FeatureConfig:
        return cls(bool(d["bigrams"]), int(d["char_min"]), int(d["char_max"]))


def features(canon: Sequence[str], cfg: FeatureConfig) -> set[str]:
    """Binary features of a call given its canonical skeleton tokens (clause boundaries included)."""
    out = set(canon)
    out.discard(BOUNDARY)
    if cfg.bigrams:
        out.update([a + " " + b for a, b in itertools.pairwise(canon) if a != BOUNDARY and b != BOUNDARY])
    cmin, cmax = cfg.char_min, cfg.char_max
    if cmax:
        for tok in canon:
            if tok == BOUNDARY or tok.isdecimal():
                continue
            padded = "<" + tok + ">"
            n_chars = len(padded)
            for n in range(cmin, cmax + 1):
                for i in range(n_chars - n + 1):
                    out.add("#" + padded[i : i + n])
    return out


URGENCY_CLASSES = 3  # priorities 1, 2, 3


@dataclass(frozen=True)
class UrgencyHead:
    """A second linear head over the same features: how likely the call is priority 1.

    Trained on the labelled priorities (`train.py`). It backs up the acuity rules in one direction
    only: a call the rules put at 2 or 3 becomes 1 when this head finds priority 1 at least
    `threshold` likely (over-triage costs a unit, under-triage can cost a life). It never lowers a
    priority.
    """

    bias: tuple[float, ...]  # priorities 1, 2, 3
    weights: Mapping[str, tuple[float, ...]]
    threshold: float

    def to_dict(self) -> dict[str, Any]:
        return {
            "threshold": self.threshold,
            "bias": [round(b, 3) for b in self.bias],
            "weights": {f: [round(x, 3) for x in w] for f, w in sorted(self.weights.items())},
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> UrgencyHead:
        bias = tuple(float(b) for b in d["bias"])
        weights = {f: tuple(float(x) for x in w) for f, w in d["weights"].items()}
        if len(bias) != URGENCY_CLASSES or any(len(w) != URGENCY_CLASSES for w in weights.values()):
            raise ValueError("urgency head needs three weights (priorities 1, 2, 3) per feature")
        return cls(bias, weights, float(d["threshold"]))


class TextModel:
    """Linear multinomial model: class log-probabilities of a call's features (and its urgency)."""

    def __init__(
        self,
        classes: Sequence[str],
        bias: Sequence[float],
        weights: Mapping[str, Sequence[float]],
        cfg: FeatureConfig,
        scale: float,
        review: ReviewModel | None = None,
        urgency: UrgencyHead | None = None,
    ) -> None:
        self.classes = tuple(classes)
        self.bias = tuple(float(b) for b in bias)
        self.weights = {f: tuple(float(x) for x in w) for f, w in weights.items()}
        self.cfg = cfg
        self.scale = float(scale)  # how much of the rule score scale one nat of log-probability is worth
        self.review = review  # confidence weights and review threshold fitted on held-out answers
        self.urgency = urgency
        k = len(self.classes)
        if len(self.bias) != k or any(len(w) != k for w in self.weights.values()):
            raise ValueError("model weights do not match its classes")
        # One row per feature holds both heads (the services', then the urgency head's), so a call's
        # features are looked up once.
        rows: dict[str, tuple[float, ...]] = dict(self.weights)
        self._bias: tuple[float, ...] = self.bias
        if urgency is not None:
            zero_k, zero_u = (0.0,) * k, (0.0,) * URGENCY_CLASSES
            rows = {
                f: self.weights.get(f, zero_k) + urgency.weights.get(f, zero_u)
                for f in self.weights.keys() | urgency.weights.keys()
            }
            self._bias = self.bias + urgency.bias
        self._rows = rows
        # The same rows keyed for a fast path (word unigrams and bigrams only): a call's words and
        # word pairs are looked up as they are, without building feature strings.
        self._unigrams = {f: w for f, w in rows.items() if " " not in f and not f.startswith("#")}
        self._bigrams = {tuple(f.split(" ")): w for f, w in rows.items() if " " in f}
        self._fast = cfg.bigrams and not cfg.char_max

    def logits(self, canon: Sequence[str]) -> list[float]:
        """Unnormalised scores of a call: the classes', then (with an urgency head) priorities 1-3."""
        if self._fast:
            # Binary features: each distinct word and distinct within-clause pair counts once (pairs
            # across a clause boundary contain "," and are never in the model).
            # (Rows are non-empty tuples, so `filter(None, ...)` drops exactly the missing ones.)
            rows = list(filter(None, map(self._unigrams.get, set(canon))))
            rows += filter(None, map(self._bigrams.get, set(itertools.pairwise(canon))))
        else:
            rows = list(filter(None, map(self._rows.get, features(canon, self.cfg))))
        if not rows:
            return list(self._bias)
        return list(map(operator.add, self._bias, map(sum, zip(*rows, strict=True))))

    def read(self, canon: Sequence[str]) -> tuple[dict[str, float], float | None]:
        """`relative` of a call and the urgency head's probability of priority 1 (None without one)."""
        z = self.logits(canon)
        k = len(self.classes)
        top = max(z[:k])
        relative = dict(zip(self.classes, [v - top for v in z[:k]], strict=True))
        if self.urgency is None:
            return relative, None
        u = z[k:]
        u_top = max(u)
        exps = [math.exp(v - u_top) for v in u]
        return relative, exps[0] / sum(exps)

    def relative(self, canon: Sequence[str]) -> dict[str, float]:
        """Class log-probabilities minus that of the model's favourite (0 for it, < 0 for the rest).

        Equal to `log_proba` shifted by a constant, without the cost of normalising.
        """
        return self.read(canon)[0]

    def log_proba(self, canon: Sequence[str]) -> dict[str, float]:
        """Class log-probabilities of a call."""
        z = self.logits(canon)[: len(self.classes)]
        top = max(z)
        log_norm = top + math.log(sum(math.exp(v - top) for v in z))
        return {c: v - log_norm for c, v in zip(self.classes, z, strict=True)}

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form of the model (model.json)."""
        out: dict[str, Any] = {
            "format": FORMAT,
            "classes": list(self.classes),
            "scale": self.scale,
            "features": self.cfg.to_dict(),
            "bias": [round(b, 3) for b in self.bias],
            "weights": {f: [round(x, 3) for x in w] for f, w in sorted(self.weights.items())},
        }
        if self.review is not None:
            out["review"] = self.review.to_dict()
        if self.urgency is not None:
            out["urgency"] = self.urgency.to_dict()
        return out

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> TextModel:
        if d.get("format") != FORMAT:
            raise ValueError(f"unknown model format {d.get('format')!r}")
        review = ReviewModel.from_dict(d["review"]) if d.get("review") else None
        cfg = FeatureConfig.from_dict(d["features"])
        urgency = UrgencyHead.from_dict(d["urgency"]) if d.get("urgency") else None
        return cls(d["classes"], d["bias"], d["weights"], cfg, d["scale"], review, urgency)


def load_model(path: Path = MODEL_PATH) -> TextModel | None:
    """The shipped model, or None when no model file exists (the rules then decide alone)."""
    if not path.exists():
        return None
    with path.open(encoding="utf-8") as fh:
        return TextModel.from_dict(json.load(fh))


def train_logreg(
    docs: Sequence[Iterable[str]],
    labels: Sequence[str],
    classes: Sequence[str],
    cfg: FeatureConfig,
    *,
    l2: float = 1e-3,
    epochs: int = 30,
    lr: float = 0.5,
    min_df: int = 2,
    scale: float = 1.0,
    seed: int = 112,
) -> TextModel:
    """Multinomial logistic regression by AdaGrad SGD, pure Python and deterministic.

    Features seen in fewer than `min_df` documents are dropped (they are mostly typos and names, and
    the file stays small). L2 shrinks the weights of the features an example touches.
    """
    import random

    sets = [sorted(set(d)) for d in docs]
    df: dict[str, int] = {}
    for s in sets:
        for f in s:
            df[f] = df.get(f, 0) + 1
    vocab = sorted(f for f, n in df.items() if n >= min_df)
    index = {f: i for i, f in enumerate(vocab)}
    xs = [[index[f] for f in s if f in index] for s in sets]
    k = len(classes)
    ys = [classes.index(y) for y in labels]
    w = [[0.0] * k for _ in vocab]
    g2 = [[1e-8] * k for _ in vocab]
    b = [0.0] * k
    bg2 = [1e-8] * k
    order = list(range(len(xs)))
    rnd = random.Random(seed)
    for _ in range(epochs):
        rnd.shuffle(order)
        for n in order:
            x, y = xs[n], ys[n]
            z = b[:]
            for j in x:
                wf = w[j]
                for i in range(k):
                    z[i] += wf[i]
            top = max(z)
            e = [math.exp(v - top) for v in z]
            tot = sum(e)
            grad = [e[i] / tot - (1.0 if i == y else 0.0) for i in range(k)]
            for i in range(k):
                bg2[i] += grad[i] * grad[i]
                b[i] -= lr * grad[i] / math.sqrt(bg2[i])
            for j in x:
                wf, gf = w[j], g2[j]
                for i in range(k):
                    g = grad[i] + l2 * wf[i]
                    gf[i] += g * g
                    wf[i] -= lr * g / math.sqrt(gf[i])
    weights = {f: w[j] for f, j in index.items() if max(abs(v) for v in w[j]) >= 1e-3}
    return TextModel(classes, b, weights, cfg, scale)
