"""Accuracy metrics for the triage classifier over labelled JSONL files.

Run as ``python -m app.dispatch.triage.evaluation FILE [FILE...]``. Each line of a file is a JSON
object with ``text``, ``category``, ``secondary`` and ``also_ok`` (and optionally ``id``, ``lang``).
A prediction counts as correct when it equals ``category`` or is listed in ``also_ok``.
"""

from __future__ import annotations

import json
import sys
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .classifier import Triage, classify
from .lexicon import SERVICES

NONE_LABEL = "none"  # how a null prediction shows in the confusion matrix


@dataclass(frozen=True)
class Example:
    """One labelled call."""

    id: str
    lang: str
    text: str
    category: str
    secondary: frozenset[str]
    also_ok: frozenset[str]


@dataclass
class Report:
    """Metrics over one set of examples."""

    total: int = 0
    correct: int = 0
    secondary_exact: int = 0
    per_lang: dict[str, list[int]] = field(default_factory=lambda: defaultdict(lambda: [0, 0]))
    confusion: Counter[tuple[str, str]] = field(default_factory=Counter)
    errors: list[tuple[Example, Triage]] = field(default_factory=list)

    @property
    def accuracy(self) -> float:
        """Share of examples whose prediction is the category or an accepted alternative."""
        return self.correct / self.total if self.total else 0.0

    @property
    def secondary_accuracy(self) -> float:
        """Share of examples whose predicted secondary set equals the labelled one exactly."""
        return self.secondary_exact / self.total if self.total else 0.0

    # (gold category, predicted, counted correct) per example, for per-class metrics
    outcomes: list[tuple[str, str, bool]] = field(default_factory=list)

    def recall(self, cls: str) -> float:
        """Share of calls labelled ``cls`` that were predicted acceptably (also_ok counts)."""
        row = [ok for gold, _, ok in self.outcomes if gold == cls]
        return sum(row) / len(row) if row else 0.0

    def precision(self, cls: str) -> float:
        """Share of calls predicted ``cls`` for which that prediction was acceptable."""
        col = [ok for _, pred, ok in self.outcomes if pred == cls]
        return sum(col) / len(col) if col else 0.0


def load(path: str | Path) -> list[Example]:
    """Read a labelled JSONL file."""
    out: list[Example] = []
    with Path(path).open(encoding="utf-8") as fh:
        for n, line in enumerate(fh, 1):
            if not line.strip():
                continue
            row: dict[str, Any] = json.loads(line)
            out.append(
                Example(
                    id=str(row.get("id", n)),
                    lang=str(row.get("lang", "?")),
                    text=str(row["text"]),
                    category=str(row["category"]),
                    secondary=frozenset(row.get("secondary") or ()),
                    also_ok=frozenset(row.get("also_ok") or ()),
                )
            )
    return out


def evaluate(examples: Sequence[Example], fn: Callable[[str], Triage] = classify) -> Report:
    """Run the classifier over examples and collect the metrics."""
    rep = Report()
    for ex in examples:
        t = fn(ex.text)
        pred = t.category or NONE_LABEL
        ok = pred == ex.category or pred in ex.also_ok
        rep.total += 1
        rep.correct += ok
        rep.secondary_exact += frozenset(t.secondary) == ex.secondary
        lang = rep.per_lang[ex.lang]
        lang[0] += ok
        lang[1] += 1
        rep.confusion[(ex.category, pred)] += 1
        rep.outcomes.append((ex.category, pred, ok))
        if not ok:
            rep.errors.append((ex, t))
    return rep


def format_report(name: str, rep: Report, show_errors: bool = True) -> str:
    """Human-readable report for one file."""
    lines = [
        f"== {name}: {rep.total} calls",
        f"accuracy            {rep.accuracy:.3f} ({rep.correct}/{rep.total})",
    ]
    lines.append(f"secondary exact     {rep.secondary_accuracy:.3f}")
    lines.append("class      precision  recall  n")
    for cls in SERVICES:
        n = sum(v for (g, _), v in rep.confusion.items() if g == cls)
        lines.append(f"{cls:<10} {rep.precision(cls):9.3f} {rep.recall(cls):7.3f} {n:3d}")
    lines.append("language   accuracy  n")
    for lang, (ok, n) in sorted(rep.per_lang.items()):
        lines.append(f"{lang:<10} {ok / n:8.3f} {n:3d}")
    cols = [*SERVICES, NONE_LABEL]
    lines.append("confusion (rows gold, columns predicted)")
    lines.append(" " * 10 + "".join(f"{c[:7]:>8}" for c in cols))
    for gold in SERVICES:
        lines.append(f"{gold:<10}" + "".join(f"{rep.confusion[(gold, c)]:8d}" for c in cols))
    if show_errors and rep.errors:
        lines.append("errors (accepted labels -> predicted):")
        for ex, t in rep.errors:
            gold = "/".join([ex.category, *sorted(ex.also_ok)])
            lines.append(f"  {ex.id} [{ex.lang}] {gold} -> {t.category}: {ex.text[:90]}")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    """Print the metrics for each JSONL file given on the command line."""
    args = list(sys.argv[1:] if argv is None else argv)
    if not args:
        print("usage: python -m app.dispatch.triage.evaluation FILE [FILE...]", file=sys.stderr)
        return 2
    for path in args:
        print(format_report(path, evaluate(load(path))))
        print()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
