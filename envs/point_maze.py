"""Point-mass maze of AIRL's transfer experiment (Fu, Luo, Levine 2018, sec. 7.1).

A point slides on x and y (no gravity) in a 0.6 x 0.6 arena, from near (0.3, 0)
to the target (0.3, 0.5), around a wall at y = 0.3 whose gap is on the left
(``gap='left'``: wall over x in [0.2, 0.6]) or on the right (``gap='right'``:
wall over x in [0, 0.4]). Observation: (x, y, vx, vy); action: the two motor
commands in [-1, 1]; reward -||pos' - target|| - 0.001·||a||² (pos' after the
step); 100-step episodes that never terminate.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from gymnasium import utils
from gymnasium.envs.mujoco.mujoco_env import MujocoEnv
from gymnasium.spaces import Box

ASSETS = Path(__file__).resolve().parent / "assets"
TARGET = np.array([0.3, 0.5])
START = np.array([0.3, 0.0])


class PointMazeEnv(MujocoEnv, utils.EzPickle):
    metadata = {"render_modes": ["human", "rgb_array", "depth_array"], "render_fps": 20}

    def __init__(self, gap: str = "left", *, frame_skip: int = 5, ctrl_cost_weight: float = 1e-3,
                 reset_noise_scale: float = 0.01, **kwargs) -> None:
        if gap not in ("left", "right"):
            raise ValueError(f"gap must be 'left' or 'right', got {gap!r}")
        utils.EzPickle.__init__(self, gap, frame_skip=frame_skip, ctrl_cost_weight=ctrl_cost_weight,
                                reset_noise_scale=reset_noise_scale, **kwargs)
        self.gap = gap
        self.ctrl_cost_weight = ctrl_cost_weight
        self.reset_noise_scale = reset_noise_scale
        obs_space = Box(-np.inf, np.inf, shape=(4,), dtype=np.float64)
        MujocoEnv.__init__(self, str(ASSETS / f"point_maze_{gap}.xml"), frame_skip, observation_space=obs_space,
                           default_camera_config={"distance": 1.2, "elevation": -90.0, "lookat": [0.3, 0.25, 0]},
                           **kwargs)
        self.metadata["render_fps"] = int(np.round(1.0 / self.dt))

    def step(self, action: np.ndarray):
        self.do_simulation(action, self.frame_skip)
        obs = self._get_obs()
        distance = float(np.linalg.norm(obs[:2] - TARGET))
        ctrl_cost = self.ctrl_cost_weight * float(np.sum(np.square(action)))
        info = {"distance": distance, "reward_dist": -distance, "reward_ctrl": -ctrl_cost}
        if self.render_mode == "human":
            self.render()
        return obs, -distance - ctrl_cost, False, False, info

    def reset_model(self) -> np.ndarray:
        noise = self.reset_noise_scale
        qpos = START + self.np_random.uniform(-noise, noise, size=2)
        qvel = self.np_random.uniform(-noise, noise, size=2)
        self.set_state(qpos, qvel)
        return self._get_obs()

    def _get_obs(self) -> np.ndarray:
        return np.concatenate([self.data.qpos.flat, self.data.qvel.flat]).astype(np.float64)


def point_maze_reward(obs: np.ndarray, acts: np.ndarray, next_obs: np.ndarray) -> np.ndarray:
    """The maze's true reward as a function of (s, a, s'), batched: (N,)."""
    distance = np.linalg.norm(next_obs[:, :2] - TARGET, axis=1)
    return -distance - 1e-3 * np.sum(np.square(acts.reshape(len(acts), -1)), axis=1)
