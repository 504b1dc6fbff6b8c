"""irl's environments: registration, Gymnasium's checker, and the geometry that matters."""

import gymnasium as gym
import mujoco
import numpy as np
import pytest
from gymnasium.utils.env_checker import check_env
from irl.envs import ASSETS
from irl.envs.point_maze import point_maze_reward

import irl  # noqa: F401 - registers the ids

IDS = ["irl/PointMazeLeft-v0", "irl/PointMazeRight-v0", "irl/CustomAnt-v0", "irl/DisabledAnt-v0"]


@pytest.mark.parametrize("env_id", IDS)
def test_env_passes_gymnasiums_checker(env_id):
    env = gym.make(env_id)
    check_env(env.unwrapped, skip_render_check=True)
    assert env.spec.max_episode_steps == (100 if "Maze" in env_id else 500)


def _drive(env_id: str, waypoints: list[tuple[float, float]], steps_each: int = 50) -> np.ndarray:
    """Steer the point through ``waypoints`` with a PD controller; returns the final (x, y)."""
    env = gym.make(env_id, max_episode_steps=10_000)
    obs, _ = env.reset(seed=0)
    for wp in waypoints:
        for _ in range(steps_each):
            act = np.clip(20 * (np.array(wp) - obs[:2]) - 2 * obs[2:], -1, 1)
            obs, *_ = env.step(act)
    return obs[:2]


@pytest.mark.parametrize("gap, open_x, closed_x", [("Left", 0.1, 0.5), ("Right", 0.5, 0.1)])
def test_the_maze_wall_leaves_the_gap_on_the_named_side(gap, open_x, closed_x):
    env_id = f"irl/PointMaze{gap}-v0"
    through = _drive(env_id, [(open_x, 0.1), (open_x, 0.5), (0.3, 0.5)])
    assert np.linalg.norm(through - [0.3, 0.5]) < 0.03  # reached the target through the gap
    blocked = _drive(env_id, [(closed_x, 0.1), (closed_x, 0.5)])
    assert blocked[1] < 0.3  # the wall stops it
    assert _drive(env_id, [(0.3, 0.5)])[1] < 0.3  # straight up from the start is blocked in both


def test_maze_reward_function_matches_the_env():
    env = gym.make("irl/PointMazeLeft-v0")
    obs, _ = env.reset(seed=1)
    for _ in range(10):
        act = env.action_space.sample()
        nxt, r, *_ = env.step(act)
        assert point_maze_reward(obs[None], act[None], nxt[None])[0] == pytest.approx(r)
        obs = nxt


def _leg(model, name: str) -> tuple[float, float]:
    """Lengths of a leg's thigh and ankle capsules."""
    size = [model.geom(f"{name}_{part}_geom").size[1] * 2 for part in ("thigh", "ankle")]  # capsule half-length
    return tuple(round(float(s), 4) for s in size)


def test_disabled_ant_has_halved_front_legs_and_gear_one_on_them():
    custom = mujoco.MjModel.from_xml_path(str(ASSETS / "custom_ant.xml"))
    disabled = mujoco.MjModel.from_xml_path(str(ASSETS / "disabled_ant.xml"))
    root2 = np.sqrt(2)
    for front in ("front_left_leg", "front_right_leg"):
        assert _leg(custom, front) == pytest.approx((0.2 * root2, 0.4 * root2), abs=1e-3)
        assert _leg(disabled, front) == pytest.approx((0.1 * root2, 0.2 * root2), abs=1e-3)
    for back in ("back_leg", "right_back_leg"):
        assert _leg(disabled, back) == _leg(custom, back)

    def gears(model):
        return {model.joint(model.actuator_trnid[i, 0]).name: model.actuator_gear[i, 0] for i in range(model.nu)}

    assert set(gears(custom).values()) == {30.0}
    assert gears(disabled) == {**{j: 1.0 for j in ("hip_1", "ankle_1", "hip_2", "ankle_2")},
                               **{j: 30.0 for j in ("hip_3", "ankle_3", "hip_4", "ankle_4")}}
    # the front legs are the ones on the eye side (+y)
    assert all(custom.body(f"{leg}_hip").pos[1] > 0 for leg in ("front_left_leg", "front_right_leg"))


def _mujoco_warnings(make) -> list[str]:
    """MuJoCo's warnings (C level, printed by default) while ``make()`` runs."""
    seen: list[str] = []
    previous = mujoco.get_mju_user_warning()
    mujoco.set_mju_user_warning(seen.append)
    try:
        make()
    finally:
        mujoco.set_mju_user_warning(previous)
    return seen


@pytest.mark.parametrize("env_id", ["HalfCheetah-v5", "HalfCheetah-v4", *IDS])
def test_envs_build_their_models_without_mujoco_warnings(env_id):
    assert _mujoco_warnings(lambda: gym.make(env_id).reset(seed=0)) == []


def test_irls_model_files_use_no_deprecated_attribute():
    for path in sorted(ASSETS.glob("*.xml")):
        assert _mujoco_warnings(lambda: mujoco.MjModel.from_xml_path(str(path))) == [], path.name


def test_half_cheetah_built_the_current_way_is_gymnasiums_model_and_dynamics():
    """The same arrays, statistics and trajectories as the deprecated compiler attribute gives."""
    from gymnasium.envs.mujoco.half_cheetah_v5 import HalfCheetahEnv

    ours, theirs = gym.make("HalfCheetah-v5").unwrapped, HalfCheetahEnv()
    assert type(ours).__name__ == "HalfCheetahV5" and isinstance(ours, HalfCheetahEnv)
    for name in ("body_mass", "body_inertia", "body_subtreemass", "dof_M0", "dof_invweight0", "body_invweight0",
                 "actuator_acc0", "geom_size"):
        np.testing.assert_array_equal(getattr(ours.model, name), getattr(theirs.model, name), err_msg=name)
    assert ours.model.stat.meanmass == theirs.model.stat.meanmass
    assert ours.model.stat.meaninertia == theirs.model.stat.meaninertia
    rng = np.random.default_rng(0)
    a, b = ours.reset(seed=3)[0], theirs.reset(seed=3)[0]
    for _ in range(300):
        np.testing.assert_array_equal(a, b)
        action = rng.uniform(-1, 1, 6)
        (a, ra, *_), (b, rb, *_) = ours.step(action), theirs.step(action)
        assert ra == rb
