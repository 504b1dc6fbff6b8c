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
from collections.abc import Callable

import numpy as np

from irl.data.demos import load_demos
from irl.errors import IrlError


def tilt(quaternion: np.ndarray) -> np.ndarray:
    """(N,) angle in [0, pi] between a body's up axis and the world's, from (N, 4) unit quaternions
    (w, x, y, z): the z component of the rotated up axis is 1 - 2 (x^2 + y^2)."""
    q = quaternion / np.linalg.norm(quaternion, axis=1, keepdims=True)
    return np.arccos(np.clip(1.0 - 2.0 * (q[:, 1] ** 2 + q[:, 2] ** 2), -1.0, 1.0))


def _planar(pitch_i: int, speed_i: int) -> Callable[[np.ndarray], tuple[np.ndarray, np.ndarray]]:
    return lambda obs: (obs[:, pitch_i], obs[:, speed_i])


# env id -> obs (N, D) -> (N,) torso angle off upright (rad; signed pitch for the planar runners,
# Ant's tilt from its orientation quaternion obs[1:5]) and (N,) forward speed; Gymnasium v5 layouts.
LAYOUT: dict[str, Callable[[np.ndarray], tuple[np.ndarray, np.ndarray]]] = {
    "HalfCheetah-v5": _planar(1, 8), "Hopper-v5": _planar(1, 5), "Walker2d-v5": _planar(1, 8),
    "Ant-v5": lambda obs: (tilt(obs[:, 1:5]), obs[:, 13]),
}


def angle_and_speed(env_id: str, obs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(N,) torso angle off upright and (N,) forward speed of ``env_id``'s observations (N, D)."""
    return LAYOUT[env_id](obs)


def posture_rows(path: str, pitch_limit: float) -> tuple[str, list[dict[str, float]]]:
    """(env id, one dict per episode) for the demo file at ``path``."""
    demos = load_demos(path)
    env_id = demos.env_id
    if env_id not in LAYOUT:
        raise IrlError(f"{path}: posture needs one of {sorted(LAYOUT)}, the card says {env_id!r}")
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
