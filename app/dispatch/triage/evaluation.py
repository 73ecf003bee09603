"""Accuracy metrics for the triage classifier over labelled JSONL files.

Run as ``python -m app.dispatch.triage.evaluation FILE [FILE...]``. Each line of a file is a JSON
object with ``text``, ``category``, ``secondary`` and ``also_ok`` (and optionally ``id``, ``lang``,
``priority``). A prediction counts as correct when it equals ``category`` or is listed in ``also_ok``.

Besides the service, the report measures what decides who waits (priority: the 3x3 confusion,
recall of priority 1 per class, the under-triage rate), whether second agencies are called
(secondary recall) and whether ``needs_review`` and ``confidence`` mean something (flag precision and
recall against the wrong answers, and a calibration table of accuracy per confidence band).
"""

from __future__ import annotations

import itertools
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
PRIORITIES = (1, 2, 3)
# Confidence bands of the calibration table (lower bounds; the last band includes 1.0).
CONFIDENCE_BANDS = (0.0, 0.5, 0.8, 0.9, 0.95)


@dataclass(frozen=True)
class Example:
    """One labelled call."""

    id: str
    lang: str
    text: str
    category: str
    secondary: frozenset[str]
    also_ok: frozenset[str]
    priority: int | None = None


@dataclass(frozen=True)
class Outcome:
    """What the classifier said of one labelled call, and whether that was acceptable."""

    example: Example
    result: Triage
    ok: bool

    @property
    def predicted(self) -> str:
        """The predicted category, or NONE_LABEL."""
        return self.result.category or NONE_LABEL

    @property
    def under_triaged(self) -> bool:
        """A less urgent priority than labelled (a larger number)."""
        gold = self.example.priority
        return gold is not None and self.result.priority > gold


@dataclass
class Report:
    """Metrics over one set of examples."""

    outcomes: list[Outcome] = field(default_factory=list)

    # ------------------------------------------------------------------ service

    @property
    def total(self) -> int:
        """Number of calls."""
        return len(self.outcomes)

    @property
    def correct(self) -> int:
        """Calls whose category was acceptable."""
        return sum(o.ok for o in self.outcomes)

    @property
    def accuracy(self) -> float:
        """Share of examples whose prediction is the category or an accepted alternative."""
        return self.correct / self.total if self.total else 0.0

    @property
    def errors(self) -> list[tuple[Example, Triage]]:
        """The calls whose category was not acceptable."""
        return [(o.example, o.result) for o in self.outcomes if not o.ok]

    @property
    def confusion(self) -> Counter[tuple[str, str]]:
        """(gold category, predicted) counts."""
        return Counter((o.example.category, o.predicted) for o in self.outcomes)

    @property
    def per_lang(self) -> dict[str, list[int]]:
        """Language -> [correct, total]."""
        out: dict[str, list[int]] = defaultdict(lambda: [0, 0])
        for o in self.outcomes:
            row = out[o.example.lang]
            row[0] += o.ok
            row[1] += 1
        return out

    def recall(self, cls: str) -> float:
        """Share of calls labelled ``cls`` that were predicted acceptably (also_ok counts)."""
        row = [o.ok for o in self.outcomes if o.example.category == cls]
        return sum(row) / len(row) if row else 0.0

    def precision(self, cls: str) -> float:
        """Share of calls predicted ``cls`` for which that prediction was acceptable."""
        col = [o.ok for o in self.outcomes if o.predicted == cls]
        return sum(col) / len(col) if col else 0.0

    # ------------------------------------------------------------------ secondary services

    @property
    def secondary_accuracy(self) -> float:
        """Share of examples whose predicted secondary set equals the labelled one exactly."""
        same = sum(frozenset(o.result.secondary) == o.example.secondary for o in self.outcomes)
        return same / self.total if self.total else 0.0

    def _secondary_counts(self) -> tuple[int, int, int]:
        """(labelled secondary services found, labelled ones, predicted ones) over all calls.

        A labelled secondary that the classifier chose as the primary category counts as found (the
        agency is sent either way), and so does a predicted secondary that is the labelled primary.
        """
        found = labelled = predicted = 0
        for o in self.outcomes:
            sent = {o.predicted, *o.result.secondary}
            labelled += len(o.example.secondary)
            found += len(o.example.secondary & sent)
            predicted += len(o.result.secondary)
        return found, labelled, predicted

    @property
    def secondary_recall(self) -> float:
        """Share of labelled secondary services that the classifier also sends."""
        found, labelled, _ = self._secondary_counts()
        return found / labelled if labelled else 0.0

    @property
    def secondary_precision(self) -> float:
        """Share of predicted secondary services that are labelled (as secondary or the category)."""
        hits = total = 0
        for o in self.outcomes:
            wanted = {o.example.category, *o.example.secondary, *o.example.also_ok}
            total += len(o.result.secondary)
            hits += sum(s in wanted for s in o.result.secondary)
        return hits / total if total else 0.0

    # ------------------------------------------------------------------ priority

    @property
    def with_priority(self) -> list[Outcome]:
        """Outcomes of calls that carry a priority label."""
        return [o for o in self.outcomes if o.example.priority is not None]

    @property
    def priority_confusion(self) -> Counter[tuple[int, int]]:
        """(gold priority, predicted priority) counts."""
        return Counter((o.example.priority or 0, o.result.priority) for o in self.with_priority)

    @property
    def priority_accuracy(self) -> float:
        """Share of priority-labelled calls given exactly their priority."""
        rows = self.with_priority
        return sum(o.result.priority == o.example.priority for o in rows) / len(rows) if rows else 0.0

    @property
    def under_triage_rate(self) -> float:
        """Share of priority-labelled calls given a less urgent priority than labelled."""
        rows = self.with_priority
        return sum(o.under_triaged for o in rows) / len(rows) if rows else 0.0

    @property
    def over_triage_rate(self) -> float:
        """Share of priority-labelled calls given a more urgent priority than labelled."""
        rows = self.with_priority
        over = sum(o.result.priority < (o.example.priority or 0) for o in rows)
        return over / len(rows) if rows else 0.0

    def p1_recall(self, cls: str | None = None) -> tuple[float, int]:
        """(share of labelled priority-1 calls predicted priority 1, their number), optionally per class."""
        rows = [
            o
            for o in self.with_priority
            if o.example.priority == 1 and (cls is None or o.example.category == cls)
        ]
        return (sum(o.result.priority == 1 for o in rows) / len(rows) if rows else 0.0), len(rows)

    # ------------------------------------------------------------------ review flag and confidence

    def review(self, wrong: Callable[[Outcome], bool] | None = None) -> tuple[float, float, float]:
        """(precision, recall, flag rate) of needs_review against wrong answers.

        By default an answer is wrong when its category is; pass ``wrong`` to count other mistakes
        (an under-triaged priority).
        """
        is_wrong = wrong or (lambda o: not o.ok)
        flagged = [o for o in self.outcomes if o.result.needs_review]
        bad = [o for o in self.outcomes if is_wrong(o)]
        precision = sum(is_wrong(o) for o in flagged) / len(flagged) if flagged else 0.0
        recall = sum(o.result.needs_review for o in bad) / len(bad) if bad else 0.0
        return precision, recall, (len(flagged) / self.total if self.total else 0.0)

    def calibration(self) -> list[tuple[float, float, int, float]]:
        """Per confidence band: (low, high, calls, accuracy)."""
        out: list[tuple[float, float, int, float]] = []
        bounds = [*CONFIDENCE_BANDS, 1.0000001]
        for lo, hi in itertools.pairwise(bounds):
            rows = [o for o in self.outcomes if lo <= o.result.confidence < hi]
            acc = sum(o.ok for o in rows) / len(rows) if rows else 0.0
            out.append((lo, min(hi, 1.0), len(rows), acc))
        return out

    def ranking_auc(self) -> float:
        """Probability that a right answer has a higher confidence than a wrong one (ties half)."""
        right = [o.result.confidence for o in self.outcomes if o.ok]
        wrong = [o.result.confidence for o in self.outcomes if not o.ok]
        if not right or not wrong:
            return 1.0
        wins = sum((r > w) + 0.5 * (r == w) for r in right for w in wrong)
        return wins / (len(right) * len(wrong))


def load(path: str | Path) -> list[Example]:
    """Read a labelled JSONL file."""
    out: list[Example] = []
    with Path(path).open(encoding="utf-8") as fh:
        for n, line in enumerate(fh, 1):
            if not line.strip():
                continue
            row: dict[str, Any] = json.loads(line)
            priority = row.get("priority")
            out.append(
                Example(
                    id=str(row.get("id", n)),
                    lang=str(row.get("lang", "?")),
                    text=str(row["text"]),
                    category=str(row["category"]),
                    secondary=frozenset(row.get("secondary") or ()),
                    also_ok=frozenset(row.get("also_ok") or ()),
                    priority=int(str(priority)) if str(priority) in ("1", "2", "3") else None,
                )
            )
    return out


def evaluate(examples: Sequence[Example], fn: Callable[[str], Triage] = classify) -> Report:
    """Run the classifier over examples and collect the metrics."""
    rep = Report()
    for ex in examples:
        t = fn(ex.text)
        pred = t.category or NONE_LABEL
        rep.outcomes.append(Outcome(ex, t, pred == ex.category or pred in ex.also_ok))
    return rep


def _priority_lines(rep: Report) -> list[str]:
    rows = rep.with_priority
    if not rows:
        return ["priority            (no priority labels in this file)"]
    p1, n1 = rep.p1_recall()
    lines = [
        f"priority exact      {rep.priority_accuracy:.3f} ({len(rows)} labelled)",
        f"priority-1 recall   {p1:.3f} ({n1} labelled priority 1)",
        f"under-triage rate   {rep.under_triage_rate:.3f}   (over-triage {rep.over_triage_rate:.3f})",
        "priority-1 recall per class: "
        + ", ".join(f"{c} {r:.2f} ({n})" for c in SERVICES for r, n in [rep.p1_recall(c)] if n),
        "priority confusion (rows gold, columns predicted)",
        "          " + "".join(f"{p:>6}" for p in PRIORITIES),
    ]
    conf = rep.priority_confusion
    for gold in PRIORITIES:
        lines.append(f"{gold:<10}" + "".join(f"{conf[(gold, p)]:6d}" for p in PRIORITIES))
    return lines


def format_report(name: str, rep: Report, show_errors: bool = True) -> str:
    """Human-readable report for one file."""
    lines = [
        f"== {name}: {rep.total} calls",
        f"accuracy            {rep.accuracy:.3f} ({rep.correct}/{rep.total})",
    ]
    lines.append(f"secondary exact     {rep.secondary_accuracy:.3f}")
    lines.append(
        f"secondary recall    {rep.secondary_recall:.3f}   (precision {rep.secondary_precision:.3f})"
    )
    lines.append("class      precision  recall  n")
    confusion = rep.confusion
    for cls in SERVICES:
        n = sum(v for (g, _), v in confusion.items() if g == cls)
        lines.append(f"{cls:<10} {rep.precision(cls):9.3f} {rep.recall(cls):7.3f} {n:3d}")
    lines.append("language   accuracy  n")
    for lang, (ok, n) in sorted(rep.per_lang.items()):
        lines.append(f"{lang:<10} {ok / n:8.3f} {n:3d}")
    cols = [*SERVICES, NONE_LABEL]
    lines.append("confusion (rows gold, columns predicted)")
    lines.append(" " * 10 + "".join(f"{c[:7]:>8}" for c in cols))
    for gold in SERVICES:
        lines.append(f"{gold:<10}" + "".join(f"{confusion[(gold, c)]:8d}" for c in cols))
    lines.extend(_priority_lines(rep))
    prec, rec, rate = rep.review()
    wrong = rep.total - rep.correct
    flagged_wrong = sum(o.result.needs_review for o in rep.outcomes if not o.ok)
    lines.append(
        f"needs_review        precision {prec:.3f}, recall {rec:.3f} ({flagged_wrong} of {wrong} wrong "
        f"answers flagged), flag rate {rate:.3f}"
    )
    if rep.with_priority:
        uprec, urec, _ = rep.review(lambda o: not o.ok or o.under_triaged)
        lines.append(
            f"needs_review vs wrong service or under-triage: precision {uprec:.3f}, recall {urec:.3f}"
        )
    lines.append(f"confidence ranks right above wrong: AUC {rep.ranking_auc():.3f}")
    lines.append("calibration: confidence band, calls, accuracy")
    for lo, hi, n, acc in rep.calibration():
        band = f"  {lo:.2f}-{hi:.2f}  {n:4d}"
        lines.append(f"{band}  {acc:.3f}" if n else f"{band}      -")
    if show_errors and rep.errors:
        lines.append("errors (accepted labels -> predicted):")
        for ex, t in rep.errors:
            gold = "/".join([ex.category, *sorted(ex.also_ok)])
            flag = " [review]" if t.needs_review else ""
            lines.append(f"  {ex.id} [{ex.lang}] {gold} -> {t.category}{flag}: {ex.text[:90]}")
    under = [o for o in rep.outcomes if o.under_triaged]
    if show_errors and under:
        lines.append("under-triaged (labelled priority -> predicted):")
        for o in under:
            ex = o.example
            lines.append(f"  {ex.id} [{ex.lang}] {ex.priority} -> {o.result.priority}: {ex.text[:90]}")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    """Print the metrics for each JSONL file given on the command line."""
    args = list(sys.argv[1:] if argv is None else argv)
    quiet = "--summary" in args
    args = [a for a in args if a != "--summary"]
    if not args:
        print("usage: python -m app.dispatch.triage.evaluation [--summary] FILE [FILE...]", file=sys.stderr)
        return 2
    combined = Report()
    for path in args:
        rep = evaluate(load(path))
        combined.outcomes.extend(rep.outcomes)
        print(format_report(path, rep, show_errors=not quiet))
        print()
    if len(args) > 1:
        print(format_report(f"all {len(args)} files", combined, show_errors=False))
        print()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
