"""Which options make a learned reward teach a fresh agent: an ablation, per ../shared/BENCHMARKS.md.

    python scripts/reward_ablation.py --envs Hopper-v5 HalfCheetah-v5 --learner airl --seeds 0 1 \\
        --steps 500000 --out runs/reward-ablation
    python scripts/reward_ablation.py --out runs/reward-ablation --report-only

Variants: the learner's ``defaults``, the whole ``bundle`` of options that aim to keep a
reward teaching (IRL++, Sapora, Swamy et al. 2024; f-IRL, Ni et al. 2020), and the bundle
minus each component (``bundle-no-ensemble``, ...), and ``EXTRA_VARIANTS`` beside the
defaults (``raw-penalty``, ``tau1``, ``tau1-penalty``). Each (variant, task) is one
``scripts/benchmark.py --reoptimize --skip-ppo`` call into OUT/VARIANT/TASK: the imitator
(``irl train``), then fresh PPO trained from scratch on its exported reward alone (``irl
export`` + ``irl retrain``), both scored on the true reward. Cells already finished are
skipped and a stopped run resumes, as in the benchmark. The report, OUT/ablation.csv, .md
and .png, puts each variant's fresh agents beside their imitators, seed by seed.

Every variant of a task trains on that task's recipe (``irl/recipes/``: e.g. HalfCheetah's
behaviour-cloning warm start, Hopper's ending worth the floor in the export), so the variants
differ only by the components.
"""

from __future__ import annotations

import argparse
import shlex
import subprocess
import sys
from pathlib import Path

from reopt_report import gather, plot, table, write_pairs

BUNDLE: dict[str, tuple[str, str]] = {
    # component: (irl train arguments, irl export arguments)
    "ensemble": ("--ensemble 5", "--ensemble pessimistic"),
    "replay": ("--replay-rounds 20", ""),  # AIRL, appendix D.3: samples of the previous 20 iterations
    "lr-decay": ("--disc-lr-decay", ""),
    "resets": ("--policy-reset-steps {reset_steps}", ""),  # a fifth of the run: 100k at 500k steps
    "bound": ("--reward-bound 10", ""),
    "weight-decay": ("--disc-weight-decay 1e-3", ""),
}
EXTRA_VARIANTS: dict[str, tuple[str, str]] = {
    # beside the defaults: the gradient penalty's slope per raw unit instead of per demo std
    "raw-penalty": ("--grad-penalty-units raw", ""),
    # the papers' temperature (AIRL's default is 0.05), without a penalty (its default there) and with one
    "tau1": ("--entropy-weight 1", ""),
    "tau1-penalty": ("--entropy-weight 1 --grad-penalty 10", ""),
}


def variants(components: dict[str, tuple[str, str]] = BUNDLE) -> dict[str, tuple[str, str]]:
    """{name: (train args, export args)}: defaults, the bundle, and the bundle minus each component."""
    def joined(parts: list[tuple[str, str]]) -> tuple[str, str]:
        return " ".join(p[0] for p in parts if p[0]), " ".join(p[1] for p in parts if p[1])

    out = {"defaults": ("", ""), "bundle": joined(list(components.values()))}
    for left_out in components:
        out[f"bundle-no-{left_out}"] = joined([v for k, v in components.items() if k != left_out])
    return out


def benchmark_command(variant: tuple[str, str], env_id: str, learner: str, seeds: list[int], steps: int,
                      out: Path, jobs: int) -> list[str]:
    """The scripts/benchmark.py call of one (variant, task)."""
    train, export = variant
    train = train.format(reset_steps=max(1, steps // 5))
    return [sys.executable, str(Path(__file__).with_name("benchmark.py")), "--envs", env_id, "--learners", learner,
            "--seeds", *map(str, seeds), "--steps", str(steps), "--jobs", str(jobs), "--skip-ppo", "--reoptimize",
            "--out", str(out), "--train-args", train, "--export-args", export]


def report(out: Path) -> str:
    """Gather every OUT/VARIANT/TASK/reoptimization.csv into OUT/ablation.csv, .md and .png
    (the recipe column names the variant); returns the table."""
    pairs = []
    for csv_path in sorted(out.glob("*/*/reoptimization.csv")):
        pairs += gather([(csv_path.parent.parent.name, csv_path.parent)], root=out)
    if not pairs:
        raise SystemExit(f"reward_ablation: no finished pairs under {out} yet")
    write_pairs(out / "ablation.csv", pairs)
    text = table(pairs)
    (out / "ablation.md").write_text(text)
    plot(pairs, out / "ablation.png")
    return text


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--envs", nargs="+", default=["Hopper-v5", "HalfCheetah-v5"])
    parser.add_argument("--learner", choices=["gail", "airl", "gcl"], default="airl")
    parser.add_argument("--seeds", nargs="+", type=int, default=[0, 1])
    parser.add_argument("--steps", type=int, default=500_000, help="of the imitator, and of the fresh agent")
    parser.add_argument("--variants", nargs="+", default=None, help="a subset of the variants (default: all)")
    parser.add_argument("--jobs", type=int, default=1, help="runs in parallel (one core each)")
    parser.add_argument("--out", type=Path, default=Path("runs/reward-ablation"))
    parser.add_argument("--report-only", action="store_true", help="only gather what has finished")
    parser.add_argument("--dry-run", action="store_true", help="print the benchmark commands, run nothing")
    args = parser.parse_args()
    known = {**variants(), **EXTRA_VARIANTS}
    unknown = sorted(set(args.variants or []) - set(known))
    if unknown:
        raise SystemExit(f"reward_ablation: unknown variants {', '.join(unknown)}; known: {', '.join(known)}")
    if not args.report_only:
        for name in args.variants or known:
            for env_id in args.envs:
                cmd = benchmark_command(known[name], env_id, args.learner, args.seeds, args.steps,
                                        args.out / name / env_id, args.jobs)
                print(shlex.join(cmd), flush=True)
                if not args.dry_run and subprocess.run(cmd).returncode != 0:
                    raise SystemExit(f"reward_ablation: the benchmark of {name} on {env_id} failed")
    if not args.dry_run:
        print(report(args.out), end="")


if __name__ == "__main__":
    main()
