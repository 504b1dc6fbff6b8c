"""Imitation benchmark per ../shared/BENCHMARKS.md: GAIL, AIRL and GCL against plain PPO (or SAC), on `irl sweep`.

    python scripts/benchmark.py                                  # full: 2 tasks x 3 seeds x 1M steps
    python scripts/benchmark.py --envs HalfCheetah-v5 --seeds 0 --jobs 2
    python scripts/benchmark.py --envs Pendulum-v1 --steps 120000 --reoptimize   # + PPO on each exported reward
    python scripts/benchmark.py --algo sac --steps 200000 --out runs/benchmark-sac --train-args "--q-floor 0.05"

A front of ``irl sweep`` (docs/how-to/sweep.md): it builds the sweep's spec from its flags
(learners x tasks x seeds, the plain agent unless --skip-ppo, --reoptimize) and runs it on
Ray, ``--jobs`` trials at a time, one core and one torch thread each. ``--train-args`` are
``irl train`` arguments given to every learner run (read into its settings) and
``--export-args`` ``irl export`` arguments for every reward of --reoptimize; keep one --out
per setting. Finished runs are skipped and a stopped learner run continues from its
checkpoint, so the same command after a stop resumes the benchmark. Writes to --out the
report of a sweep folder (:mod:`irl.sweep.report`): results.csv, results.md (with overhead
against the plain agent and peak memory), curves-ENV.png and, with --reoptimize,
reoptimization.csv/.md/.png.
"""

from __future__ import annotations

import argparse
import shlex
import sys
from pathlib import Path
from typing import Any

from irl.cli import COUNT, EPISODES, SEED, STEPS, _parser
from irl.errors import IrlError
from irl.sweep.command import sweep
from irl.sweep.spec import EXPORT_OPTIONS, SHIPPED_DEMOS, parse_spec

LEARNERS = ("gail", "airl", "gcl")
SAME_NAME = ("state_only", "absorbing", "energy_obs_norm", "disc_lr", "disc_epochs", "grad_penalty",
             "grad_penalty_units", "replay_rounds", "log_z", "gcl_form", "segment_length", "lcr", "mono", "q_floor",
             "entropy_weight", "reward_bound", "disc_weight_decay", "disc_lr_decay", "policy_reset_steps",
             "frozen_reward_steps", "reward_snapshot_steps", "algo",
             "bc_epochs", "bc_warmup_steps", "eval_episodes")
RENAMED = {"reward": "policy_reward", "ensemble": "ensemble_size"}
"""irl train's options whose TrainConfig field has another name."""


def train_settings(text: str) -> tuple[dict[str, Any], int | None]:
    """--train-args as TrainConfig settings (only the options given) and --checkpoint-every (None if not given)."""
    fixed = ["train", "gail", "--env", "Pendulum-v1", "--demos", "-", "--out", "-"]
    given, default = vars(_parser().parse_args([*fixed, *shlex.split(text)])), vars(_parser().parse_args(fixed))
    changed = {k: v for k, v in given.items() if v != default[k]}
    own = sorted(set(changed) - {*SAME_NAME, *RENAMED, "hyper", "checkpoint_every"})
    if own:
        raise IrlError(f"--train-args: {', '.join(own)} is set by the benchmark's own flags, not --train-args")
    settings = {RENAMED.get(k, k): v for k, v in changed.items() if k not in ("hyper", "checkpoint_every")}
    if "hyper" in changed:
        settings[given["algo"]] = dict(changed["hyper"])
    return settings, changed.get("checkpoint_every")


def export_settings(text: str) -> dict[str, str]:
    """--export-args as the spec's [export] table: the options given (the others are each run's
    recipe's choice, else the default)."""
    given = vars(_parser().parse_args(["export", "-", "--out", "-", *shlex.split(text)]))
    return {k: given[k] for k in EXPORT_OPTIONS if given[k] is not None}


def spec_of(args: argparse.Namespace) -> dict[str, Any]:
    """The sweep spec (as TOML's tables) the flags stand for."""
    settings, every = train_settings(args.train_args)
    settings = {"eval_episodes": args.eval_episodes, **({"algo": args.algo} if args.algo != "ppo" else {}), **settings}
    spec = {"learners": args.learners, "tasks": args.envs, "seeds": args.seeds, "steps": args.steps,
            "ppo_baseline": not args.skip_ppo, "reoptimize": args.reoptimize, "settings": settings,
            "export": export_settings(args.export_args)}
    return {**spec, "checkpoint_every": every} if every is not None else spec


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--envs", nargs="+", default=["HalfCheetah-v5", "Hopper-v5"],
                        help=f"tasks with shipped demos: {', '.join(SHIPPED_DEMOS)}")
    parser.add_argument("--learners", nargs="+", default=list(LEARNERS), choices=LEARNERS)
    parser.add_argument("--seeds", nargs="+", type=SEED, default=[0, 1, 2])
    parser.add_argument("--steps", type=STEPS, default=1_000_000)
    parser.add_argument("--jobs", type=COUNT, default=2, help="runs in parallel (one core each)")
    parser.add_argument("--out", type=Path, default=Path("runs/benchmark"))
    parser.add_argument("--report-only", action="store_true")
    parser.add_argument("--eval-episodes", type=EPISODES, default=20,
                        help="final evaluation episodes per run (BENCHMARKS.md asks for at least 20)")
    parser.add_argument("--reoptimize", action="store_true",
                        help="then export each learner's reward and train fresh PPO on it (same budget)")
    parser.add_argument("--skip-ppo", action="store_true",
                        help="no plain-agent cells (no ceiling or overhead for seeds not yet run)")
    parser.add_argument("--algo", choices=["ppo", "sac"], default="ppo",
                        help="generator of every learner, and the plain baseline")
    parser.add_argument("--train-args", default="", help="extra irl train arguments, one string")
    parser.add_argument("--export-args", default="",
                        help="extra irl export arguments for --reoptimize, one string (e.g. \"--end-value floor\")")
    parser.add_argument("--address", default=None, help="a running Ray cluster (default: Ray started here)")
    args = parser.parse_args()
    try:
        spec = parse_spec(spec_of(args), base=Path.cwd())
        failed = sweep(spec, args.out, address=args.address, jobs=args.jobs, report_only=args.report_only)
    except IrlError as exc:
        parser.error(str(exc))
    for key in failed:
        print(f"FAILED {key}: see {args.out / key}.log", flush=True)
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
