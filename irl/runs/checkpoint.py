"""Checkpoints of a training run: everything to continue bit for bit, as data.

A checkpoint is a folder ``RUN/checkpoint/`` with ``state.safetensors`` (every
tensor: policy, its optimiser, the energy, its optimiser, replayed rollouts, last
observations, RNG states, env physics) and ``state.json`` (counters, optimiser
layouts, env wrappers' counters, RNG states of numpy's and the envs' generators).
Nothing is pickled. Writes are atomic: the new checkpoint is written to a
temporary folder, fsynced, and renamed over the old one, which survives any
failure before the rename.
"""

from __future__ import annotations

import json
import os
import random
import shutil
from pathlib import Path
from typing import Any

import numpy as np
import torch
from safetensors.torch import load_file, save_file

from irl.errors import RunDirError

NAME = "checkpoint"


def save_checkpoint(run: Path, tensors: dict[str, torch.Tensor], meta: dict[str, Any]) -> Path:
    """Write (tensors, meta) plus the global RNG states to ``run/checkpoint`` atomically."""
    rng_tensors, rng_meta = global_rng_state()
    tensors = {**tensors, **rng_tensors}
    meta = {**meta, "rng": rng_meta}
    final, tmp = run / NAME, run / f".{NAME}.tmp"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    save_file({k: v.detach().contiguous().clone() for k, v in tensors.items()}, str(tmp / "state.safetensors"))
    (tmp / "state.json").write_text(json.dumps(meta))
    for name in ("state.safetensors", "state.json"):
        with open(tmp / name, "rb") as f:
            os.fsync(f.fileno())
    old = run / f".{NAME}.old"
    shutil.rmtree(old, ignore_errors=True)
    if final.exists():
        final.rename(old)
    tmp.rename(final)
    shutil.rmtree(old, ignore_errors=True)
    return final


def load_checkpoint(run: Path) -> tuple[dict[str, torch.Tensor], dict[str, Any]]:
    """Read ``run/checkpoint`` (or the previous one if a save was cut off mid-rename) and
    restore the global RNG states."""
    folder = run / NAME
    if not (folder / "state.json").is_file() and (run / f".{NAME}.old" / "state.json").is_file():
        folder = run / f".{NAME}.old"  # killed between the two renames of a save
    if not (folder / "state.json").is_file() or not (folder / "state.safetensors").is_file():
        raise RunDirError(f"{run} has no checkpoint to resume from (expected {run / NAME}/state.json)")
    try:
        tensors = load_file(str(folder / "state.safetensors"))
        meta = json.loads((folder / "state.json").read_text())
    except Exception as exc:  # noqa: BLE001 - any unreadable checkpoint is the same problem for the user
        raise RunDirError(f"the checkpoint in {folder} is unreadable ({type(exc).__name__}: {exc})") from None
    set_global_rng_state({k: v for k, v in tensors.items() if k.startswith("rng.")}, meta["rng"])
    return tensors, meta


def global_rng_state() -> tuple[dict[str, torch.Tensor], dict[str, Any]]:
    """python's, numpy's (legacy global) and torch's RNG states."""
    kind, keys, pos, has_gauss, cached = np.random.get_state()
    py_version, py_state, py_gauss = random.getstate()
    return ({"rng.torch": torch.get_rng_state(), "rng.numpy_keys": torch.as_tensor(keys.astype(np.int64))},
            {"numpy": [kind, int(pos), int(has_gauss), float(cached)],
             "python": [py_version, list(py_state), py_gauss]})


def set_global_rng_state(tensors: dict[str, torch.Tensor], meta: dict[str, Any]) -> None:
    torch.set_rng_state(tensors["rng.torch"])
    kind, pos, has_gauss, cached = meta["numpy"]
    np.random.set_state((kind, tensors["rng.numpy_keys"].numpy().astype(np.uint32), pos, has_gauss, cached))
    version, state, gauss = meta["python"]
    random.setstate((version, tuple(state), gauss))
