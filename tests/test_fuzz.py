"""Fuzzing the two loaders of files users hand us: demos (.npz) and reward artifacts.

Whatever the bytes, loading ends in the project's own error (DemoError /
RewardError) or in a valid object: no other exception, no hang, no huge
allocation. Seeds are derandomised so the suite stays deterministic.
"""

import io
import json
import zipfile

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from irl.data.demos import load_demos
from irl.errors import DemoError, RewardError
from irl.rewards.artifact import _manifest_sha256, export_reward, load_reward
from tests.test_reward_artifact import fake_run

FUZZ = settings(max_examples=150, deadline=None, derandomize=True,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])


def _valid_demo_bytes() -> bytes:
    rng = np.random.default_rng(0)
    n = 12
    obs = rng.normal(size=(n, 3)).astype(np.float32)
    ends = np.zeros(n, bool)
    ends[5] = ends[-1] = True
    nxt = np.roll(obs, -1, axis=0)
    buf = io.BytesIO()
    np.savez_compressed(buf, obs=obs, acts=rng.normal(size=(n, 1)).astype(np.float32), next_obs=nxt,
                        terminated=np.zeros(n, bool), truncated=ends, rews=rng.normal(size=n).astype(np.float32),
                        metadata=np.array(json.dumps({"env_id": "Pendulum-v1"})))
    return buf.getvalue()


VALID = _valid_demo_bytes()


def _load_or_demo_error(tmp_path, data: bytes) -> None:
    path = tmp_path / "fuzz.npz"
    path.write_bytes(data)
    try:
        load_demos(path)
    except DemoError as exc:
        assert str(exc) and "\n" not in str(exc)


def test_the_valid_file_loads(tmp_path):
    path = tmp_path / "ok.npz"
    path.write_bytes(VALID)
    assert load_demos(path).n_episodes == 2


@FUZZ
@given(flips=st.lists(st.tuples(st.integers(0, len(VALID) - 1), st.integers(1, 255)), min_size=1, max_size=8))
def test_demo_byte_flips(tmp_path, flips):
    data = bytearray(VALID)
    for pos, mask in flips:
        data[pos] ^= mask
    _load_or_demo_error(tmp_path, bytes(data))


@FUZZ
@given(cut=st.integers(0, len(VALID) - 1))
def test_demo_truncation(tmp_path, cut):
    _load_or_demo_error(tmp_path, VALID[:cut])


def _npz(**arrays) -> bytes:
    buf = io.BytesIO()
    np.savez(buf, **arrays)
    return buf.getvalue()


@FUZZ
@given(n=st.integers(0, 6), dim=st.integers(0, 3), dtype=st.sampled_from(["float32", "float64", "int8", "bool", "U3",
                                                                          "complex64", "float16"]),
       fill=st.sampled_from([0.0, np.nan, np.inf, -1e30]), drop=st.sampled_from([None, "obs", "acts", "truncated"]))
def test_demo_arrays_of_any_dtype_shape_and_value(tmp_path, n, dim, dtype, fill, drop):
    obs = np.full((n, dim), fill).astype(dtype) if dtype != "U3" else np.full((n, dim), "abc")
    arrays = {"obs": obs, "acts": np.zeros((n, 1), np.float32), "next_obs": obs,
              "terminated": np.zeros(n, bool), "truncated": np.ones(n, bool)}
    if drop:
        del arrays[drop]
    _load_or_demo_error(tmp_path, _npz(**arrays))


@pytest.mark.parametrize("shape", [(2**40,), (2**20, 2**20), (10**6, 10**6, 10**6)])
def test_huge_declared_sizes_fail_before_any_allocation(tmp_path, shape):
    """An .npy header that declares far more data than the member holds."""
    from numpy.lib import format as npy

    header = io.BytesIO()
    npy.write_array_header_1_0(header, {"descr": "<f4", "fortran_order": False, "shape": shape})
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as archive:
        archive.writestr("obs.npy", header.getvalue() + b"\0" * 64)
    path = tmp_path / "huge.npz"
    path.write_bytes(buf.getvalue())
    with pytest.raises(DemoError, match="declares shape"):
        load_demos(path)


class Files(dict):
    """The artifact's files by name (a short repr keeps failure reports readable)."""

    def __repr__(self) -> str:
        return f"Files({sorted(self)})"


@pytest.fixture(scope="module")
def artifact_files(tmp_path_factory) -> Files:
    tmp = tmp_path_factory.mktemp("fuzz-artifact")
    run, _, _ = fake_run(tmp, "airl", "Pendulum-v1")
    out = export_reward(run, tmp / "reward")
    return Files({name: (out / name).read_bytes() for name in ("manifest.json", "reward.safetensors", "reward.onnx")})


def _load_or_reward_error(tmp_path, files: dict[str, bytes]) -> None:
    folder = tmp_path / "artifact"
    folder.mkdir(exist_ok=True)
    for name, data in files.items():
        (folder / name).write_bytes(data)
    try:
        load_reward(folder)
    except RewardError as exc:
        assert str(exc) and "\n" not in str(exc)


def _rehashed(manifest: dict) -> bytes:
    """A manifest whose own hash agrees with its (edited) fields: the checks behind it are fuzzed."""
    return json.dumps({**manifest, "manifest_sha256": _manifest_sha256(manifest)}).encode()


def _with_hash(files: dict[str, bytes], weights: bytes) -> dict[str, bytes]:
    """Corrupted weights whose hash the manifest agrees with: the parser itself is fuzzed."""
    import hashlib

    manifest = json.loads(files["manifest.json"])
    manifest["sha256"]["reward.safetensors"] = hashlib.sha256(weights).hexdigest()
    return {**files, "manifest.json": _rehashed(manifest), "reward.safetensors": weights}


@FUZZ
@given(target=st.sampled_from(["manifest.json", "reward.safetensors", "rehashed"]),
       flips=st.lists(st.tuples(st.integers(0, 10**9), st.integers(1, 255)), min_size=1, max_size=6))
def test_artifact_byte_flips(tmp_path, artifact_files, target, flips):
    name = "reward.safetensors" if target == "rehashed" else target
    data = bytearray(artifact_files[name])
    for pos, mask in flips:
        data[pos % len(data)] ^= mask
    files = _with_hash(artifact_files, bytes(data)) if target == "rehashed" else {**artifact_files, name: bytes(data)}
    _load_or_reward_error(tmp_path, files)


@FUZZ
@given(target=st.sampled_from(["manifest.json", "rehashed"]), cut=st.integers(0, 10**9))
def test_artifact_truncation(tmp_path, artifact_files, target, cut):
    if target == "rehashed":
        weights = artifact_files["reward.safetensors"]
        files = _with_hash(artifact_files, weights[: cut % len(weights)])
    else:
        files = {**artifact_files, target: artifact_files[target][: cut % len(artifact_files[target])]}
    _load_or_reward_error(tmp_path, files)


@FUZZ
@given(key=st.sampled_from(["version", "energy", "gamma", "observation_space", "action_space", "sha256", "format"]),
       value=st.one_of(st.none(), st.integers(-5, 10**6), st.text(max_size=5), st.lists(st.integers(), max_size=3),
                       st.dictionaries(st.text(max_size=3), st.integers(), max_size=2)))
def test_artifact_manifest_fields_of_the_wrong_type(tmp_path, artifact_files, key, value):
    manifest = json.loads(artifact_files["manifest.json"])
    manifest[key] = value
    _load_or_reward_error(tmp_path, {**artifact_files, "manifest.json": _rehashed(manifest)})
