"""irl's own Gymnasium environments (installed as ``irl.envs``; registered on ``import irl``).

    irl/PointMazeLeft-v0, irl/PointMazeRight-v0   point-mass maze, gap on the left / right
    irl/CustomAnt-v0, irl/DisabledAnt-v0          AIRL's ant and its disabled variant

Model files are MuJoCo XML in ``assets/``, loaded by path. Gymnasium's HalfCheetah-v4
and -v5 are pointed at :mod:`irl.envs.half_cheetah`, the same env with its model built
without an attribute MuJoCo deprecates (and warns about on every load).
"""

from __future__ import annotations

from pathlib import Path

import gymnasium as gym

ASSETS = Path(__file__).resolve().parent / "assets"
ANT = "gymnasium.envs.mujoco.ant_v5:AntEnv"
# AIRL's ant: forward velocity minus control and contact costs, no alive bonus, no early end.
_ANT_KWARGS = {"healthy_reward": 0.0, "terminate_when_unhealthy": False, "ctrl_cost_weight": 0.01,
               "contact_cost_weight": 5e-4, "include_cfrc_ext_in_observation": False}


def register_envs() -> None:
    """Register the ids once (idempotent)."""
    from irl.envs.half_cheetah import GYMNASIUM_ENTRY_POINTS

    for env_id, (theirs, ours) in GYMNASIUM_ENTRY_POINTS.items():
        spec = gym.registry.get(env_id)
        if spec is not None and spec.entry_point == theirs:
            spec.entry_point = ours
    if "irl/PointMazeLeft-v0" in gym.registry:
        return
    for gap in ("left", "right"):
        gym.register(f"irl/PointMaze{gap.capitalize()}-v0", entry_point="irl.envs.point_maze:PointMazeEnv",
                     kwargs={"gap": gap}, max_episode_steps=100)
    for name, xml in (("CustomAnt-v0", "custom_ant.xml"), ("DisabledAnt-v0", "disabled_ant.xml")):
        gym.register(f"irl/{name}", entry_point=ANT, kwargs={"xml_file": str(ASSETS / xml), **_ANT_KWARGS},
                     max_episode_steps=500)
