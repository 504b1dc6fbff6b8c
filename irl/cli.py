"""The ``irl`` command line: quickstart, collect, convert, train, export, retrain, judge, recipes, eval, sweep.

Errors the user can fix print as one line (``irl: error: ...``) and exit 2, no
traceback: bad arguments (every number is parsed by one of the bounded types below)
as well as every :class:`irl.errors.IrlError`. ``irl COMMAND --help`` shows each
option's help and default.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import warnings
from importlib import resources
from pathlib import Path
from typing import Callable

from irl.errors import IrlError

QUICKSTART = {"env": "Pendulum-v1", "demos": "pendulum-v1.npz", "learner": "airl", "steps": 120_000}


def shipped_demos(name: str) -> Path:
    """Path of a demo set shipped in ``demos/`` (installed as ``irl.demo_sets``)."""
    path = Path(str(resources.files("irl.demo_sets").joinpath(name)))
    if not path.is_file():
        raise IrlError(f"shipped demo set {name!r} not found at {path}; reinstall irl")
    return path


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    args.argv = list(sys.argv[1:] if argv is None else argv)
    if args.command is None:
        parser.print_help()
        return 2
    warnings.filterwarnings("ignore", module="gymnasium")
    warnings.showwarning = _one_line_warning
    try:
        return args.func(args)
    except IrlError as exc:
        print(f"irl: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("irl: interrupted", file=sys.stderr)
        return 130


def _one_line_warning(message, category, filename, lineno, file=None, line=None) -> None:  # noqa: ANN001
    """Warnings as one line each, without the source line Python shows by default."""
    ours = Path(filename).resolve().is_relative_to(Path(__file__).resolve().parent)
    where = "" if ours else f" ({category.__name__}, {Path(filename).name}:{lineno})"
    print(f"irl: warning: {message}{where}", file=sys.stderr)


# Every numeric argument of every subcommand is parsed by one of these (argparse's
# type=): a bad value is a one-line error before anything runs or is written.

def number(kind: type, low: int | float, high: int | float, *, open_low: bool = False,
           open_high: bool = False) -> Callable[[str], int | float]:
    """An argparse type: a finite ``kind`` (int or float) from ``low`` to ``high``, either
    end excluded where ``open_low`` / ``open_high``; the error names the range and the value."""
    shown = f"{'(' if open_low else '['}{_show(low)}, {_show(high)}{')' if open_high else ']'}"
    what = f"{'a whole number' if kind is int else 'a number'} in {shown}"

    def parse(text: str) -> int | float:
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected {what}, found {text!r}") from None
        if not (math.isfinite(value) and (low < value if open_low else low <= value)
                and (value < high if open_high else value <= high)):
            raise argparse.ArgumentTypeError(f"expected {what}, found {text!r}")
        return value

    parse.__name__ = f"{kind.__name__} in {shown}"  # argparse names the type in its own messages
    return parse


def _show(x: int | float) -> str:
    return f"{x:,}" if isinstance(x, int) else f"{x:g}"


STEPS = number(int, 1, 10**10)
STEPS_OR_ZERO = number(int, 0, 10**10)
EPISODES = number(int, 1, 100_000)
EPOCHS = number(int, 0, 100_000)
SEED = number(int, 0, 2**31 - 1)
COUNT = number(int, 1, 100_000)
INDEX = number(int, 0, 100_000)
RATE = number(float, 0, 1, open_low=True)
WEIGHT = number(float, 0, 1e6)
POSITIVE_WEIGHT = number(float, 0, 1e6, open_low=True)
FRACTION = number(float, 0, 1, open_high=True)
COORDINATE = number(float, -1e9, 1e9)


class _Parser(argparse.ArgumentParser):
    """argparse with one-line errors (``irl: error: ...``) and every default shown in --help."""

    def __init__(self, *args, **kwargs) -> None:  # noqa: ANN002, ANN003
        kwargs.setdefault("formatter_class", _HelpFormatter)
        super().__init__(*args, **kwargs)

    def error(self, message: str):  # noqa: ANN201 - never returns
        self.exit(2, f"irl: error: {message} (see {self.prog} --help)\n")


class _HelpFormatter(argparse.ArgumentDefaultsHelpFormatter):
    """Shows each option's default, unless its help already says what the default is
    (defaults that depend on the learner) or it is an on/off switch that starts off."""

    def _get_help_string(self, action: argparse.Action) -> str:
        text = action.help or ""
        if "default" in text or action.default is None or action.default is False:
            return text
        return super()._get_help_string(action)


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="irl", description="GAIL, AIRL and GCL as energy-based models, on SB3.")
    sub = parser.add_subparsers(dest="command")

    q = sub.add_parser("quickstart", help="train AIRL on the shipped Pendulum demos (a few minutes)",
                       description="AIRL on Pendulum-v1 from the demos shipped with irl.")
    q.add_argument("--out", type=Path, default=Path("runs/quickstart"), help="run folder to write")
    q.add_argument("--steps", type=STEPS, default=QUICKSTART["steps"], help="environment steps of the generator")
    q.add_argument("--seed", type=SEED, default=0, help="seed of the generator, its envs and the discriminator")
    q.add_argument("--overwrite", action="store_true", help="replace a run already in --out (only what irl wrote)")
    q.set_defaults(func=_quickstart)

    c = sub.add_parser("collect", help="record demonstrations of an SB3 policy",
                       description="Record episodes of an SB3 policy (stochastic actions) as irl's .npz, with a card "
                                   "holding its returns and a uniform-random policy's.")
    c.add_argument("--env", required=True, help="Gymnasium env id, e.g. HalfCheetah-v5")
    c.add_argument("--expert", required=True, type=Path, help="SB3 .zip (unpickled: use only trusted files)")
    c.add_argument("--episodes", type=EPISODES, default=10, help="episodes to record")
    c.add_argument("--out", required=True, type=Path, help=".npz file to write")
    c.add_argument("--seed", type=SEED, default=0, help="episode i is reset with seed + i")
    c.add_argument("--overwrite", action="store_true", help="replace a demo file irl wrote at --out")
    c.set_defaults(func=_collect)

    v = sub.add_parser("convert", help="check demos from another tool (imitation, Minari, D4RL-style npz) against "
                                       "an env and write them as irl's .npz with a card",
                       description="Check demos written by another tool against an env and write them as irl's .npz.")
    v.add_argument("source", type=Path, help="an imitation dataset folder or .npz, a Minari dataset, or an .npz")
    v.add_argument("--env", required=True, help="Gymnasium env id the demos were recorded on")
    v.add_argument("--out", required=True, type=Path, help=".npz file to write")
    v.add_argument("--seed", type=SEED, default=0, help="seed of the random-policy episodes measured for the card")
    v.add_argument("--time-limit", type=COUNT, help="episode limit the demos were recorded with, for formats that "
                                                    "do not say why episodes ended (imitation's; default: the env's)")
    v.add_argument("--overwrite", action="store_true", help="replace a demo file irl wrote at --out")
    v.set_defaults(func=_convert)

    t = sub.add_parser("train", help="learn a reward and a policy from demonstrations",
                       description="Learn a reward and a policy from demonstrations into a run folder. The task's "
                                   "recipe (irl recipes) gives every setting no flag gives, a flag given overrides "
                                   "it, and the defaults shown apply where neither does.")
    t.add_argument("learner", choices=["gail", "airl", "gcl"], help="the adversarial imitation learner")
    t.add_argument("--env", required=True, help="Gymnasium env id, e.g. HalfCheetah-v5")
    t.add_argument("--demos", required=True, type=Path, help="demonstrations: irl's .npz, an imitation or Minari "
                                                             "dataset, or a D4RL-style file")
    t.add_argument("--steps", type=STEPS, default=1_000_000, help="environment steps of the generator")
    t.add_argument("--seed", type=SEED, default=0, help="seed of the generator, its envs and the discriminator")
    t.add_argument("--out", required=True, type=Path, help="run folder to write (new or empty, or a run of irl's)")
    t.add_argument("--overwrite", action="store_true", help="replace a run already in --out (only what irl wrote)")
    t.add_argument("--resume", action="store_true",
                   help="continue the run in --out from its last checkpoint (same arguments as the first call; "
                        "a larger --steps trains a run, finished or not, further)")
    t.add_argument("--checkpoint-every", type=COUNT, default=10, help="rounds between checkpoints (also one at the end)")
    t.add_argument("--reward", choices=["softplus", "log_d", "logit", "neg_energy"], default=None,
                   help="policy reward from the logit, or neg_energy (-E alone, entropy left to PPO's ent_coef) "
                        "(default: softplus for GAIL, logit for AIRL and GCL)")
    t.add_argument("--state-only", action=argparse.BooleanOptionalAction, default=None,
                   help="reward of s only (default: on for AIRL, off for GAIL and GCL)")
    t.add_argument("--absorbing", action=argparse.BooleanOptionalAction, default=True,
                   help="absorbing-state handling of terminal steps")
    t.add_argument("--energy-obs-norm", choices=["expert", "none"], default="expert",
                   help="standardise the energy's inputs with the demos' statistics, or not (for transfer)")
    t.add_argument("--disc-lr", type=RATE, default=1e-3, help="Adam learning rate of the energy")
    t.add_argument("--disc-epochs", type=number(float, 0, 1000, open_low=True), default=2.0,
                   help="discriminator passes over each rollout")
    t.add_argument("--grad-penalty", type=WEIGHT, default=None, help="default: 10 for GAIL and AIRL, 0 for GCL")
    t.add_argument("--grad-penalty-units", choices=["standardised", "raw"], default="standardised",
                   help="the penalty limits the slope per demo std of each feature, or per raw unit (features the "
                        "demos barely vary held flatter)")
    t.add_argument("--replay-rounds", type=COUNT, default=None,
                   help="rollouts the discriminator replays, q = fusion of their policies (default: 5 for GCL, else 1)")
    t.add_argument("--log-z", choices=["learned", "importance"], default="learned",
                   help="log Z as the energy's bias, or importance-sampled per batch (AIRL, GCL)")
    t.add_argument("--gcl-form", choices=["step", "trajectory"], default="step",
                   help="GCL: a sample is a transition, or a segment of --segment-length steps")
    t.add_argument("--segment-length", type=number(int, 2, 100_000), default=32,
                   help="GCL --gcl-form trajectory: steps per segment")
    t.add_argument("--lcr", type=WEIGHT, default=0.0, help="GCL's lcr cost regulariser weight (0 = off)")
    t.add_argument("--mono", type=WEIGHT, default=0.0, help="GCL's monotonic cost regulariser weight (0 = off)")
    t.add_argument("--q-floor", type=FRACTION, default=0.0,
                   help="AIRL, GCL: q = (1-ε)·π + ε·uniform in the logit, bounds log q from below (0 = off)")
    t.add_argument("--entropy-weight", type=POSITIVE_WEIGHT, default=None,
                   help="AIRL, GCL: τ in the logit -E - τ·log q, the MaxEnt temperature "
                        "(default: 0.05 for AIRL, 1 for GCL)")
    t.add_argument("--ensemble", type=number(int, 1, 64), default=1,
                   help="energies trained side by side on their own minibatches; the policy reward is their mean")
    t.add_argument("--reward-bound", type=number(float, 0, 1e6, open_low=True), default=None,
                   help="bound the reward term to ±B by B·tanh(·/B) (default: unbounded)")
    t.add_argument("--disc-weight-decay", type=WEIGHT, default=0.0,
                   help="L2 weight decay of the energy's optimiser (0 = off)")
    t.add_argument("--disc-lr-decay", action="store_true",
                   help="decay the energy's learning rate linearly to 0 over the run")
    t.add_argument("--policy-reset-steps", type=STEPS_OR_ZERO, default=0,
                   help="re-initialise the generator's policy every N env steps, so the reward must keep "
                        "teaching from scratch (0 = never)")
    t.add_argument("--frozen-reward-steps", type=STEPS_OR_ZERO, default=0,
                   help="for the last N env steps freeze the reward and train the policy on its -E alone, "
                        "so the run's policy is optimised on the exported reward; a lin_X learning rate starts over at the "
                        "freeze (0 = off)")
    t.add_argument("--reward-snapshot-steps", type=STEPS_OR_ZERO, default=None,
                   help="save the energy every N env steps (RUN/snapshots/), which irl export reads as the mean "
                        "of the reward's course; training is unchanged (default: 20 times over the run; 0 = none)")
    t.add_argument("--algo", choices=["ppo", "sac"], default="ppo",
                   help="the generator's RL algorithm (sac: off-policy, replayed batches relabelled; Box actions)")
    t.add_argument("--hyper", action="append", default=[], metavar="KEY=VALUE", type=hyper_override,
                   help="set an inner-loop setting of --algo over the recipe's, value as JSON (e.g. --hyper "
                        "ent_coef=0.01); repeatable")
    t.add_argument("--bc-epochs", type=EPOCHS, default=0,
                   help="warm-start the policy by behaviour cloning on the demos for N epochs (0 = off)")
    t.add_argument("--bc-warmup-steps", type=STEPS_OR_ZERO, default=10_000,
                   help="with --bc-epochs: env steps at the start with the cloned actor frozen while the critic learns")
    t.add_argument("--eval-episodes", type=EPISODES, default=20, help="episodes of the final evaluation")
    t.add_argument("--no-progress", action="store_true", help="no progress bar")
    recipe = t.add_mutually_exclusive_group()
    recipe.add_argument("--recipe", metavar="NAME|FILE", default=None,
                        help="train with this recipe instead of the task's: a shipped one's name or task "
                             "(irl recipes lists them) or a TOML file of your own (default: the task's recipe, "
                             "generic.toml for a task without one)")
    recipe.add_argument("--no-recipe", action="store_true",
                        help="no recipe: SB3's and TrainConfig's defaults where no flag is given")
    t.set_defaults(func=_train)

    x = sub.add_parser("export", help="write a run's learned reward as a portable artifact (safetensors, JSON, ONNX)",
                       description="Write a finished run's learned reward as an artifact folder.")
    x.add_argument("run", type=Path, help="a finished run folder (irl train)")
    x.add_argument("--out", required=True, type=Path, help="artifact folder to write (new or empty)")
    x.add_argument("--overwrite", action="store_true", help="replace an artifact already in --out")
    x.add_argument("--end-value", choices=("learned", "floor"), default=None,
                   help="what ending an episode is worth: the learned absorbing-state reward, or no more than "
                        "the worst step of a random policy (tasks where ending is a failure, e.g. a fall) "
                        "(default: the run's recipe's choice, else learned)")
    x.add_argument("--form", choices=("g", "shaped"), default=None,
                   help="AIRL: the disentangled reward g (any dynamics), or g + γ·h(s') - h(s), shaped by the "
                        "learned potential h (re-optimisation on the training dynamics) (default: the run's "
                        "recipe's choice, else g)")
    x.add_argument("--ensemble", choices=("mean", "pessimistic"), default=None,
                   help="a run with several energies (--ensemble of irl train): their mean reward, or the worst "
                        "member's at each step (default: the run's recipe's choice, else mean)")
    x.add_argument("--snapshots", choices=("final", "all", "late"), default=None,
                   help="which of the run's energies make the reward: the final one, or with the snapshots of "
                        "irl train --reward-snapshot-steps all of them or those of the run's second half, read "
                        "as one ensemble (--ensemble: their mean or worst) (default: the run's recipe's choice, "
                        "else final)")
    x.set_defaults(func=_export)

    r = sub.add_parser("retrain", help="train a fresh SB3 agent on an exported reward alone",
                       description="Train a fresh SB3 agent on a learned reward alone and score it on the true one.")
    r.add_argument("reward", type=Path, help="a reward artifact folder (irl export)")
    r.add_argument("--env", required=True, help="Gymnasium env id to train on (the reward's, or one with its spaces)")
    r.add_argument("--algo", choices=["ppo", "sac"], default="ppo", help="the fresh agent's RL algorithm")
    r.add_argument("--hyper", action="append", default=[], metavar="KEY=VALUE", type=hyper_override,
                   help="set a setting of --algo over the task recipe's, value as JSON (e.g. --hyper "
                        "n_steps=1024); repeatable")
    r.add_argument("--steps", type=STEPS, default=1_000_000, help="environment steps of the fresh agent")
    r.add_argument("--seed", type=SEED, default=0, help="seed of the agent and its envs")
    r.add_argument("--out", required=True, type=Path, help="run folder to write (new or empty, or a retrain run)")
    r.add_argument("--overwrite", action="store_true", help="replace a run already in --out (only what irl wrote)")
    r.add_argument("--eval-episodes", type=EPISODES, default=20, help="episodes of the final evaluation")
    r.add_argument("--no-progress", action="store_true", help="no progress bar")
    r.set_defaults(func=_retrain)

    j = sub.add_parser("judge", help="agreement of an exported reward with the true reward, and a score for "
                                     "whether it teaches a fresh agent",
                       description="Correlations and EPIC distance of a learned reward with the true reward on "
                                   "expert, random and other policies' transitions, then a probe (a fresh PPO agent "
                                   "trained briefly on the reward) whose outcome gives a score in [0, 1] that ranks "
                                   "rewards by what a full re-optimisation reaches, and a verdict.")
    j.add_argument("reward", type=Path, help="a reward artifact folder (irl export)")
    j.add_argument("--env", required=True, help="Gymnasium env id whose true reward is the reference")
    j.add_argument("--demos", required=True, type=Path, help="expert transitions with their true rewards")
    j.add_argument("--policy", action="append", default=[], type=Path,
                   help="an SB3 .zip whose rollouts are judged too (repeatable; unpickled: trusted files only)")
    j.add_argument("--episodes", type=EPISODES, default=10,
                   help="episodes of the random policy, of each --policy and of the probe agent")
    j.add_argument("--seed", type=SEED, default=0, help="seed of the rollouts and of EPIC's samples")
    j.add_argument("--out", type=Path, default=None, help="folder for judge.json and judge.png (default: none written)")
    j.add_argument("--overwrite", action="store_true", help="replace a judge result already in --out")
    j.add_argument("--probe-steps", type=STEPS_OR_ZERO, default=None,
                   help="steps of the probe, a fresh PPO agent trained on the reward whose outcome gives the score "
                        "(default: a tenth of the steps the reward was learned in; 0: no probe, no score)")
    j.add_argument("--heatmap", type=INDEX, nargs=2, default=None, metavar=("I", "J"),
                   help="also plot the reward over observation coordinates I and J (a 2-D position) to heatmap.png")
    j.add_argument("--heatmap-range", type=COORDINATE, nargs=4, default=None, metavar=("X0", "X1", "Y0", "Y1"),
                   help="the plane's extent (default: the demos' range)")
    j.set_defaults(func=_judge)

    k = sub.add_parser("recipes", help="list the recipes shipped with irl and the scores they were measured at",
                       description="The recipes shipped with irl: per task, the settings irl train uses unless a "
                                   "flag says otherwise, and the benchmark score each was measured at.")
    k.add_argument("--show", metavar="NAME|FILE", default=None,
                   help="print one recipe (a shipped name, a task it covers, or a file) instead of the table")
    k.set_defaults(func=_recipes)

    e = sub.add_parser("eval", help="true and normalised return of a trained run",
                       description="Evaluate a run's policy on the true reward (0 = random, 1 = expert).")
    e.add_argument("run", type=Path, help="a finished run folder (irl train)")
    e.add_argument("--episodes", type=EPISODES, default=20, help="evaluation episodes")
    e.add_argument("--seed", type=SEED, default=0, help="episode i is reset with seed + 100000 + i")
    e.set_defaults(func=_eval)
    _add_sweep(sub)
    return parser


def _collect(args: argparse.Namespace) -> int:
    from irl.api import collect

    demos = collect(args.env, args.expert, episodes=args.episodes, out=args.out, seed=args.seed,
                    overwrite=args.overwrite)
    r = demos.episode_returns
    print(f"wrote {args.out}: {demos.n_episodes} episodes, {len(demos.transitions)} transitions, "
          f"return {r.mean():.1f} ± {r.std():.1f} (min {r.min():.1f}), random {demos.random_return:.1f}")
    return 0


def _convert(args: argparse.Namespace) -> int:
    from irl.api import convert

    demos = convert(args.source, args.env, out=args.out, seed=args.seed, time_limit=args.time_limit,
                    overwrite=args.overwrite)
    r = demos.episode_returns
    returns = f"return {r.mean():.1f} ± {r.std():.1f}" if len(r) else "no rewards (runs will not be normalised)"
    print(f"wrote {args.out}: {demos.n_episodes} episodes, {len(demos.transitions)} transitions, {returns}, "
          f"random {demos.random_return:.1f}")
    return 0


def hyper_override(text: str) -> tuple[str, object]:
    """'ent_coef=0.01' -> ('ent_coef', 0.01); the value is JSON, or a bare string."""
    key, sep, value = text.partition("=")
    if not sep or not key.strip():
        raise argparse.ArgumentTypeError(f"expected KEY=VALUE, found {text!r}")
    try:
        return key.strip(), json.loads(value)
    except json.JSONDecodeError:
        return key.strip(), value


DEST_FIELDS = {"env": "env_id", "steps": "total_steps", "reward": "policy_reward", "ensemble": "ensemble_size"}
"""``irl train`` options whose TrainConfig field has another name."""


def given_options(argv: list[str]) -> set[str]:
    """The dests of the options of ``irl train`` given in ``argv`` (``['train', ...]``), told from
    those left at their defaults by parsing ``argv`` again with every default suppressed."""
    parser = _parser()
    train = parser._subparsers._group_actions[0].choices["train"]
    for action in train._actions:
        action.default = argparse.SUPPRESS
    train._defaults.clear()  # func
    return set(vars(parser.parse_args(argv))) - {"command"}


def given_settings(args: argparse.Namespace, given: set[str]) -> dict:
    """The TrainConfig settings (and seed) among the ``given`` options of ``irl train``, by field name."""
    from irl.runs.recipes import SETTINGS

    return {DEST_FIELDS.get(d, d): getattr(args, d) for d in given if DEST_FIELDS.get(d, d) in SETTINGS or d == "seed"}


def _train(args: argparse.Namespace) -> int:
    from irl.api import train
    from irl.runs import recipes

    if args.resume and args.overwrite:
        raise IrlError("--resume continues the run in --out and --overwrite deletes it; pass one of them")
    given = given_options(args.argv)
    settings = given_settings(args, given)
    if args.resume:
        if given & {"recipe", "no_recipe"}:
            raise IrlError("--resume continues a run with its own settings (its config.json); --recipe and "
                           "--no-recipe are for new runs")
        config, sources = _resumed_config(args, given, settings)
        export = None  # the run's own record is kept
        print(f"resuming {args.out} with its own settings ({args.out / 'config.json'}; no recipe is read)")
    else:
        resolved = recipes.resolve(args.learner, args.env, demos=str(args.demos), total_steps=args.steps,
                                   algo=args.algo, recipe=None if args.no_recipe else args.recipe or "task",
                                   given=settings, hyper=dict(args.hyper))
        config, sources, recipe, export = resolved.config, resolved.sources, resolved.recipe, resolved.export
        if "steps" not in given:
            sources["total_steps"] = recipes.SOURCE_DEFAULT
        print(recipe_line(recipe, config.learner, config.algo))
    result = train(config, args.out, overwrite=args.overwrite, progress=not args.no_progress, resume=args.resume,
                   checkpoint_every=args.checkpoint_every, sources=sources, export=export)
    _print_eval(result)
    print(f"run folder: {args.out} (curves.png, metrics.csv, tb/, policy.zip, energy.safetensors)")
    if export:
        print(f"irl export {args.out} --out REWARD exports its reward as the recipe says "
              f"({' '.join(recipes.as_flags(export))})")
    return 0


def _resumed_config(args: argparse.Namespace, given: set[str], settings: dict):  # noqa: ANN202
    """The run's own config.json with the options given now laid over it (a larger --steps
    trains further; any other difference is refused when the run is checked)."""
    from irl.runs import run_dir
    from irl.runs.config import SOURCES, TrainConfig

    saved_text = (args.out / run_dir.CONFIG).read_text() if (args.out / run_dir.CONFIG).is_file() else None
    if saved_text is None:
        raise IrlError(f"{args.out} holds no run to resume (no {run_dir.CONFIG})")
    saved = json.loads(saved_text)
    data = {**saved, **settings, "learner": args.learner, "env_id": args.env, "demos": str(args.demos)}
    if "steps" in given:
        data["total_steps"] = args.steps
    if "algo" in given:
        data["algo"] = args.algo
    data[data["algo"]] = {**data.get(data["algo"], {}), **dict(args.hyper)}
    config = TrainConfig.from_json(json.dumps(data))
    sources = dict(saved.get(SOURCES) or {})
    if sources and "steps" in given:  # the one setting a resume may change
        sources["total_steps"] = "command line"
    return config, sources or None


def recipe_line(recipe, learner: str, algo: str) -> str:  # noqa: ANN001 - an irl.runs.recipes.Recipe or None
    """One line naming the recipe a run trains with and what it was measured at."""
    from irl.runs.recipes import describe_measurement

    if recipe is None:
        return "recipe: none (--no-recipe): SB3's and TrainConfig's defaults where no flag is given"
    m = recipe.measurement(learner, algo)
    measured = f"measured at {describe_measurement(m)} normalised" if m else describe_measurement(m)
    return f"recipe: {recipe.source}; {learner.upper()} with {algo.upper()} {measured}"


def _export(args: argparse.Namespace) -> int:
    from irl.rewards.artifact import export_reward, load_reward, recipe_export
    from irl.runs.recipes import as_flags

    chosen = {"end_value": args.end_value, "form": args.form, "ensemble": args.ensemble, "snapshots": args.snapshots}
    from_recipe = {k: v for k, v in recipe_export(args.run).items() if chosen[k] is None}
    out = export_reward(args.run, args.out, overwrite=args.overwrite, **chosen)
    if from_recipe:
        print(f"as the run's recipe says (its config.json): {' '.join(as_flags(from_recipe))}")
    m = load_reward(out).manifest
    print(f"wrote {out}: reward {m['reward']} of {m['learner'].upper()} on {m['env_id']} "
          f"(manifest.json, reward.safetensors, reward.onnx)")
    steps = m["snapshot_steps"]
    if steps:
        print(f"the {m['ensemble']} of {len(steps) + 1} energies of the run's course (--snapshots {m['snapshots']}: "
              f"steps {steps[0]:,} to {steps[-1]:,} and the final one; --snapshots final for the final one alone)")
    elif m["snapshots"] != "final":
        print("the run's final energy (every snapshot it saved equals it)")
    else:  # asked for (flag or recipe), or the run kept none
        from irl.runs.run_dir import energy_snapshots

        print("the run's final energy" + ("" if energy_snapshots(args.run) else " (it saved no snapshots)"))
    if m["end_value"] == "floor":
        print(f"ending an episode is worth {m['end_reward']:.4g} per step (the learned absorbing reward: "
              f"{m['absorbing_reward']:.4g})")
    return 0


def _retrain(args: argparse.Namespace) -> int:
    from irl.api import retrain

    result = retrain(args.reward, args.env, algo=args.algo, steps=args.steps, seed=args.seed, out=args.out,
                     overwrite=args.overwrite, progress=not args.no_progress, eval_episodes=args.eval_episodes,
                     hyper=dict(args.hyper))
    score = "" if result["normalized_return"] is None else f", normalised {result['normalized_return']:.3f}"
    print(f"{args.algo.upper()} on the learned reward, evaluated on {args.env}'s true reward over "
          f"{result['episodes']} episodes: {result['return_mean']:.1f} ± {result['return_std']:.1f}{score}")
    print(f"run folder: {args.out}")
    return 0


def _judge(args: argparse.Namespace) -> int:
    from irl.api import judge
    from irl.rewards.judge import describe_correlation as corr

    policies = f" and {len(args.policy)} --policy" if args.policy else ""
    print(f"judging {args.reward} against {args.env}'s true reward: the demos, {args.episodes} random "
          f"episodes{policies}{f' ({args.episodes} episodes each)' if args.policy else ''}")
    result = judge(args.reward, args.env, args.demos, policies=tuple(map(str, args.policy)),
                   episodes=args.episodes, seed=args.seed, out=args.out, overwrite=args.overwrite,
                   heatmap=tuple(args.heatmap) if args.heatmap else None,
                   heatmap_range=tuple(args.heatmap_range) if args.heatmap_range else None,
                   probe_steps=args.probe_steps, progress=True)
    for name, r in result["per_source"].items():
        print(f"{name:>12}: {result['transitions'][name]:6d} transitions, pearson {corr(r['pearson'])}, "
              f"spearman {corr(r['spearman'])}; per step: learned {r['learned_mean']:+.3f}, true {r['true_mean']:+.3f}")
    epic = "n/a (" + result["epic_note"] + ")" if result["epic"] is None else f"{result['epic']:.3f}"
    print(f"      pooled: pearson {corr(result['pearson'])}, spearman {corr(result['spearman'])}, EPIC distance {epic}")
    probe = result["probe"]
    if probe is not None:
        u = "n/a" if probe["learned_progress"] is None else f"{probe['learned_progress']:+.2f}"
        print(f"       probe: PPO for {probe['steps']} steps on the reward; from random play (0) to the demos (1), "
              f"the reward places it at {u}, the true return at {probe['true_progress']:+.2f}")
    if args.out is not None:
        written = ["judge.json", "judge.png", *(["heatmap.png"] if args.heatmap else [])]
        print(f"wrote {', '.join(str(args.out / name) for name in written)}")
    if probe is None:
        print("no score (--probe-steps 0): `irl retrain` measures what a fresh agent learns on this reward")
    else:
        print(f"score {probe['score']:.2f}: {probe['verdict']}")
    return 0


def _quickstart(args: argparse.Namespace) -> int:
    from irl.api import train
    from irl.runs import run_dir
    from irl.runs.recipes import resolve

    run_dir.check_writable(args.out, run_dir.RUN, overwrite=args.overwrite)  # its hint: no --resume here
    resolved = resolve(QUICKSTART["learner"], QUICKSTART["env"], demos=str(shipped_demos(QUICKSTART["demos"])),
                       total_steps=args.steps, given={"seed": args.seed}, given_source="irl quickstart")
    config = resolved.config
    print(f"AIRL on {config.env_id} from the shipped demos, {config.total_steps} steps -> {args.out}")
    print(recipe_line(resolved.recipe, config.learner, config.algo))
    result = train(config, args.out, overwrite=args.overwrite, sources=resolved.sources, export=resolved.export)
    _print_eval(result)
    print(f"learning curves: {args.out / 'curves.png'}; TensorBoard: tensorboard --logdir {args.out / 'tb'}")
    return 0


def _recipes(args: argparse.Namespace) -> int:
    from irl.rl.presets import ALGOS
    from irl.runs.config import LEARNER_NAMES
    from irl.runs.recipes import (
        as_flags,
        describe_measurement,
        find_recipe,
        packaged_recipes,
    )

    if args.show is not None:
        recipe = find_recipe(args.show)  # validated
        print(f"# {recipe.source}\n{recipe.path.read_text(encoding='utf-8')}", end="")
        return 0
    rows = [("recipe", "tasks", "learner", "algo", "measured (normalised return)", "settings beyond the defaults")]
    for recipe in packaged_recipes():
        name, tasks = recipe.name, ", ".join(recipe.tasks) or "(every task without a recipe)"
        for learner in LEARNER_NAMES:
            for algo in ALGOS:
                m = recipe.measurement(learner, algo)
                lines = recipe.learners.get(learner, {}).get(algo)
                if algo != "ppo" and m is None and not lines:
                    continue
                flags = " ".join(as_flags(recipe.settings(learner, algo), recipe.own_rl(learner, algo)))
                export = " ".join(f"export --{k.replace('_', '-')} {v}" for k, v in recipe.export(learner).items())
                rows.append((name, tasks, learner, algo, describe_measurement(m) if m else "-",
                             " ".join(filter(None, [flags, export])) or "-"))
                name = tasks = ""  # shown on the recipe's first row only
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]) - 1)]
    for r in rows:
        print("  ".join(c.ljust(w) for c, w in zip(r, widths)) + "  " + r[-1])
    print("\nirl recipes --show NAME prints one; irl train uses the task's unless --recipe or --no-recipe says "
          "otherwise (docs/how-to/recipes.md)")
    return 0


def _eval(args: argparse.Namespace) -> int:
    from irl.api import evaluate_run

    _print_eval(evaluate_run(args.run, episodes=args.episodes, seed=args.seed))
    return 0


def _print_eval(r: dict) -> None:
    score = ("no normalised score (the demos carry no rewards)" if r["normalized_return"] is None else
             f"normalised {r['normalized_return']:.3f} (0 = random {r['random_return']:.1f}, "
             f"1 = expert {r['expert_return']:.1f})")
    print(f"{r['learner']} on {r['env_id']}: true return {r['return_mean']:.1f} ± {r['return_std']:.1f} "
          f"over {r['episodes']} episodes; {score}")
    print(json.dumps(r))



# irl sweep: a grid or a search of runs on Ray Tune (irl/sweep/)

def _add_sweep(sub: argparse._SubParsersAction) -> None:
    s = sub.add_parser("sweep", help="run a grid (or a search) of runs from a TOML spec on Ray, locally or on a cluster",
                       description="Run the trials of a sweep spec into --out, one per core (or on a Ray cluster), "
                                   "then write its results table and plots. The same command after a stop skips "
                                   "finished trials and resumes the rest from their checkpoints.")
    s.add_argument("spec", type=Path, help="the sweep's spec, TOML (see docs/how-to/sweep.md)")
    s.add_argument("--out", required=True, type=Path, help="sweep folder to write (new or empty, or a sweep of irl's)")
    s.add_argument("--address", default=None,
                   help="address of a running Ray cluster (default: $RAY_ADDRESS, else Ray is started here with "
                        "one trial per core); --out and the demos must be on storage every node sees")
    s.add_argument("--jobs", type=COUNT, default=None, help="trials at once (default: one per CPU of Ray)")
    s.add_argument("--max-failures", type=number(int, 0, 1000), default=2,
                   help="times a trial whose worker dies is started again (it resumes from its checkpoint)")
    s.add_argument("--report-only", action="store_true", help="only rewrite the tables and plots from the runs in --out")
    s.set_defaults(func=_sweep)


def _sweep(args: argparse.Namespace) -> int:
    from irl.sweep.command import sweep
    from irl.sweep.spec import load_spec

    failed = sweep(load_spec(args.spec), args.out, address=args.address, jobs=args.jobs,
                   max_failures=args.max_failures, report_only=args.report_only)
    if failed:
        print(f"irl: error: {len(failed)} trial(s) failed ({', '.join(failed)}); each trial's log is beside its run "
              f"folder in {args.out}, Ray's in {args.out / 'tune'}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
