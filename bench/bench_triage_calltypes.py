"""Triage on real dispatch call types nobody on this project wrote (US CAD codes, MIT; see
tests/data/external/README.md): a vocabulary check, never training data.

Run: .venv/bin/python bench/bench_triage_calltypes.py [--errors N]   (or `make triage-calltypes`)
Prints accuracy over all rows and over the non-police rows separately (a classifier that says
"police" when unsure scores well on this file by default), per-class recall, how many answers are
flagged needs_review (and how many of the wrong ones), the same weighted by how often each call
type occurred, and the wrong non-police rows.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from app.dispatch.triage import SERVICES, Triage, classify  # noqa: E402

DATA = ROOT / "tests" / "data" / "external" / "us_cad_calltypes.jsonl"


def _line(name: str, rows: list[tuple[dict[str, object], Triage, bool]]) -> str:
    n = len(rows)
    ok = sum(r[2] for r in rows)
    flagged = sum(r[1].needs_review for r in rows)
    wrong = [r for r in rows if not r[2]]
    wrong_flagged = sum(r[1].needs_review for r in wrong)
    freq = sum(int(str(r[0]["freq"])) for r in rows)
    freq_ok = sum(int(str(r[0]["freq"])) for r in rows if r[2])
    return (
        f"{name:<22} {n:5d} rows  accuracy {ok / n:.3f}  (weighted by calls {freq_ok / max(freq, 1):.3f})  "
        f"flagged {flagged} ({flagged / n:.1%}); wrong {len(wrong)}, of them flagged {wrong_flagged}"
    )


def main(argv: list[str] | None = None) -> int:
    """Classify every call type and print the report."""
    ap = argparse.ArgumentParser()
    ap.add_argument("--errors", type=int, default=40, help="wrong non-police rows to list (most frequent)")
    args = ap.parse_args(argv)
    rows: list[tuple[dict[str, object], Triage, bool]] = []
    with DATA.open(encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                row = json.loads(line)
                t = classify(str(row["text"]))
                ok = t.category == row["category"] or t.category in (row.get("also_ok") or [])
                rows.append((row, t, ok))
    print(f"US CAD call types ({DATA.relative_to(ROOT)}): {len(rows)} rows")
    print(_line("all rows", rows))
    print(_line("non-police rows", [r for r in rows if r[0]["category"] != "police"]))
    print(_line("police rows", [r for r in rows if r[0]["category"] == "police"]))
    print("class      recall   n   predicted as")
    for cls in SERVICES:
        mine = [r for r in rows if r[0]["category"] == cls]
        got = Counter(r[1].category for r in mine)
        spread = ", ".join(f"{k} {v}" for k, v in got.most_common())
        print(f"{cls:<10} {sum(r[2] for r in mine) / max(len(mine), 1):.3f} {len(mine):4d}   {spread}")
    police_wrong = [r for r in rows if r[0]["category"] == "police" and not r[2]]
    unflagged = [r for r in police_wrong if not r[1].needs_review]
    print(f"police rows sent elsewhere: {len(police_wrong)}, unflagged {len(unflagged)}")
    wrong = sorted(
        (r for r in rows if r[0]["category"] != "police" and not r[2]),
        key=lambda r: -int(str(r[0]["freq"])),
    )
    if args.errors and wrong:
        print(f"wrong non-police rows (most frequent {min(args.errors, len(wrong))} of {len(wrong)}):")
        for row, t, _ in wrong[: args.errors]:
            flag = " [review]" if t.needs_review else ""
            print(f"  {row['category']:<8} -> {t.category}{flag}: {row['text']}  (freq {row['freq']})")
    if args.errors and unflagged:
        top = sorted(unflagged, key=lambda r: -int(str(r[0]["freq"])))[: args.errors]
        print(f"police rows sent elsewhere without a flag (most frequent {len(top)}):")
        for row, t, _ in top:
            print(f"  police   -> {t.category}: {row['text']}  (freq {row['freq']})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
