"""Write the foreign-format demo fixtures with the tools that own those formats.

Not part of the test run: the files it writes are committed. Run it in a virtualenv
with imitation 1.0, datasets, minari[create] and pillow (none of which irl needs):

    python tests/data/foreign/make_fixtures.py

Writes, next to this file:
    imitation-pendulum/        imitation.data.serialize.save (HuggingFace datasets), Box actions, with rewards
    imitation-cartpole/        the same for CartPole-v1 (Discrete actions, episodes that terminate), no rewards
    imitation-legacy-pendulum.npz   imitation < 1.0's numpy format (types.save of imitation 0.3/0.4)
    minari-pendulum-hdf5/      a Minari 0.5 dataset, HDF5 storage
    minari-cartpole-arrow/     a Minari 0.5 dataset, Arrow storage
and for each, NAME.expected.npz: the transitions as the owning tool's own loader reads them
(imitation.data.serialize.load, minari.load_dataset), flattened to irl's arrays.
"""

import os
import shutil
from pathlib import Path

import gymnasium as gym
import numpy as np

HERE = Path(__file__).parent


def imitation_sets() -> None:
    from imitation.data import rollout, serialize
    from imitation.data.types import Trajectory
    from imitation.data.wrappers import RolloutInfoWrapper
    from stable_baselines3.common.vec_env import DummyVecEnv

    for env_id, name, keep_rews in (("Pendulum-v1", "imitation-pendulum", True), ("CartPole-v1", "imitation-cartpole", False)):
        limit = 40 if env_id == "CartPole-v1" else None  # Pendulum: its own 200-step limit
        venv = DummyVecEnv([lambda: RolloutInfoWrapper(gym.make(env_id, max_episode_steps=limit))])
        venv.seed(0)
        trajs = rollout.rollout(None, venv, rollout.make_sample_until(min_episodes=3), rng=np.random.default_rng(0))
        if not keep_rews:
            trajs = [Trajectory(t.obs, t.acts, t.infos, t.terminal) for t in trajs]
        shutil.rmtree(HERE / name, ignore_errors=True)
        serialize.save(HERE / name, trajs)
        _expected(name, [(t.obs, t.acts, _ends(len(t), t.terminal), _ends(len(t), not t.terminal),
                          getattr(t, "rews", None)) for t in serialize.load(HERE / name)])
        if env_id == "Pendulum-v1":
            _legacy_npz(HERE / "imitation-legacy-pendulum.npz", trajs)
            _expected("imitation-legacy-pendulum", [(t.obs, t.acts, _ends(len(t), t.terminal),
                                                     _ends(len(t), not t.terminal), t.rews)
                                                    for t in serialize.load(HERE / "imitation-legacy-pendulum.npz")])


def _ends(n: int, flag: bool) -> np.ndarray:
    out = np.zeros(n, dtype=bool)
    out[-1] = flag
    return out


def _expected(name: str, episodes) -> None:
    """Episodes of (obs (T+1, ...), acts (T, ...), terminated (T,), truncated (T,), rews (T,) or None)."""
    arrays = {"obs": np.concatenate([e[0][:-1] for e in episodes]), "acts": np.concatenate([e[1] for e in episodes]),
              "next_obs": np.concatenate([e[0][1:] for e in episodes]),
              "terminated": np.concatenate([e[2] for e in episodes]),
              "truncated": np.concatenate([e[3] for e in episodes])}
    if episodes[0][4] is not None:
        arrays["rews"] = np.concatenate([e[4] for e in episodes])
    np.savez_compressed(HERE / f"{name}.expected.npz", **arrays)


def _legacy_npz(path: Path, trajs) -> None:
    """imitation 0.3/0.4 ``types.save``: episodes concatenated, one more obs per episode than acts."""
    np.savez_compressed(path, obs=np.concatenate([t.obs for t in trajs]), acts=np.concatenate([t.acts for t in trajs]),
                        infos=np.concatenate([np.full(len(t), {}) if t.infos is None else np.array(list(t.infos)) for t in trajs]),
                        terminal=np.array([t.terminal for t in trajs]),
                        indices=np.cumsum([len(t) for t in trajs[:-1]]),
                        rews=np.concatenate([t.rews for t in trajs]))


def minari_sets() -> None:
    import minari

    os.environ["MINARI_DATASETS_PATH"] = str(HERE / ".minari-tmp")
    for env_id, name, fmt in (("Pendulum-v1", "minari-pendulum-hdf5", "hdf5"),
                              ("CartPole-v1", "minari-cartpole-arrow", "arrow")):
        env = minari.DataCollector(gym.make(env_id, max_episode_steps=40), data_format=fmt)
        env.action_space.seed(0)
        for i in range(3):
            env.reset(seed=i)
            done = False
            while not done:
                _, _, terminated, truncated, _ = env.step(env.action_space.sample())
                done = terminated or truncated
        env.create_dataset(dataset_id=f"irltest/{name}-v0", algorithm_name="random actions")
        dataset = minari.load_dataset(f"irltest/{name}-v0")
        _expected(name, [(e.observations, e.actions, e.terminations, e.truncations, e.rewards)
                         for e in dataset.iterate_episodes()])
        shutil.rmtree(HERE / name, ignore_errors=True)
        shutil.move(HERE / ".minari-tmp" / "irltest" / f"{name}-v0", HERE / name)
    shutil.rmtree(HERE / ".minari-tmp")


if __name__ == "__main__":
    imitation_sets()
    minari_sets()
