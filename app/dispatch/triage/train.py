"""Train the learned half of the triage classifier and write `model.json`.

Run: ``python -m app.dispatch.triage.train`` (from the repository root). Pure Python, deterministic
(fixed shuffling seed), about ten seconds. It reads the labelled files in ``tests/data`` (or the
files given with ``--data``), reduces each call to the engine's canonical skeleton tokens (the same
ones the rules match, so Devanagari and roman spellings share features), trains a multinomial
logistic regression on the labelled ``category`` and writes the weights. ``--check`` prints the
accuracy of the rules alone and of rules + model on each file instead of writing anything.

The hyper-parameters below were chosen by held-out splits, see METHOD.md ("Learned back-up model").
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path

from .classifier import _LEXICON, canonical_tokens, classify_with
from .evaluation import evaluate, load
from .lexicon import SERVICES
from .model import MODEL_PATH, FeatureConfig, TextModel, features, train_logreg

DATA_DIR = Path(__file__).resolve().parents[3] / "tests" / "data"
DATA_FILES = (
    "triage_dev.jsonl",
    "triage_own.jsonl",
    "triage_dev2.jsonl",
    "triage_train_a.jsonl",
    "triage_train_b.jsonl",
    "triage_train_c.jsonl",
    "triage_train_d.jsonl",
    "triage_train_e.jsonl",
)

FEATURES = FeatureConfig(bigrams=True, char_min=0, char_max=0)  # char n-grams: no gain, 10x slower
L2 = 0.01
EPOCHS = 30
MIN_DF = 2
SCALE = 1.5  # rule points per nat of model log-probability


def train(paths: Sequence[Path]) -> TextModel:
    """Train the model on the labelled files."""
    docs: list[set[str]] = []
    labels: list[str] = []
    for path in paths:
        for ex in load(path):
            docs.append(features(canonical_tokens(_LEXICON, ex.text)[1], FEATURES))
            labels.append(ex.category)
    return train_logreg(docs, labels, SERVICES, FEATURES, l2=L2, epochs=EPOCHS, min_df=MIN_DF, scale=SCALE)


def main(argv: Sequence[str] | None = None) -> int:
    """Train and write model.json (or, with --check, report accuracy without writing)."""
    ap = argparse.ArgumentParser(prog="python -m app.dispatch.triage.train")
    ap.add_argument("--data", nargs="*", type=Path, help="labelled JSONL files (default: tests/data)")
    ap.add_argument("--out", type=Path, default=MODEL_PATH)
    ap.add_argument("--check", action="store_true", help="report accuracy, write nothing")
    args = ap.parse_args(sys.argv[1:] if argv is None else argv)
    paths = args.data or [DATA_DIR / name for name in DATA_FILES]
    model = train(paths)
    if args.check:
        for path in paths:
            exs = load(path)
            rules = evaluate(exs, lambda t: classify_with(_LEXICON, t)).accuracy
            both = evaluate(exs, lambda t: classify_with(_LEXICON, t, model)).accuracy
            print(f"{path.name}: rules {rules:.3f}, rules + model {both:.3f} (trained on it)")
        return 0
    args.out.write_text(json.dumps(model.to_dict(), ensure_ascii=False, separators=(",", ":")) + "\n")
    print(f"wrote {args.out}: {len(model.weights)} features, trained on {len(paths)} files")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
