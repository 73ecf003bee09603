"""Confidence and the review flag: how likely the answer is right, learnt from held-out answers.

A call's confidence is a logistic function of a few facts the classifier knows about its own answer
(`FEATURES`): how far the winning service is ahead of the runner-up after the learned model's
evidence, and before it (the rules alone); how probable the learned model finds the answer and
whether its favourite agrees; whether the rules' favourite agrees; how many lexicon signals matched;
whether the victim (a woman or a child) was a close call or rested on weak evidence only.

The weights are fitted (`fit`) on answers the learned model had not been trained on (each labelled
file classified by a model trained on the others, see train.py), so confidence estimates the chance
of being right on new calls; `needs_review` is set below a threshold chosen for a flag rate (the
threshold and the weights are stored in model.json). Without trained weights a hand-set default
weighs the margins alone.
"""

from __future__ import annotations

import math
import operator
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

FEATURES = (
    "margin",  # (top - second) / 8 after the model, capped at 1
    "rules_margin",  # the same for the rules alone
    "model_p",  # the learned model's probability of the answer
    "model_agrees",  # 1 when the model's favourite is the answer
    "rules_agree",  # 1 when the rules' favourite is the answer
    "signals",  # matched signal phrases / 6, capped at 1
    "victim_close",  # 1 when a woman and a child were both plausible victims
    "weak_victim",  # 1 when the victim desk rests on no victim noun (feminine verb, default for harassment)
)
MARGIN_SCALE = 8.0
MAX_SIGNALS = 6


def _sigmoid(z: float) -> float:
    if z >= 0:
        return 1.0 / (1.0 + math.exp(-z))
    e = math.exp(z)
    return e / (1.0 + e)


@dataclass(frozen=True)
class ReviewModel:
    """Logistic weights over FEATURES and the confidence below which a call is flagged."""

    bias: float
    weights: Mapping[str, float]
    threshold: float
    vector: tuple[float, ...] = field(init=False, repr=False, compare=False)  # weights in FEATURES order

    def __post_init__(self) -> None:
        object.__setattr__(self, "vector", tuple(self.weights.get(k, 0.0) for k in FEATURES))

    def confidence(self, feats: Mapping[str, float]) -> float:
        """Estimated probability that the category is right."""
        return self.confidence_of([feats.get(k, 0.0) for k in FEATURES])

    def confidence_of(self, values: Sequence[float]) -> float:
        """The same from the feature values in FEATURES order (no dict on the hot path)."""
        if len(values) != len(self.vector):
            raise ValueError("one value per review feature")
        return _sigmoid(self.bias + sum(map(operator.mul, self.vector, values)))

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (stored under "review" in model.json)."""
        return {
            "bias": round(self.bias, 4),
            "weights": {k: round(v, 4) for k, v in self.weights.items()},
            "threshold": round(self.threshold, 4),
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> ReviewModel:
        """Read the stored form; unknown feature names are refused."""
        weights = {str(k): float(v) for k, v in dict(d["weights"]).items()}
        if bad := set(weights) - set(FEATURES):
            raise ValueError(f"unknown review features {sorted(bad)}")
        return cls(float(d["bias"]), weights, float(d["threshold"]))


# Without fitted weights: the margins decide (a 2-point lead is ~0.8).
DEFAULT = ReviewModel(
    bias=-1.0, weights={"margin": 6.0, "rules_margin": 2.0, "weak_victim": -1.0}, threshold=0.5
)


def feature_values(
    margin: float,
    rules_margin: float,
    model_p: float,
    model_agrees: bool,
    rules_agree: bool,
    signals: int,
    victim_close: bool,
    weak_victim: bool,
) -> list[float]:
    """The feature values of one answer, in FEATURES order."""
    return [
        min(max(margin, 0.0) / MARGIN_SCALE, 1.0),
        min(max(rules_margin, 0.0) / MARGIN_SCALE, 1.0),
        model_p,
        1.0 if model_agrees else 0.0,
        1.0 if rules_agree else 0.0,
        min(signals, MAX_SIGNALS) / MAX_SIGNALS,
        1.0 if victim_close else 0.0,
        1.0 if weak_victim else 0.0,
    ]


def as_dict(values: Sequence[float]) -> dict[str, float]:
    """Feature values by name."""
    return dict(zip(FEATURES, values, strict=True))


def fit(
    rows: Sequence[Mapping[str, float]],
    correct: Sequence[bool],
    *,
    flag_rate: float,
    l2: float = 0.001,
    epochs: int = 2000,
    lr: float = 1.0,
) -> ReviewModel:
    """Fit logistic weights by full-batch gradient descent and set the threshold for `flag_rate`.

    Deterministic and pure Python (a few thousand rows of eight features). The threshold is the
    confidence of the answer at the `flag_rate` quantile: that share of these answers is flagged.
    """
    n = len(rows)
    if n == 0 or len(correct) != n:
        raise ValueError("fit needs as many labels as rows, and at least one")
    w = dict.fromkeys(FEATURES, 0.0)
    b = 0.0
    ys = [1.0 if c else 0.0 for c in correct]
    for _ in range(epochs):
        gw = dict.fromkeys(FEATURES, 0.0)
        gb = 0.0
        for x, y in zip(rows, ys, strict=True):
            z = b + sum(w[k] * x.get(k, 0.0) for k in FEATURES)
            p = 1.0 / (1.0 + math.exp(-z)) if z >= 0 else math.exp(z) / (1.0 + math.exp(z))
            g = p - y
            gb += g
            for k in FEATURES:
                gw[k] += g * x.get(k, 0.0)
        b -= lr * gb / n
        for k in FEATURES:
            w[k] -= lr * (gw[k] / n + l2 * w[k])
    model = ReviewModel(b, w, 0.0)
    confs = sorted(model.confidence(x) for x in rows)
    cut = confs[min(int(flag_rate * n), n - 1)]
    return ReviewModel(b, w, cut)
