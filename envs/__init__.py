"""irl's own Gymnasium environments (installed as ``irl.envs``; registered on ``import irl``).

    irl/PointMazeLeft-v0, irl/PointMazeRight-v0   point-mass maze, gap on the left / right
    irl/CustomAnt-v0, irl/DisabledAnt-v0          AIRL's ant and its disabled variant

Model files are MuJoCo XML in ``assets/``, loaded by path.
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
    if "irl/PointMazeLeft-v0" in gym.registry:
        return
    for gap in ("left", "right"):
        gym.register(f"irl/PointMaze{gap.capitalize()}-v0", entry_point="irl.envs.point_maze:PointMazeEnv",
                     kwargs={"gap": gap}, max_episode_steps=100)
    for name, xml in (("CustomAnt-v0", "custom_ant.xml"), ("DisabledAnt-v0", "disabled_ant.xml")):
        gym.register(f"irl/{name}", entry_point=ANT, kwargs={"xml_file": str(ASSETS / xml), **_ANT_KWARGS},
                     max_episode_steps=500)
