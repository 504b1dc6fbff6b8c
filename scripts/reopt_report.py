"""Re-optimisation beside imitation, gathered across sweeps: one table and one plot.

    python scripts/reopt_report.py docs/benchmarks/reoptimization.csv --out docs/benchmarks/reoptimization
    python scripts/reopt_report.py --gather "defaults=runs/a" "end floor=runs/b" --out runs/reopt

A pair is one (task, learner, recipe, seed): the imitator's normalised return beside that of
a fresh PPO agent trained on its exported reward alone (:mod:`irl.sweep.pairs`). A sweep with
``reoptimize = true`` (``irl sweep``, ``scripts/benchmark.py --reoptimize``) writes its own
pairs; this script renders pairs gathered from several (a CSV with the columns of ``COLUMNS``,
or sweep folders' reoptimization.csv, each labelled) as one table (OUT.md) and one plot (OUT.png).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from irl.sweep.pairs import (
    COLUMNS,
    Pair,
    gather,
    pairs_from_rows,
    plot,
    read_pairs,
    table,
    write_pairs,
)

__all__ = ["COLUMNS", "Pair", "gather", "pairs_from_rows", "plot", "read_pairs", "table", "write_pairs"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("pairs", type=Path, nargs="?", help="CSV with columns " + ", ".join(COLUMNS))
    parser.add_argument("--gather", nargs="+", metavar="LABEL=FOLDER", default=None,
                        help="instead of a CSV: sweep folders, each labelled (the recipe column); "
                             "their pairs are also written to OUT.csv")
    parser.add_argument("--out", type=Path, required=True, help="writes OUT.md and OUT.png")
    args = parser.parse_args()
    if (args.pairs is None) == (args.gather is None):
        sys.exit("reopt_report: give a pairs CSV or --gather LABEL=FOLDER ..., not both")
    try:
        if args.gather is not None:
            if not all("=" in item for item in args.gather):
                sys.exit("reopt_report: --gather takes LABEL=FOLDER items")
            pairs = gather([(label, Path(folder)) for label, folder in (i.rsplit("=", 1) for i in args.gather)])
            write_pairs(Path(f"{args.out}.csv"), pairs)
        else:
            pairs = read_pairs(args.pairs)
    except (OSError, ValueError) as e:
        sys.exit(f"reopt_report: {e}")
    if not pairs:
        sys.exit(f"reopt_report: {args.pairs or args.gather} holds no pairs")
    Path(f"{args.out}.md").write_text(table(pairs))
    plot(pairs, Path(f"{args.out}.png"))
    print(table(pairs), end="")


if __name__ == "__main__":
    main()
