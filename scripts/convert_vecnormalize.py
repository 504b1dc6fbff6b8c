"""Convert an SB3 / rl-zoo3 ``vecnormalize.pkl`` into irl's pickle-free statistics file.

    python scripts/convert_vecnormalize.py path/to/vecnormalize.pkl path/to/policy.zip

irl never unpickles files it is handed; this script does, once, on a file you
trust, and writes ``policy.obs_norm.npz`` next to the policy so that
``irl collect --expert path/to/policy.zip`` normalises observations the way the
policy was trained.
"""

from __future__ import annotations

import argparse
import pickle
from pathlib import Path

import numpy as np


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("pkl", type=Path)
    parser.add_argument("policy", type=Path)
    args = parser.parse_args()
    with args.pkl.open("rb") as f:
        norm = pickle.load(f)  # noqa: S301 - an explicit, user-run conversion of a trusted file
    out = args.policy.with_name(args.policy.stem + ".obs_norm.npz")
    if out.exists():
        raise SystemExit(f"{out} already exists; remove it first")
    np.savez(out, mean=norm.obs_rms.mean, var=norm.obs_rms.var, count=np.float64(norm.obs_rms.count),
             clip_obs=np.float64(norm.clip_obs), epsilon=np.float64(norm.epsilon))
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
