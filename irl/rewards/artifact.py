"""Learned rewards as files: export a run's energy, load it anywhere, nothing unpickled.

An artifact is a folder::

    manifest.json       format and version, what the reward is, spaces, γ, observation
                        normalisation, provenance (env, learner, steps, demo fingerprint,
                        expert and random returns), sha256 of the two files below and
                        (``manifest_sha256``, format version 3) of the manifest's own fields
    reward.safetensors  the energy network's weights (observation statistics included)
    reward.onnx         reward(obs, acts, next_obs, done) as an ONNX graph: runs under
                        onnxruntime with neither torch nor irl installed

The reward is r(s, a) = g(s[, a]) for AIRL (its shaping term removed) and -E(s, a)
for GAIL and GCL. AIRL's reward can also be exported whole (``form='shaped'``):
f(s, a, s') = g(s[, a]) + γ·h(s') - h(s), with h(s') the absorbing state's on terminal
steps. Shaping by a potential changes no optimal policy (Ng, Harada, Russell 1999), but
h, which approximates the expert's soft value on deterministic dynamics (Fu et al.
2018), pays progress towards the expert's states at once: a guide for an agent
re-optimising the reward on the dynamics it was learned on. g alone is the reward for
changed dynamics, where h is no value at all.

When the run used absorbing states (Kostrikov et al. 2019), the learned value of the absorbing state, r_abs, is what ending an episode is worth: it
is paid at every step after the end. Artifacts since format version 2 subtract it from
every step instead (the *offset* form, r(s, a) - r_abs, nothing at the end). The two
are the same task: in the absorbing MDP every return differs by the constant
r_abs/(1-γ), so the best policy is the same for any γ; but the offset form has no
spike at terminal steps for a value function to fit or for reward clipping (SB3's
VecNormalize clips at 10) to cut, and does not need the downstream algorithm's γ to be
the one the reward was learned with. Version 1 artifacts (the *tail* form: r(s, a) on
every step plus γ/(1-γ)·r_abs on terminal steps) load and score as they were written.

What ending is worth (``end_value``). The learned r_abs is fitted against the
imitator's own late states, which end about as often as the expert's; a fresh agent
re-optimising the reward from scratch meets states that score far below it, and then
learns that ending is its best move (Hopper: docs/notes/2026-11-28-hopper-ending.md).
``end_value='floor'`` sets the value of ending to min(r_abs, min r over a uniform-random
policy's steps): no step of a random policy is worse than ending, so the reward carries
the prior that ending is a failure, as where an episode ends on a fall (Hopper, Walker).
Do not use it where ending is the goal (reaching a target). On tasks that never
terminate, the offset is a constant on every step and changes nothing.

Which energies (``snapshots``). By default 'all' the snapshots a run saved
(``reward_snapshot_steps``; 20 over the run unless told otherwise) and the final energy;
'late': the snapshots of the run's second half and the final energy; 'final': the final
energy alone (also what a run that saved no snapshots exports by default). Several are read as
one ensemble: ``energy.members`` counts every member of every energy, the weights hold them
in training order, ``snapshot_steps`` lists the snapshots' steps (the final energy last,
not listed), and the reward is their mean (``ensemble='pessimistic'``: their worst).
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import shutil
import warnings
from dataclasses import replace
from pathlib import Path
from typing import Any, Callable

import gymnasium as gym
import numpy as np
import torch
from safetensors import SafetensorError
from safetensors.torch import load_file, save_file
from torch import nn

from irl.data.spaces import (
    as_discrete_actions,
    obs_dim,
    same_space,
    space_from_json,
    space_to_json,
)
from irl.energy.networks import (
    ENSEMBLE_REDUCTIONS,
    EnergyEnsemble,
    EnergySpec,
    absorbing_obs,
    build_energy,
    with_absorbing_default,
)
from irl.errors import RewardError, RunDirError
from irl.runs.config import END_VALUES, EXPORT_CHOICES, FLOOR_EPISODES, FLOOR_SEED
from irl.runs.run_dir import FolderKind, check_writable

FORMAT, VERSION = "irl-reward", 3
ACTION_TOLERANCE = 1e-3
"""How far outside its Box bounds an action may lie, as a fraction of the bounds' width:
clipped policies put actions on the bounds, where float rounding can move them a little."""
ABSORBING_FORMS = ("offset", "tail")
REWARD_FORMS = ("g", "shaped")  # AIRL: g alone, or g + γ·h(s') - h(s)
SNAPSHOT_CHOICES = EXPORT_CHOICES["snapshots"]
"""Which energies of a run make its reward: the final one; every snapshot and the final one
(the reward's whole course); those from the second half of the run and the final one."""
EXPORT_DEFAULTS = {"end_value": "learned", "form": "g", "ensemble": "mean", "snapshots": "all"}
"""export_reward's settings where neither the caller nor the run's recipe names one ('all'
snapshots falls back to 'final' for a run that saved none)."""
ENGINES = ("auto", "onnx", "torch")
MANIFEST, WEIGHTS, ONNX = "manifest.json", "reward.safetensors", "reward.onnx"
_RUN_FILES = ("energy.safetensors", "energy.json", "config.json", "scores.json")
FOLDER = FolderKind("reward artifact", (MANIFEST, WEIGHTS, ONNX), signature=(MANIFEST, ("format", "energy", "sha256")))
"""An artifact's folder holds its three files and nothing else; its manifest is its marker."""


class RewardModule(nn.Module):
    """Raw (obs, acts, next_obs, done) -> reward, everything inside one graph.

    obs, next_obs: (B, *obs_shape) float32; acts: (B, *act_shape) float32 for Box,
    (B,) int64 for Discrete; done: (B,) float32 (1 on terminal steps) -> (B,) float32.
    """

    def __init__(self, energy: nn.Module, spec: EnergySpec, *, n_actions: int | None,
                 absorbing_form: str = "offset", end_reward: float | None = None, form: str = "g") -> None:
        """``energy`` must already hold its final weights (r_abs is read here);
        ``absorbing_form``: 'offset' (r - r_abs) or 'tail' (version 1 artifacts);
        ``end_reward``: the per-step worth of ending subtracted in the offset form
        (default r_abs, or 0 without absorbing states); ``form``: AIRL's g alone, or
        'shaped' (g + γ·h(s') - h(s))."""
        super().__init__()
        if form not in REWARD_FORMS:
            raise RewardError(f"reward_form must be one of {REWARD_FORMS}, found {form!r}")
        if form == "shaped" and spec.kind != "shaped":
            raise RewardError("reward_form 'shaped' needs AIRL's energy (g and h); this energy is a single network")
        if form == "shaped" and absorbing_form != "offset":
            raise RewardError("reward_form 'shaped' is written in the offset absorbing_form only")
        self.energy = energy
        if isinstance(energy, EnergyEnsemble):  # its final weights, stacked once: one network's calls per step
            energy.freeze_()
        self.shaped = spec.kind == "shaped"
        self.with_shaping = form == "shaped"
        self.absorbing = spec.absorbing
        self.n_actions = n_actions
        self.absorbing_reward = 0.0
        if spec.absorbing:  # r(absorbing), once: the energy holds its final weights here
            state = absorbing_obs(spec.input_obs_dim)
            with torch.no_grad():
                self.absorbing_reward = float(self.step_reward(state, torch.zeros(1, spec.act_dim), state)[0])
        tail = spec.gamma / (1 - spec.gamma) if absorbing_form == "tail" and spec.gamma < 1 else 0.0
        if end_reward is None:
            end_reward = self.absorbing_reward
        offset = end_reward if absorbing_form == "offset" else 0.0
        self.register_buffer("tail_reward", torch.tensor(tail * self.absorbing_reward), persistent=False)
        self.register_buffer("offset", torch.tensor(offset), persistent=False)

    def step_reward(self, obs: torch.Tensor, acts: torch.Tensor, next_obs: torch.Tensor,
                    terminal: torch.Tensor | None = None) -> torch.Tensor:
        """r(s, a[, s']) on encoded inputs (absorbing flag column included): (B,).
        ``terminal`` (B,) ends the shaped form's h(s') (tasks without absorbing states)."""
        if self.shaped and not self.with_shaping:
            return self.energy.g_value(obs, acts)
        return -self.energy(obs, acts, next_obs, torch.zeros_like(obs[:, 0]) if terminal is None else terminal)

    def forward(self, obs: torch.Tensor, acts: torch.Tensor, next_obs: torch.Tensor,
                done: torch.Tensor) -> torch.Tensor:
        obs, next_obs = obs.flatten(1), next_obs.flatten(1)
        if self.n_actions is not None:  # one-hot, written so that ONNX export keeps it
            acts = (acts.reshape(-1, 1) == torch.arange(self.n_actions).reshape(1, -1)).to(obs.dtype)
        else:
            acts = acts.flatten(1).to(obs.dtype)
        terminal = done.to(obs.dtype)
        if self.absorbing:
            flag = torch.zeros_like(obs[:, :1])
            obs, next_obs = torch.cat([obs, flag], 1), torch.cat([next_obs, flag], 1)
            if self.with_shaping:  # a terminal step leads to the absorbing state (zeros, flag 1), h of which
                column = terminal.reshape(-1, 1)  # carries the end
                next_obs = next_obs * (1 - column) + absorbing_obs(next_obs.shape[1]) * column
            terminal = torch.zeros_like(terminal)
        reward = self.step_reward(obs, acts, next_obs, terminal) - self.offset + done.to(obs.dtype) * self.tail_reward
        # keep every input in the exported graph, used or not, so all artifacts share one signature
        return reward + 0.0 * (acts[:, 0] + next_obs[:, 0] + done.to(reward.dtype))


class LearnedReward:
    """A loaded reward: call it on batches of numpy arrays or torch tensors.

    ``reward(obs, acts, next_obs, done)`` with obs, next_obs (B, *obs_shape), acts
    (B, *act_shape) (Discrete: (B,) or (B, 1) whole numbers in [0, n)), done (B,) 0/1 or
    bool returns (B,) float32, numpy in -> numpy out, torch in -> torch out (on the
    input's device). Anything else, NaN included, is a RewardError.

    ``engine``: 'onnx' runs the artifact's own ONNX graph under ONNX Runtime, about 3.5
    times faster than torch on the batch of one a per-step wrapper sends (the torch
    forward of a small MLP is mostly Python dispatch); 'torch' runs ``module``, the
    network rebuilt from the safetensors weights. :func:`load_reward` checks that the
    two agree before it chooses ONNX.
    """

    def __init__(self, module: RewardModule, manifest: dict[str, Any], ort_session: Any = None) -> None:
        self.module = module.eval()
        self.manifest = manifest
        self.ort_session = ort_session
        self.engine = "onnx" if ort_session is not None else "torch"
        self.observation_space = space_from_json(manifest["observation_space"])
        self.action_space = space_from_json(manifest["action_space"])
        self._discrete = isinstance(self.action_space, gym.spaces.Discrete)
        if not self._discrete:  # the bounds check's limits, computed once rather than at every step
            low, high = self.action_space.low.astype(np.float64), self.action_space.high.astype(np.float64)
            slack = ACTION_TOLERANCE * np.where(np.isfinite(high - low), high - low, 0.0)
            self._bounds = (low, high, low - slack, high + slack)

    @property
    def gamma(self) -> float:
        return float(self.manifest["gamma"])

    @property
    def env_id(self) -> str:
        return str(self.manifest["env_id"])

    def check_spaces(self, obs_space: gym.Space, act_space: gym.Space, where: str) -> None:
        """RewardError unless ``where``'s spaces have this reward's shapes."""
        for name, mine, theirs in (("observation", self.observation_space, obs_space),
                                   ("action", self.action_space, act_space)):
            if not same_space(mine, theirs):
                raise RewardError(f"the reward was learned on {self.env_id} with {name} space {mine}; "
                                  f"{where} has {theirs}")

    def __call__(self, obs, acts, next_obs, done):
        device = obs.device if isinstance(obs, torch.Tensor) else None
        obs, next_obs, done = (_as_numpy(x, np.float32) for x in (obs, next_obs, done))
        acts = self._discrete_actions(acts) if self._discrete else _as_numpy(acts, np.float32)
        self._check_batch(obs, acts, next_obs, done)
        if self.ort_session is not None:
            out = self.ort_session.run(None, {"obs": obs, "acts": acts, "next_obs": next_obs, "done": done})[0]
        else:
            with torch.no_grad():
                out = self.module(*(torch.from_numpy(x) for x in (obs, acts, next_obs, done))).numpy()
        return out if device is None else torch.from_numpy(out).to(device)

    def _check_batch(self, obs: np.ndarray, acts: np.ndarray, next_obs: np.ndarray, done: np.ndarray) -> None:
        obs_shape, act_shape = self.observation_space.shape, self.action_space.shape
        if obs.shape == obs_shape:
            raise RewardError(f"obs must be a batch of shape (B, {', '.join(map(str, obs_shape))}), found one "
                              f"observation {obs.shape}: add a batch axis (obs[None], with acts, next_obs, done alike)")
        batch = obs.shape[0] if obs.ndim else 0
        for name, x, shape in (("obs", obs, obs_shape), ("next_obs", next_obs, obs_shape),
                               ("acts", acts, act_shape), ("done", done, ())):
            if x.shape != (batch, *shape):
                raise RewardError(f"{name} must have shape (B, {', '.join(map(str, shape))}) with B = {batch}"
                                  f" [(B,) for done], found {x.shape}")
        if not (np.isfinite(obs).all() and np.isfinite(next_obs).all()):
            raise RewardError("obs or next_obs contain NaN or inf")
        if not self._discrete:
            if not np.isfinite(acts).all():
                raise RewardError("acts contain NaN or inf")
            self._check_bounds(acts)
        if not ((done == 0) | (done == 1)).all():
            raise RewardError(f"done must be 0 or 1 (or bool), found {done[(done != 0) & (done != 1)][0]:g}")

    def _check_bounds(self, acts: np.ndarray) -> None:
        """RewardError where a Box action lies further outside its bounds than
        ACTION_TOLERANCE of the bounds' width (unbounded dimensions are not checked)."""
        low, high, lowest, highest = self._bounds
        outside = (acts < lowest) | (acts > highest)  # (B, *act_shape)
        if outside.any():
            where = tuple(int(i) for i in np.argwhere(outside)[0])
            dim = where[1:]
            raise RewardError(f"acts{list(where)} = {acts[where]:g} is outside the action space's bounds "
                              f"[{low[dim]:g}, {high[dim]:g}] (tolerance {ACTION_TOLERANCE:g} of the width): "
                              "clip actions to the space, as the env does")

    def _discrete_actions(self, acts: Any) -> np.ndarray:
        """(B,) or (B, 1) action indices -> (B,) int64, RewardError unless whole numbers in [0, n)."""
        acts = acts.detach().cpu().numpy() if isinstance(acts, torch.Tensor) else np.asarray(acts)
        if acts.ndim != 1 and acts.shape[1:] != (1,):
            return acts  # the shape check names the expected shape
        try:
            return as_discrete_actions(acts, self.action_space)  # a fresh, contiguous array
        except ValueError as e:
            raise RewardError(f"acts for {self.action_space}: {e}") from None


def _as_numpy(x: Any, dtype: type) -> np.ndarray:
    """A C-contiguous numpy array of ``dtype`` (torch tensors are moved to the CPU first)."""
    if isinstance(x, torch.Tensor):
        x = x.detach().cpu().numpy()
    return np.ascontiguousarray(x, dtype=dtype)


def recipe_export(run: str | Path) -> dict[str, str]:
    """The export settings the recipe of the run in ``run`` named for its reward (config.json's
    ``export``; {} for a run without a recipe, whose recipe names none, or that predates them)."""
    # imported here: loading a reward needs none of the training code
    from irl.runs.config import EXPORT

    try:
        recorded = json.loads((Path(run) / "config.json").read_text()).get(EXPORT) or {}
    except (OSError, ValueError, AttributeError):
        return {}  # export_reward says what is wrong with the run
    return {k: v for k, v in recorded.items() if k in EXPORT_DEFAULTS}


def run_energy_weights(run: Path, snapshots: str, total_steps: int) -> tuple[list[dict[str, torch.Tensor]], list[int]]:
    """The weights of the energies that make a run's reward, and the generator steps of the
    snapshots among them: the final energy (last) and, with ``snapshots`` 'all' or 'late',
    the saved snapshots (``irl train --reward-snapshot-steps``; 'late': those after half of
    ``total_steps``) that differ from it (snapshots taken once the reward was frozen are the
    final energy)."""
    from irl.runs.run_dir import energy_snapshots

    final = with_absorbing_default(load_file(str(run / "energy.safetensors")))
    if snapshots == "final":
        return [final], []
    found = energy_snapshots(run)
    if not found:
        raise RewardError(f"{run} saved no energy snapshots; train with --reward-snapshot-steps N to export "
                          f"--snapshots {snapshots}")
    chosen, steps = [], []
    for step, path in found:
        if snapshots == "late" and step <= total_steps / 2:
            continue
        weights = with_absorbing_default(load_file(str(path)))
        if weights.keys() != final.keys():
            raise RewardError(f"{path}: expected the weights of the run's energy ({run / 'energy.json'}), "
                              f"found other tensors")
        if not all(torch.equal(weights[k], final[k]) for k in final):
            chosen.append(weights)
            steps.append(step)
    return chosen + [final], steps


def as_members(weights: list[dict[str, torch.Tensor]], members: int) -> dict[str, torch.Tensor]:
    """Several energies' weights, each of ``members`` members (1: a single energy), as the weights
    of one :class:`irl.energy.networks.EnergyEnsemble` holding all their members in order."""
    if len(weights) == 1:
        return weights[0]
    merged = {}
    for i, one in enumerate(weights):
        for key, value in one.items():
            if members == 1:
                merged[f"members.{i}.{key}"] = value
            else:  # members.J.rest -> members.(i·members + J).rest
                _, j, rest = key.split(".", 2)
                merged[f"members.{i * members + int(j)}.{rest}"] = value
    return merged


def export_reward(run: str | Path, out: str | Path, *, overwrite: bool = False, end_value: str | None = None,
                  form: str | None = None, ensemble: str | None = None, snapshots: str | None = None) -> Path:
    """Write the reward artifact of a finished ``irl train`` run folder to ``out``.

    ``end_value``: 'learned' (ending is worth r_abs) or 'floor' (no more than the worst
    step of a uniform-random policy); ``form``: for AIRL, 'g' (the disentangled reward)
    or 'shaped' (g + γ·h(s') - h(s), the training dynamics only); ``ensemble``: how an
    ensemble's members make one reward, 'mean' or 'pessimistic' (the worst member's, IRL++);
    ``snapshots``: which of the run's energies make the reward, 'final', or with the
    snapshots saved during training 'all' or 'late' (:data:`SNAPSHOT_CHOICES`), read as one
    ensemble whose members are each energy's members, reduced as ``ensemble`` says (a snapshot
    ensemble: averaging a GAN's weights over its course steadies it, Yazıcı et al. 2019);
    see the module docstring. Each left None is the run's recipe's choice
    (:func:`recipe_export`), else ``EXPORT_DEFAULTS``'s; by default a run that saved no
    snapshots (``reward_snapshot_steps=0``, or trained before they were saved by default)
    exports its final energy."""
    from irl.runs.run_dir import energy_snapshots

    recipe = recipe_export(run)
    chosen = {**EXPORT_DEFAULTS, **recipe}
    if snapshots is None and "snapshots" not in recipe and not energy_snapshots(Path(run)):
        chosen["snapshots"] = "final"
    end_value = chosen["end_value"] if end_value is None else end_value
    form = chosen["form"] if form is None else form
    ensemble = chosen["ensemble"] if ensemble is None else ensemble
    snapshots = chosen["snapshots"] if snapshots is None else snapshots
    run, out = Path(run), Path(out)
    if snapshots not in SNAPSHOT_CHOICES:
        raise RewardError(f"snapshots must be one of {SNAPSHOT_CHOICES}, found {snapshots!r}")
    if end_value not in END_VALUES:
        raise RewardError(f"end_value must be one of {END_VALUES}, found {end_value!r}")
    if ensemble not in ENSEMBLE_REDUCTIONS:
        raise RewardError(f"ensemble must be one of {ENSEMBLE_REDUCTIONS}, found {ensemble!r}")
    if form not in REWARD_FORMS:
        raise RewardError(f"form must be one of {REWARD_FORMS}, found {form!r}")
    missing = [name for name in _RUN_FILES if not (run / name).is_file()]
    if missing:
        raise RunDirError(f"{run} is not a finished irl run: missing {', '.join(missing)}")
    try:
        check_writable(out, FOLDER, overwrite=overwrite)
    except RunDirError as exc:
        raise RewardError(str(exc)) from None
    meta = json.loads((run / "energy.json").read_text())
    config = json.loads((run / "config.json").read_text())
    scores = json.loads((run / "scores.json").read_text())
    spec = EnergySpec.from_json(meta["spec"])
    if form == "shaped" and spec.kind != "shaped":
        raise RewardError(f"form 'shaped' is AIRL's g + γ·h(s') - h(s); {run} is a {meta['learner']} run, "
                          "whose reward -E has no shaping term")
    weights, snapshot_steps = run_energy_weights(run, snapshots, config["total_steps"])
    members_each = spec.members
    spec = replace(spec, members=members_each * len(weights))
    energy = build_energy(spec, reduce=ensemble)
    energy.load_state_dict(as_members(weights, members_each))
    from irl.rl.sb3_adapter import make_env  # the env gives the spaces

    env = make_env(config["env_id"])
    obs_space, act_space = env.observation_space, env.action_space
    env.close()
    n_actions = int(act_space.n) if isinstance(act_space, gym.spaces.Discrete) else None
    module = RewardModule(energy, spec, n_actions=n_actions, form=form).eval()
    end_reward = module.absorbing_reward
    if end_value == "floor":
        end_reward = min(end_reward, _random_policy_min_reward(module, config["env_id"]))
        module = RewardModule(energy, spec, n_actions=n_actions, end_reward=end_reward, form=form).eval()

    tmp = out.parent / f".{out.name}.tmp-{os.getpid()}"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    try:
        save_file({k: v.contiguous() for k, v in energy.state_dict().items()}, str(tmp / WEIGHTS))
        _export_onnx(module, obs_space, act_space, tmp / ONNX)
        manifest = {
            "format": FORMAT, "version": VERSION,
            "reward": _reward_description(spec, form, ensemble), "reward_form": form, "ensemble": ensemble,
            "learner": meta["learner"], "energy": spec.to_json(), "state_only": spec.state_only,
            "gamma": spec.gamma, "absorbing_form": "offset", "absorbing_reward": module.absorbing_reward,
            "end_value": end_value, "end_reward": end_reward,
            "observation_space": space_to_json(obs_space), "action_space": space_to_json(act_space),
            "obs_normalization": {"mean": energy.normalize.mean.tolist(), "std": energy.normalize.std.tolist()},
            "env_id": config["env_id"], "training_steps": config["total_steps"], "seed": config["seed"],
            "snapshots": snapshots, "snapshot_steps": snapshot_steps,
            "demo_fingerprint": scores.get("demo_fingerprint"), "demo_episodes": scores.get("demo_episodes"),
            "expert_return": scores["expert"], "random_return": scores["random"],
            "sha256": {WEIGHTS: _sha256(tmp / WEIGHTS), ONNX: _sha256(tmp / ONNX)},
        }
        manifest["manifest_sha256"] = _manifest_sha256(manifest)
        (tmp / MANIFEST).write_text(json.dumps(manifest, indent=2))
        if out.exists():
            shutil.rmtree(out)
        tmp.rename(out)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return out


def _reward_description(spec: EnergySpec, form: str, ensemble: str = "mean") -> str:
    inputs = "s" if spec.state_only else "s, a"
    if spec.kind == "free":
        one = f"-E({inputs})"
    else:
        one = f"g({inputs})" + (" + γ·h(s') - h(s)" if form == "shaped" else "")
    if spec.members == 1:
        return one
    return f"{'mean' if ensemble == 'mean' else 'worst'} of {spec.members} members' {one}"


def load_reward(path: str | Path, engine: str = "auto") -> LearnedReward:
    """Load an artifact folder (or its manifest.json); every check fails with RewardError.

    ``engine``: 'auto' runs the ONNX graph under ONNX Runtime where it can (the graph is
    there, onnxruntime imports and loads it) and torch otherwise; 'onnx' requires it;
    'torch' never uses it. Either way a graph that is used must give the torch
    network's numbers on a probe batch, or loading fails."""
    if engine not in ENGINES:
        raise RewardError(f"engine must be one of {ENGINES}, found {engine!r}")
    path = Path(path)
    folder = path.parent if path.name == MANIFEST else path
    if not (folder / MANIFEST).is_file():
        raise RewardError(f"no reward artifact at {folder} (expected {MANIFEST} and {WEIGHTS}; "
                          "make one with `irl export RUN --out PATH`)")
    try:
        manifest = json.loads((folder / MANIFEST).read_text())
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise RewardError(f"{folder / MANIFEST} is not valid JSON ({exc})") from None
    _check_manifest(manifest, folder)
    weights_file = folder / WEIGHTS
    if not weights_file.is_file():
        raise RewardError(f"{folder} has a manifest but no {WEIGHTS}")
    for name, digest in manifest["sha256"].items():
        if (folder / name).is_file() and _sha256(folder / name) != digest:
            raise RewardError(f"{folder / name} does not match the sha256 in its manifest: "
                              "the file was changed or corrupted after export")
    try:
        spec = EnergySpec.from_json(manifest["energy"])
        obs_space, act_space = space_from_json(manifest["observation_space"]), space_from_json(manifest["action_space"])
        gamma = manifest["gamma"]
        if isinstance(gamma, bool) or not isinstance(gamma, (int, float)) or not 0 < gamma <= 1:
            raise ValueError(f"gamma must be a number in (0, 1], found {gamma!r}")
        if not isinstance(manifest["env_id"], str):
            raise ValueError(f"env_id must be a string, found {manifest['env_id']!r}")
    except (TypeError, ValueError, KeyError, AttributeError) as exc:
        raise RewardError(f"{folder / MANIFEST}: invalid energy, space or γ description ({exc})") from None
    if spec.obs_dim != obs_dim(obs_space):
        raise RewardError(f"manifest energy expects {spec.obs_dim} observation features, "
                          f"its observation space has {obs_dim(obs_space)}")
    ensemble = manifest.get("ensemble", "mean")  # absent before ensembles existed
    if ensemble not in ENSEMBLE_REDUCTIONS:
        raise RewardError(f"{folder / MANIFEST}: ensemble must be one of {ENSEMBLE_REDUCTIONS}, found {ensemble!r}")
    energy = build_energy(spec, reduce=ensemble)
    try:
        weights = load_file(str(weights_file))
    except (SafetensorError, OSError, ValueError) as exc:
        raise RewardError(f"{weights_file} is not a readable safetensors file ({exc})") from None
    weights = with_absorbing_default(weights)
    _check_weights(weights, energy.state_dict(), weights_file)
    energy.load_state_dict(weights)
    n_actions = int(act_space.n) if isinstance(act_space, gym.spaces.Discrete) else None
    form = manifest.get("absorbing_form", "tail")  # version 1 artifacts: the tail form
    if form not in ABSORBING_FORMS:
        raise RewardError(f"{folder / MANIFEST}: absorbing_form must be one of {ABSORBING_FORMS}, found {form!r}")
    end_reward = manifest.get("end_reward")  # absent before end_value existed: r_abs
    if end_reward is not None and (isinstance(end_reward, bool) or not isinstance(end_reward, (int, float))
                                   or not np.isfinite(end_reward)):
        raise RewardError(f"{folder / MANIFEST}: end_reward must be a finite number, found {end_reward!r}")
    try:  # reward_form is absent before the shaped form existed
        module = RewardModule(energy, spec, n_actions=n_actions, absorbing_form=form, end_reward=end_reward,
                              form=manifest.get("reward_form", "g")).eval()
    except RewardError as exc:
        raise RewardError(f"{folder / MANIFEST}: {exc}") from None
    ort_session = None if engine == "torch" else _onnx_session(
        folder / ONNX, required=engine == "onnx", build=lambda: _onnx_bytes(module, obs_space, act_space))
    if ort_session is not None:
        _check_onnx_agrees(ort_session, module, obs_space, act_space, folder)
    return LearnedReward(module, manifest, ort_session)


def _onnx_session(path: Path, *, required: bool, build: Callable[[], bytes]) -> Any:
    """An ONNX Runtime InferenceSession (one thread) on the graph at ``path``, or, where the
    artifact has none and ``required`` is False, on the graph ``build()`` makes from the weights
    in memory (an artifact kept without its graph, as the results archive keeps them, still
    runs at the graph's speed: a 20-member ensemble is over 10x slower per step under torch).
    None where there can be none and ``required`` is False."""
    try:
        import onnxruntime as ort
    except ImportError:
        if required:
            raise RewardError("engine='onnx' needs onnxruntime (pip install onnxruntime)") from None
        return None
    on_disk = path.is_file()
    if not on_disk and required:
        raise RewardError(f"engine='onnx' needs {path}, which is missing")
    options = ort.SessionOptions()
    options.intra_op_num_threads = options.inter_op_num_threads = 1
    options.log_severity_level = 3  # errors only
    source = f"{path}" if on_disk else f"the graph built from the weights ({path} is missing)"
    try:
        return ort.InferenceSession(str(path) if on_disk else build(), options, providers=["CPUExecutionProvider"])
    except Exception as exc:  # onnxruntime and the exporter raise their own exception types
        if required:
            raise RewardError(f"onnxruntime cannot load {source} ({exc})") from None
        warnings.warn(f"onnxruntime cannot load {source} ({exc}); the reward runs under torch", stacklevel=3)
        return None


def _check_onnx_agrees(ort_session: Any, module: RewardModule, obs_space: gym.Space, act_space: gym.Space,
                       folder: Path, batch: int = 32) -> None:
    """RewardError unless the graph gives the torch network's rewards on a seeded probe batch
    spread over the demos' observation range (the graph is not trusted over the weights)."""
    rng = np.random.default_rng(0)
    norm = module.energy.normalize
    mean, std = norm.mean.numpy()[:obs_dim(obs_space)], norm.std.numpy()[:obs_dim(obs_space)]
    obs, next_obs = ((mean + 2 * std * rng.standard_normal((batch, mean.size))).astype(np.float32)
                     .reshape(batch, *obs_space.shape) for _ in range(2))
    if isinstance(act_space, gym.spaces.Discrete):
        acts = rng.integers(int(act_space.n), size=batch).astype(np.int64)
    else:
        low, high = act_space.low.astype(np.float64), act_space.high.astype(np.float64)
        bounded = np.isfinite(low) & np.isfinite(high)  # uniform in a bounded box, else clipped normal
        uniform = rng.uniform(np.where(bounded, low, 0), np.where(bounded, high, 1), size=(batch, *act_space.shape))
        normal = np.clip(3 * rng.standard_normal((batch, *act_space.shape)), low, high)
        acts = np.where(bounded, uniform, normal).astype(np.float32)
    done = (np.arange(batch) % 4 == 0).astype(np.float32)
    with torch.no_grad():
        expected = module(*(torch.from_numpy(x) for x in (obs, acts, next_obs, done))).numpy()
    try:
        got = ort_session.run(None, {"obs": obs, "acts": acts, "next_obs": next_obs, "done": done})[0]
    except Exception as exc:
        raise RewardError(f"{folder / ONNX} does not take this reward's inputs ({exc})") from None
    scale = 1.0 + float(np.abs(expected).max())
    if got.shape != expected.shape or not np.allclose(got, expected, rtol=1e-4, atol=1e-4 * scale):
        raise RewardError(f"{folder / ONNX} does not give the rewards of {folder / WEIGHTS} "
                          "(they were not exported together, or the manifest was edited)")


def _random_policy_min_reward(module: RewardModule, env_id: str) -> float:
    """min over FLOOR_EPISODES uniform-random episodes of the step reward (r_abs not subtracted)."""
    from irl.rl.sb3_adapter import uniform_random_episodes

    t = uniform_random_episodes(env_id, episodes=FLOOR_EPISODES, seed=FLOOR_SEED)
    with torch.no_grad():
        rewards = module(torch.as_tensor(t.obs), torch.as_tensor(t.acts), torch.as_tensor(t.next_obs),
                         torch.as_tensor(t.terminated, dtype=torch.float32)) + module.offset
    return float(rewards.min())


def _check_manifest(manifest: Any, folder: Path) -> None:
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise RewardError(f"{folder / MANIFEST} is not an irl reward manifest (format {FORMAT!r} expected)")
    version = manifest.get("version")
    if not isinstance(version, int) or version < 1:
        raise RewardError(f"{folder / MANIFEST}: version must be a positive integer, found {version!r}")
    if version > VERSION:
        raise RewardError(f"{folder} was written by a newer irl (format version {version}, this irl reads "
                          f"up to {VERSION}); upgrade irl")
    required = ("energy", "gamma", "observation_space", "action_space", "env_id", "sha256")
    absent = [key for key in required if key not in manifest]
    if absent:
        raise RewardError(f"{folder / MANIFEST} lacks {', '.join(absent)}")
    if not isinstance(manifest["sha256"], dict) or WEIGHTS not in manifest["sha256"]:
        raise RewardError(f"{folder / MANIFEST} carries no sha256 of {WEIGHTS}")
    if version >= 3 and manifest.get("manifest_sha256") != _manifest_sha256(manifest):
        raise RewardError(f"{folder / MANIFEST} does not match its manifest_sha256: its fields (γ, "
                          "normalisation, env id, ...) were edited after export; export the reward again")


def _manifest_sha256(manifest: dict[str, Any]) -> str:
    """sha256 of every field of the manifest but manifest_sha256 itself, as canonical JSON."""
    fields = {k: v for k, v in manifest.items() if k != "manifest_sha256"}
    return hashlib.sha256(json.dumps(fields, sort_keys=True, separators=(",", ":")).encode()).hexdigest()


def _check_weights(found: dict[str, torch.Tensor], expected: dict[str, torch.Tensor], where: Path) -> None:
    members = {k.split(".")[1] for k in expected if k.startswith("members.")}
    have = {k.split(".")[1] for k in found if k.startswith("members.")} & members
    if have != members:
        raise RewardError(f"{where}: holds {len(have)} of the ensemble's {len(members)} members (missing "
                          f"{', '.join(sorted(members - have, key=int))}); export the run again")
    if set(found) != set(expected):
        extra, absent = sorted(set(found) - set(expected)), sorted(set(expected) - set(found))
        raise RewardError(f"{where}: weights do not match the manifest's energy (unexpected {extra[:5]}, "
                          f"missing {absent[:5]}{' and more' if len(extra) > 5 or len(absent) > 5 else ''})")
    for name, tensor in expected.items():
        if tuple(found[name].shape) != tuple(tensor.shape):
            raise RewardError(f"{where}: weight {name} has shape {tuple(found[name].shape)}, "
                              f"the manifest's energy expects {tuple(tensor.shape)}")
        if not torch.isfinite(found[name]).all():
            raise RewardError(f"{where}: weight {name} holds NaN or inf")


def _onnx_bytes(module: RewardModule, obs_space: gym.Space, act_space: gym.Space) -> bytes:
    """The reward's ONNX graph, made in memory (as ``irl export`` writes it to reward.onnx)."""
    graph = io.BytesIO()
    _export_onnx(module, obs_space, act_space, graph)
    return graph.getvalue()


def _export_onnx(module: RewardModule, obs_space: gym.Space, act_space: gym.Space, path: Path | io.BytesIO) -> None:
    batch = 2
    obs = torch.zeros(batch, *obs_space.shape)
    if isinstance(act_space, gym.spaces.Discrete):
        acts = torch.zeros(batch, dtype=torch.int64)
    else:
        acts = torch.zeros(batch, *act_space.shape)
    names = ["obs", "acts", "next_obs", "done"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the TorchScript exporter's deprecation notice
        torch.onnx.export(module, (obs, acts, obs.clone(), torch.zeros(batch)), path, input_names=names,
                          output_names=["reward"], dynamic_axes={n: {0: "batch"} for n in [*names, "reward"]},
                          opset_version=17, dynamo=False)


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()
