"""Demo files as plain arrays: the pieces :mod:`irl.data.demos` and :mod:`irl.data.demo_formats` share.

Reading an .npz never unpickles and checks the sizes its headers declare before
numpy allocates anything; flags are checked to be booleans.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

import numpy as np

from irl.errors import DemoError

AMBIGUOUS_ENDS = "done"
"""Card value of ``"ends"`` for demos whose ``terminated`` means only 'the episode
finished' (imitation's format); :func:`irl.data.demos.check_against_env` resolves it."""


def read_npz(path: Path, *, skip: frozenset[str] | set[str] = frozenset()) -> dict[str, np.ndarray]:
    """The arrays of an .npz (but those in ``skip``), never unpickling; sizes checked first."""
    _check_declared_sizes(path)
    try:
        with np.load(path, allow_pickle=False) as data:
            return {k: data[k] for k in data.files if k not in skip}
    except ValueError as exc:
        if "pickle" in str(exc).lower():
            raise DemoError(f"{path} holds pickled objects; demos must be plain arrays (irl never unpickles)") from None
        raise DemoError(f"{path} is not a readable .npz: {exc}") from None
    except (OSError, zipfile.BadZipFile, EOFError, KeyError, RuntimeError) as exc:
        raise DemoError(f"{path} is not a readable .npz (truncated or corrupted?): {exc}") from None


MAX_DEMO_BYTES = 4 << 30
"""Largest total array size a demo file may declare (4 GiB)."""


def _check_declared_sizes(path: Path) -> None:
    """Read each array's header (not its data) and refuse sizes the file cannot hold, or
    more than MAX_DEMO_BYTES in all, before numpy allocates anything."""
    from numpy.lib import format as npy

    total = 0
    try:
        with zipfile.ZipFile(path) as archive:
            for info in archive.infolist():
                if not info.filename.endswith(".npy"):
                    continue
                with archive.open(info) as f:
                    version = npy.read_magic(f)
                    header = npy.read_array_header_1_0 if version == (1, 0) else npy.read_array_header_2_0
                    shape, _, dtype = header(f, max_header_size=10_000)
                if dtype.hasobject:  # pickled: never loaded (np.load refuses it without allow_pickle)
                    continue
                size = int(np.prod(shape, dtype=object)) * dtype.itemsize
                if size > info.file_size:
                    raise DemoError(f"{path}: array {info.filename[:-4]!r} declares shape {shape} ({size} bytes) "
                                    f"but holds {info.file_size} bytes: truncated or corrupted")
                total += size
    except DemoError:
        raise
    except Exception as exc:  # noqa: BLE001 - any failure to parse headers is a corrupt file
        raise DemoError(f"{path} is not a readable .npz (truncated or corrupted?): {type(exc).__name__}: {exc}") from None
    if total > MAX_DEMO_BYTES:
        raise DemoError(f"{path} declares {total / 2**30:.1f} GiB of arrays, more than the {MAX_DEMO_BYTES >> 30} GiB "
                        "irl loads; split the demonstrations")


def bool_array(a: np.ndarray, name: str, source: str) -> np.ndarray:
    """Flags stored as bool or 0/1 numbers, as bool; DemoError for anything else."""
    if a.dtype.kind not in "biuf" or not np.isin(a, (0, 1)).all():
        raise DemoError(f"{source}: {name} must hold booleans (0/1), found dtype {a.dtype}")
    return a.astype(bool)
