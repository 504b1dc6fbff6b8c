"""Posture of MuJoCo runners in demo files: does each episode run upright?

    python scripts/posture.py demos/halfcheetah-v5.npz
    irl collect --env HalfCheetah-v5 --expert RUN/policy.zip --episodes 20 --out /tmp/r.npz && \
        python scripts/posture.py /tmp/r.npz

Prints, per episode: true return, length, mean forward speed, and the fraction
of steps with the torso pitched past ``--pitch`` rad either way (nose down or up:
HalfCheetah's head-down crawl) and past pi/2 (on its back). For Ant the angle is the
torso's tilt: between its up axis and the world's, from the orientation quaternion. Made to vet an
expert before recording it and to tell why an imitator scores low
(docs/notes/2026-11-28-halfcheetah-warm-start.md). Reads obs only, so it works on any file ``irl.load_demos``
reads.
"""

from __future__ import annotations

import argparse

import numpy as np

from irl.data.demos import load_demos
from irl.errors import IrlError

# env id -> (index of the torso pitch angle in obs, index of the forward velocity), Gymnasium v5 layouts.
LAYOUT = {"HalfCheetah-v5": (1, 8), "Hopper-v5": (1, 5), "Walker2d-v5": (1, 8)}
# Ant-v5: obs[1:5] is the torso's orientation quaternion (w, x, y, z), obs[13] the forward velocity.
ANT_QUATERNION, ANT_SPEED = slice(1, 5), 13


def tilt(quaternion: np.ndarray) -> np.ndarray:
    """(N,) angle in [0, pi] between a body's up axis and the world's, from (N, 4) unit quaternions
    (w, x, y, z): the z component of the rotated up axis is 1 - 2 (x^2 + y^2)."""
    q = quaternion / np.linalg.norm(quaternion, axis=1, keepdims=True)
    return np.arccos(np.clip(1.0 - 2.0 * (q[:, 1] ** 2 + q[:, 2] ** 2), -1.0, 1.0))


def angle_and_speed(env_id: str, obs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(N,) torso angle off upright (rad, signed for the planar runners) and (N,) forward speed."""
    if env_id == "Ant-v5":
        return tilt(obs[:, ANT_QUATERNION]), obs[:, ANT_SPEED]
    pitch_i, speed_i = LAYOUT[env_id]
    return obs[:, pitch_i], obs[:, speed_i]


def posture_rows(path: str, pitch_limit: float) -> tuple[str, list[dict[str, float]]]:
    """(env id, one dict per episode) for the demo file at ``path``."""
    demos = load_demos(path)
    env_id = demos.env_id
    if env_id not in LAYOUT and env_id != "Ant-v5":
        raise IrlError(f"{path}: posture needs one of {sorted([*LAYOUT, 'Ant-v5'])}, the card says {env_id!r}")
    returns = demos.episode_returns
    rows = []
    for k, s in enumerate(demos.transitions.episode_slices()):
        pitch, speed = angle_and_speed(env_id, demos.transitions.obs[s])
        rows.append({"episode": k, "return": float(returns[k]) if len(returns) else float("nan"),
                     "length": len(pitch), "speed": float(speed.mean()),
                     "pitched": float((np.abs(pitch) > pitch_limit).mean()),
                     "on_back": float((np.abs(pitch) > np.pi / 2).mean())})
    return env_id, rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("files", nargs="+")
    parser.add_argument("--pitch", type=float, default=0.3, help="rad; steps pitched past it count as pitched")
    args = parser.parse_args()
    for path in args.files:
        try:
            env_id, rows = posture_rows(path, args.pitch)
        except IrlError as e:
            raise SystemExit(f"error: {e}") from None
        print(f"{path} ({env_id}): {len(rows)} episodes")
        print(f"  {'ep':>3} {'return':>9} {'length':>6} {'speed':>6} {'pitched':>8} {'on back':>8}")
        for r in rows:
            print(f"  {r['episode']:>3} {r['return']:>9.1f} {r['length']:>6} {r['speed']:>6.2f} "
                  f"{r['pitched']:>8.0%} {r['on_back']:>8.0%}")
        steps = np.array([r["length"] for r in rows])
        pitched = np.array([r["pitched"] for r in rows])
        print(f"  all steps: {np.sum(pitched * steps) / steps.sum():.0%} pitched past {args.pitch} rad; "
              f"{sum(p > 0.1 for p in pitched)} of {len(rows)} episodes pitched in more than 10% of their steps")


if __name__ == "__main__":
    main()
