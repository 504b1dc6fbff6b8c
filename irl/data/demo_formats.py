"""Demonstrations written by other tools, read as plain data (nothing is unpickled).

The formats it reads::

    =================================  ==========================================================
    imitation >= 1.0                   ``imitation.data.serialize.save``: a HuggingFace
                                       ``datasets`` folder of Arrow files, one row per trajectory
                                       (obs (T+1, ...), acts (T, ...), terminal, rews). Needs pyarrow.
                                       The ``infos`` column (jsonpickle, which can build objects)
                                       is never decoded.
    imitation < 1.0                    an ``.npz`` of concatenated trajectories (obs, acts,
                                       terminal, indices, rews); its pickled ``infos`` array is
                                       never loaded.
    Minari (0.4, 0.5)                  a dataset folder (``data/metadata.json`` with HDF5 or
                                       Arrow storage) or its ``main_data.hdf5``. Needs h5py for
                                       HDF5, pyarrow for Arrow.
    D4RL HDF5                          an ``.hdf5`` with flat arrays (observations, actions,
                                       next_observations, terminals, timeouts, rewards). Needs h5py.
    =================================  ==========================================================

Every reader returns named arrays in irl's format (``irl.data.demos``) plus a card, so the
usual validation applies. imitation's ``terminal`` flag says an episode *finished*, not
why: such demos carry ``"ends": "done"`` in their card and
:func:`irl.data.demos.check_against_env` reads an episode that lasted the env's time limit as
truncated and any shorter one as terminated.
"""

from __future__ import annotations

import json
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterable, Iterator, NamedTuple

import numpy as np

from irl.data.demo_arrays import AMBIGUOUS_ENDS, bool_array, read_npz
from irl.data.demo_arrays import MAX_DEMO_BYTES as MAX_BYTES
from irl.errors import DemoError

INSTALL_HINT = "pip install 'irl[formats]'"


class Episode(NamedTuple):
    """One episode as other tools store it: one more observation than actions."""

    obs: np.ndarray         # (T+1, *obs_shape)
    acts: np.ndarray        # (T, *act_shape) or (T,)
    terminated: np.ndarray  # (T,) bool
    truncated: np.ndarray   # (T,) bool
    rews: np.ndarray | None  # (T,) or None


def is_foreign(path: Path) -> bool:
    """Whether ``path`` is one of the formats above (else irl's own .npz is assumed)."""
    if path.is_dir() or path.suffix in (".hdf5", ".h5"):
        return True
    return path.suffix == ".npz" and _is_legacy_imitation_npz(path)


def read_foreign(path: Path) -> dict[str, np.ndarray]:
    """Arrays in irl's format (obs, acts, next_obs, terminated, truncated, [rews], metadata)."""
    if path.is_dir():
        if (path / "state.json").is_file() or (path / "dataset_info.json").is_file():
            return _imitation_datasets(path)
        data = path / "data" if (path / "data" / "metadata.json").is_file() else path
        if (data / "metadata.json").is_file():
            return _minari(data)
        raise DemoError(f"{path} is a folder but neither an imitation dataset (state.json, *.arrow) nor a Minari "
                        f"dataset (data/metadata.json); give a demo .npz or one of those")
    if path.suffix in (".hdf5", ".h5"):
        if path.name == "main_data.hdf5" and (path.parent / "metadata.json").is_file():
            return _minari(path.parent)
        flat = _d4rl_hdf5(path)
        return flat if flat is not None else _to_arrays(_minari_hdf5(path), {"source": f"Minari {path}"}, path)
    return _legacy_imitation(path)


# --- imitation ---------------------------------------------------------------------------

def _imitation_datasets(folder: Path) -> dict[str, np.ndarray]:
    _need("pyarrow", "an imitation dataset")
    files = sorted(folder.glob("data-*.arrow")) or sorted(folder.glob("*.arrow"))
    if not files:
        raise DemoError(f"{folder}: an imitation (HuggingFace datasets) folder without .arrow files")
    table = _read_arrow(files, stream=True, where=folder)
    missing = {"obs", "acts", "terminal"} - set(table.column_names)
    if missing:
        raise DemoError(f"{folder}: missing column(s) {sorted(missing)}; found {table.column_names}")
    with _arrow_errors(folder):
        obs, acts = (_per_row(table.column(c), f"{folder}: {c}") for c in ("obs", "acts"))
        rews = _per_row(table.column("rews"), f"{folder}: rews") if "rews" in table.column_names else [None] * len(obs)
        where = f"{folder}: terminal"
        terminal = _flags(_column_numpy(table.column("terminal"), where), len(obs), where)
    episodes = [_imitation_episode(*parts) for parts in zip(obs, acts, terminal, rews)]
    return _to_arrays(episodes, {"source": f"imitation dataset {folder}", "ends": AMBIGUOUS_ENDS}, folder)


def _is_legacy_imitation_npz(path: Path) -> bool:
    import zipfile

    try:
        with zipfile.ZipFile(path) as archive:
            names = {n.removesuffix(".npy") for n in archive.namelist()}
    except Exception:  # noqa: BLE001 - any unreadable zip is not this format; read_npz reports it
        return False
    return {"obs", "acts", "terminal", "indices"} <= names and "next_obs" not in names


def _legacy_imitation(path: Path) -> dict[str, np.ndarray]:
    """imitation 0.3/0.4 ``types.save``: obs has one more row per trajectory than acts."""

    arrays = read_npz(path, skip={"infos"})
    missing = {"obs", "acts", "terminal", "indices"} - set(arrays)
    if missing:
        raise DemoError(f"{path}: missing array(s) {sorted(missing)} of imitation's npz format")
    obs, acts, indices = arrays["obs"], arrays["acts"], arrays["indices"]
    if obs.ndim == 0 or acts.ndim == 0:
        raise DemoError(f"{path}: obs and acts must have one row per step, found shapes {obs.shape}, {acts.shape}")
    terminal = _flags(arrays["terminal"], None, f"{path}: terminal")
    n = len(terminal)
    if indices.size == 0:  # one trajectory: imitation wrote np.cumsum([]), an empty float array
        indices = np.zeros(0, dtype=np.int64)
    if indices.shape != (max(n - 1, 0),) or indices.dtype.kind not in "iu":
        raise DemoError(f"{path}: indices must be {max(n - 1, 0)} integers (one per trajectory but the last), "
                        f"found {indices.dtype} {indices.shape}")
    if len(obs) != len(acts) + n:
        raise DemoError(f"{path}: obs has {len(obs)} rows, expected {len(acts) + n} (acts plus one per trajectory)")
    if len(indices) and (np.any(np.diff(indices) <= 0) or indices[0] <= 0 or indices[-1] >= len(acts)):
        raise DemoError(f"{path}: indices must rise strictly inside (0, {len(acts)}), found {indices.tolist()[:5]}...")
    if "rews" in arrays and arrays["rews"].shape != (len(acts),):
        raise DemoError(f"{path}: rews must have shape ({len(acts)},) like acts' rows, found {arrays['rews'].shape}")
    rews = np.split(arrays["rews"], indices) if "rews" in arrays else [None] * n
    episodes = [_imitation_episode(*parts) for parts in zip(np.split(obs, indices + np.arange(1, n)),
                                                                  np.split(acts, indices), terminal, rews)]
    return _to_arrays(episodes, {"source": f"imitation < 1.0 npz {path}", "ends": AMBIGUOUS_ENDS}, path)


def _imitation_episode(obs: np.ndarray, acts: np.ndarray, terminal: Any, rews: np.ndarray | None) -> Episode:
    """imitation's ``terminal`` is True when the episode finished (terminated or time limit)
    and False when the rollout was cut; the former is resolved against the env later."""
    finished, cut = np.zeros(len(acts), dtype=bool), np.zeros(len(acts), dtype=bool)
    if len(acts):
        (finished if terminal else cut)[-1] = True
    return Episode(obs, acts, finished, cut, rews)


# --- Minari ------------------------------------------------------------------------------

def _minari(data: Path) -> dict[str, np.ndarray]:
    where = data / "metadata.json"
    try:
        meta = json.loads(where.read_text())
        spec = meta.get("env_spec") if isinstance(meta, dict) else None
        spec = json.loads(spec) if isinstance(spec, str) else spec or {}
        obs_shape, act_shape = (_box_shape(meta.get(k)) for k in ("observation_space", "action_space"))
    except (json.JSONDecodeError, OSError, UnicodeDecodeError, TypeError, ValueError) as exc:
        raise DemoError(f"{where}: not valid Minari metadata ({_one_line(exc)})") from None
    if not isinstance(meta, dict) or not isinstance(spec, dict):
        raise DemoError(f"{where}: not valid Minari metadata (expected a JSON object with an env_spec object)")
    fmt = meta.get("data_format", "hdf5")
    if fmt == "hdf5":
        episodes = _minari_hdf5(data / "main_data.hdf5")
    elif fmt == "arrow":
        episodes = _minari_arrow(data, obs_shape, act_shape)
    else:
        raise DemoError(f"{data}: Minari data_format {fmt!r} is not one irl reads (hdf5, arrow)")
    card = {"source": f"Minari dataset {meta.get('dataset_id', data)} ({meta.get('minari_version', '?')})",
            "env_id": spec.get("id"), "expert": meta.get("algorithm_name")}
    return _to_arrays(episodes, {k: v for k, v in card.items() if v is not None}, data)


def _minari_hdf5(path: Path) -> list[Episode]:
    h5py = _need("h5py", "a Minari HDF5 dataset")
    try:
        with h5py.File(path, "r") as f:
            names = sorted((k for k in f if k.startswith("episode_")), key=_episode_number)
            groups = [f[k] for k in names]
            fields = ("observations", "actions", "terminations", "truncations")
            for name, group in zip(names, groups):
                if not isinstance(group, h5py.Group):
                    raise DemoError(f"{path}: {name} is not an HDF5 group of arrays")
                for field in (*fields, "rewards"):
                    value = group.get(field)
                    if value is None and field == "rewards":  # optional
                        continue
                    if not (isinstance(value, h5py.Dataset) and value.ndim >= 1):
                        raise DemoError(f"{path}: {name}/{field} is missing or not an array with a row per step "
                                        f"(Dict or Tuple spaces are not supported; irl needs Box observations)")
            _check_size(sum(g[k].nbytes for g in groups for k in (*fields, "rewards") if k in g), path)
            return [Episode(*(g[k][()] for k in fields), g["rewards"][()] if "rewards" in g else None) for g in groups]
    except DemoError:
        raise
    except (OSError, KeyError, ValueError, TypeError, AttributeError) as exc:
        raise DemoError(f"{path}: not a readable Minari HDF5 file (truncated or corrupted?): "
                        f"{_one_line(exc)}") from None


def _d4rl_hdf5(path: Path) -> dict[str, np.ndarray] | None:
    """D4RL's flat layout (one row per transition at the file's root), or None if the file
    is not laid out so. Without next_observations the last state of each episode is
    unknown, so such files are refused rather than guessed."""
    h5py = _need("h5py", "an HDF5 demo file")
    names = ("observations", "actions", "next_observations", "terminals", "timeouts", "rewards")
    try:
        with h5py.File(path, "r") as f:
            if not isinstance(f.get("observations"), h5py.Dataset):
                return None
            if "next_observations" not in f:
                raise DemoError(f"{path}: a D4RL-style file without next_observations; irl needs the real next "
                                f"state of every transition, including the last of each episode")
            found = {k: f[k] for k in names if isinstance(f.get(k), h5py.Dataset)}
            flat = [k for k, d in found.items() if d.ndim == 0]
            if flat:
                raise DemoError(f"{path}: {flat} must have one row per transition, found scalars")
            _check_size(sum(d.nbytes for d in found.values()), path)
            arrays = {k: d[()] for k, d in found.items()}
    except DemoError:
        raise
    except (OSError, KeyError, ValueError, TypeError, AttributeError) as exc:
        raise DemoError(f"{path}: not a readable HDF5 file (truncated or corrupted?): "
                        f"{_one_line(exc)}") from None
    arrays["metadata"] = np.array(json.dumps({"source": f"D4RL-style HDF5 {path}"}))
    return arrays


def _minari_arrow(data: Path, obs_shape: tuple[int, ...] | None, act_shape: tuple[int, ...] | None) -> list[Episode]:
    """Arrow storage: data/<episode>/*.arrow, T+1 rows per episode, the last one padding
    except for its observation. Box values are stored flat; ``obs_shape`` / ``act_shape``
    (from metadata.json, None if not Box) give them back their shape."""
    _need("pyarrow", "a Minari Arrow dataset")
    folders = sorted((p for p in data.iterdir() if p.is_dir() and p.name.isdigit()), key=lambda p: int(p.name))
    episodes = []
    for folder in folders:
        table = _read_arrow(sorted(folder.glob("*.arrow")), stream=False, where=folder)
        missing = {"observations", "actions", "terminations", "truncations"} - set(table.column_names)
        if missing:
            raise DemoError(f"{folder}: missing Minari column(s) {sorted(missing)}; found {table.column_names}")
        with _arrow_errors(folder):
            cols = {c: _column_numpy(table.column(c), f"{folder}: {c}") for c in table.column_names
                    if c in ("observations", "actions", "terminations", "truncations", "rewards")}
        obs, acts = cols["observations"], cols["actions"][:-1]
        try:
            obs = obs if obs_shape is None else obs.reshape(len(obs), *obs_shape)
            acts = acts if act_shape is None or acts.ndim == 1 else acts.reshape(len(acts), *act_shape)
        except ValueError:
            raise DemoError(f"{folder}: observations {obs.shape} / actions {acts.shape} do not fit the spaces in "
                            f"metadata.json ({obs_shape}, {act_shape})") from None
        n = len(acts)
        episodes.append(Episode(obs, acts, _flags(cols["terminations"][:-1], n, f"{folder}: terminations"),
                                _flags(cols["truncations"][:-1], n, f"{folder}: truncations"),
                                cols["rewards"][:-1] if "rewards" in cols else None))
    if not episodes:
        raise DemoError(f"{data}: a Minari Arrow dataset without episode folders")
    return episodes


def _box_shape(space_json: Any) -> tuple[int, ...] | None:
    """The shape of a Minari space description if it is a Box (None otherwise or if absent)."""
    space = json.loads(space_json) if isinstance(space_json, str) else space_json
    if isinstance(space, dict) and space.get("type") == "Box":
        return tuple(int(d) for d in space["shape"])
    return None


def _episode_number(name: str) -> int:
    tail = name.rsplit("_", 1)[-1]
    return int(tail) if tail.isdigit() else -1


# --- shared ------------------------------------------------------------------------------

def _to_arrays(episodes: Iterable[Episode], card: dict[str, Any], source: Path) -> dict[str, np.ndarray]:
    """Concatenate episodes into irl's per-transition arrays (next_obs = obs shifted by one);
    episodes without a step are dropped."""
    episodes = list(episodes)
    for i, e in enumerate(episodes):
        t = len(e.acts)
        lengths = {"obs": (len(e.obs), t + 1), "terminated": (len(e.terminated), t),
                   "truncated": (len(e.truncated), t), "rews": (t if e.rews is None else len(e.rews), t)}
        for name, (found, expected) in lengths.items():
            if found != expected:
                raise DemoError(f"{source}: episode {i} has {t} actions and {found} {name} rows, expected {expected}")
    episodes = [e for e in episodes if len(e.acts)]
    if not episodes:
        raise DemoError(f"{source}: no episode with at least one step")
    arrays = {"obs": np.concatenate([e.obs[:-1] for e in episodes]),
              "next_obs": np.concatenate([e.obs[1:] for e in episodes]),
              "acts": np.concatenate([e.acts for e in episodes]),
              "terminated": np.concatenate([e.terminated for e in episodes]),
              "truncated": np.concatenate([e.truncated for e in episodes])}
    if all(e.rews is not None for e in episodes):
        arrays["rews"] = np.concatenate([e.rews for e in episodes])
    arrays["metadata"] = np.array(json.dumps(card))
    return arrays


def _read_arrow(files: list[Path], *, stream: bool, where: Path) -> Any:
    """One table from Arrow IPC files (``stream``: the streaming format HuggingFace
    datasets writes; else the file format Minari writes), read batch by batch and refused
    once it passes MAX_BYTES (compressed data can expand a lot), each batch validated.
    Batches of different schemas (shards that disagree) are an error too."""
    import pyarrow as pa

    if not files:
        raise DemoError(f"{where}: no .arrow files")
    batches, total = [], 0
    with _arrow_errors(where):
        for f in files:
            reader = pa.ipc.open_stream(pa.memory_map(str(f))) if stream else pa.ipc.open_file(pa.memory_map(str(f)))
            parts = reader if stream else (reader.get_batch(i) for i in range(reader.num_record_batches))
            for batch in parts:
                batch.validate(full=True)  # list offsets inside their arrays, before anything indexes them
                total += batch.nbytes
                if total > MAX_BYTES:
                    raise DemoError(f"{where}: more than {MAX_BYTES >> 30} GiB of Arrow data, more than irl loads")
                batches.append(batch)
        if not batches:
            raise DemoError(f"{where}: Arrow files without data")
        return pa.Table.from_batches(batches)


@contextmanager
def _arrow_errors(where: Path) -> Iterator[None]:
    """pyarrow's errors (corrupt or inconsistent data) as one-line DemoErrors."""
    import pyarrow as pa

    try:
        yield
    except DemoError:
        raise
    except (pa.ArrowException, OSError, ValueError, IndexError, TypeError) as exc:
        raise DemoError(f"{where}: unreadable Arrow data (truncated or corrupted?): "
                        f"{_one_line(exc)}") from None


def _flags(values: np.ndarray, n: int | None, where: str) -> np.ndarray:
    """Booleans of shape (n,) (any length if n is None), stored as bool or 0/1 numbers."""
    if values.ndim != 1 or (n is not None and len(values) != n):
        raise DemoError(f"{where}: expected {'one flag per row' if n is None else f'shape ({n},)'}, "
                        f"found shape {values.shape}")
    return bool_array(values, "flags", where)


def _check_size(total: int, path: Path) -> None:
    if total > MAX_BYTES:
        raise DemoError(f"{path} declares {total / 2**30:.1f} GiB of arrays, more than irl loads")


def _one_line(exc: BaseException) -> str:
    """A library's error message on one line (some span several)."""
    return " ".join(str(exc).split())


def _per_row(column: Any, where: str) -> list[np.ndarray]:
    """A list-typed Arrow column (one list per trajectory) as one array per row."""
    import pyarrow as pa

    array = column.combine_chunks()
    if not (pa.types.is_list(array.type) or pa.types.is_large_list(array.type)) or array.null_count:
        raise DemoError(f"{where}: expected one list per trajectory, found {array.type}"
                        + (f" with {array.null_count} nulls" if array.null_count else ""))
    lengths = array.value_lengths().to_numpy(zero_copy_only=False)
    values = _dense(array.flatten(), where)
    return np.split(values, np.cumsum(lengths)[:-1])


def _column_numpy(column: Any, where: str) -> np.ndarray:
    """An Arrow column of scalars or equal-length lists as one (rows, ...) array."""
    return _dense(column.combine_chunks(), where)


def _dense(array: Any, where: str) -> np.ndarray:
    import pyarrow as pa

    kind = array.type
    if pa.types.is_list(kind) or pa.types.is_large_list(kind) or pa.types.is_fixed_size_list(kind):
        if array.null_count:
            raise DemoError(f"{where}: {array.null_count} missing (null) entries")
        lengths = np.unique(array.value_lengths().to_numpy(zero_copy_only=False)) if len(array) else np.array([0])
        if len(lengths) != 1:
            raise DemoError(f"{where}: rows of different lengths {lengths[:5].tolist()} (ragged arrays)")
        inner = _dense(array.flatten(), where)
        return inner.reshape(len(array), int(lengths[0]), *inner.shape[1:])
    if not (pa.types.is_integer(kind) or pa.types.is_floating(kind) or pa.types.is_boolean(kind)):
        raise DemoError(f"{where}: expected numbers, found Arrow type {kind} (Dict or Tuple spaces are not supported)")
    if array.null_count:
        raise DemoError(f"{where}: {array.null_count} missing (null) values")
    return array.to_numpy(zero_copy_only=False)


def _need(module: str, what: str) -> Any:
    import importlib

    try:
        return importlib.import_module(module)
    except ImportError:
        raise DemoError(f"reading {what} needs the {module} package: {INSTALL_HINT}") from None
