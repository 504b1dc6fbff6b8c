"""Demos written by other tools: imitation (>= 1.0 and < 1.0) and Minari (HDF5, Arrow).

The fixtures in tests/data/foreign were written by those tools themselves
(tests/data/foreign/make_fixtures.py); each comes with NAME.expected.npz, the
transitions as the owning tool's own loader reads them.
"""

import shutil
import warnings
from pathlib import Path

import gymnasium as gym
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from irl.data.demos import check_against_env, load_demos
from irl.errors import DemoError

FOREIGN = Path(__file__).parent / "data" / "foreign"
FIXTURES = [  # (fixture, env, its episodes end by: "time limit" or "termination")
    ("imitation-pendulum", "Pendulum-v1", "time limit"),
    ("imitation-cartpole", "CartPole-v1", "termination"),
    ("imitation-legacy-pendulum.npz", "Pendulum-v1", "time limit"),
    ("minari-pendulum-hdf5", "Pendulum-v1", "time limit"),
    ("minari-cartpole-arrow", "CartPole-v1", "termination"),
]


def _checked(path: Path, env_id: str):
    env = gym.make(env_id)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return check_against_env(load_demos(path), env.observation_space, env.action_space, env_id)


@pytest.mark.parametrize("name,env_id,ending", FIXTURES)
def test_foreign_demos_read_as_their_own_tool_reads_them(name, env_id, ending):
    demos = _checked(FOREIGN / name, env_id)
    expected = np.load(FOREIGN / f"{Path(name).stem}.expected.npz")
    t = demos.transitions
    for key in ("obs", "acts", "next_obs", "rews"):
        if key in expected:
            np.testing.assert_allclose(getattr(t, key), expected[key], rtol=1e-6, err_msg=key)
    if "rews" not in expected:
        assert t.rews is None
    assert demos.n_episodes == 3
    ends = t.truncated if ending == "time limit" else t.terminated
    assert ends.sum() == 3 and not (t.terminated & t.truncated).any()
    assert (t.terminated | t.truncated).sum() == 3


def test_minari_card_names_the_env_and_the_source():
    demos = load_demos(FOREIGN / "minari-cartpole-arrow")
    assert demos.env_id == "CartPole-v1" and "Minari" in demos.metadata["source"]
    with pytest.raises(DemoError, match="recorded on 'CartPole-v1'"):
        _checked(FOREIGN / "minari-cartpole-arrow", "Acrobot-v1")
    # the HDF5 file alone (beside its metadata.json) reads the same as its folder
    a = load_demos(FOREIGN / "minari-pendulum-hdf5" / "data" / "main_data.hdf5").transitions
    b = load_demos(FOREIGN / "minari-pendulum-hdf5").transitions
    np.testing.assert_array_equal(a.obs, b.obs)


def test_imitation_ends_are_read_against_the_time_limit():
    demos = load_demos(FOREIGN / "imitation-pendulum")
    assert demos.transitions.terminated.sum() == 3  # as stored: 'the episode finished'
    env = gym.make("Pendulum-v1")
    with pytest.warns(UserWarning, match="read 3 of 3 finished episodes as cut by the time limit"):
        checked = check_against_env(demos, env.observation_space, env.action_space, "Pendulum-v1")
    assert checked.transitions.truncated.sum() == 3 and not checked.transitions.terminated.any()


class _Trap:
    """Unpickling this writes a file: proof that a loader ran code from the demo file."""

    marker = ""

    def __reduce__(self):
        return open, (self.marker, "w")


def test_legacy_imitation_npz_never_unpickles_its_infos(tmp_path):
    source = np.load(FOREIGN / "imitation-legacy-pendulum.npz", allow_pickle=False)
    arrays = {k: source[k] for k in ("obs", "acts", "terminal", "indices", "rews")}
    marker = tmp_path / "pwned"
    _Trap.marker = str(marker)
    infos = np.empty(len(arrays["acts"]), dtype=object)
    infos[:] = [_Trap()] * len(infos)
    np.savez(tmp_path / "trap.npz", infos=infos, **arrays)
    opener, args = _Trap().__reduce__()  # what unpickling would call, run here directly (nothing unpickled)
    opener(*args).close()
    assert marker.exists()  # the trap works...
    marker.unlink()
    assert len(load_demos(tmp_path / "trap.npz").transitions) == 600
    assert not marker.exists()  # ...and irl never sprang it


def _arrow_table(**columns):
    import pyarrow as pa

    return pa.table({k: pa.array(v) for k, v in columns.items()})


def _write_imitation(folder: Path, table) -> Path:
    import pyarrow as pa

    folder.mkdir()
    with pa.ipc.new_stream(folder / "data-00000-of-00001.arrow", table.schema) as writer:
        writer.write_table(table)
    (folder / "state.json").write_text("{}")
    return folder


def test_bad_imitation_datasets_are_one_line_errors(tmp_path):
    ragged = _arrow_table(obs=[[[0.0, 1.0], [1.0]]], acts=[[[0.5]]], terminal=[True])
    with pytest.raises(DemoError, match="ragged"):
        load_demos(_write_imitation(tmp_path / "ragged", ragged))
    short = _arrow_table(obs=[[[0.0], [1.0]]], acts=[[[0.5], [0.2]]], terminal=[True])
    with pytest.raises(DemoError, match="episode 0 has 2 actions and 2 obs rows, expected 3"):
        load_demos(_write_imitation(tmp_path / "short", short))
    no_acts = _arrow_table(obs=[[[0.0], [1.0]]], terminal=[True])
    with pytest.raises(DemoError, match=r"missing column\(s\) \['acts'\]"):
        load_demos(_write_imitation(tmp_path / "no_acts", no_acts))
    strings = _arrow_table(obs=[["a", "b"]], acts=[[[0.5]]], terminal=[True])
    with pytest.raises(DemoError, match="expected numbers"):
        load_demos(_write_imitation(tmp_path / "strings", strings))
    (tmp_path / "empty").mkdir()
    with pytest.raises(DemoError, match="neither an imitation dataset .* nor a Minari dataset"):
        load_demos(tmp_path / "empty")


def test_legacy_npz_with_inconsistent_indices(tmp_path):
    source = np.load(FOREIGN / "imitation-legacy-pendulum.npz", allow_pickle=False)
    arrays = {k: source[k] for k in ("obs", "acts", "terminal", "rews")}
    np.savez(tmp_path / "bad.npz", indices=np.array([300, 200]), **arrays)
    with pytest.raises(DemoError, match="indices must rise"):
        load_demos(tmp_path / "bad.npz")
    np.savez(tmp_path / "short.npz", indices=np.array([200, 400]), **{**arrays, "obs": arrays["obs"][:-1]})
    with pytest.raises(DemoError, match="obs has 602 rows, expected 603"):
        load_demos(tmp_path / "short.npz")


def test_minari_dict_observations_are_refused(tmp_path):
    import h5py

    data = tmp_path / "ds" / "data"
    data.mkdir(parents=True)
    (data / "metadata.json").write_text('{"data_format": "hdf5", "env_spec": "{\\"id\\": \\"Pendulum-v1\\"}"}')
    with h5py.File(data / "main_data.hdf5", "w") as f:
        ep = f.create_group("episode_0")
        ep.create_group("observations").create_dataset("position", data=np.zeros((3, 2)))
        for name, value in (("actions", np.zeros((2, 1))), ("terminations", np.zeros(2, bool)),
                            ("truncations", np.array([False, True])), ("rewards", np.zeros(2))):
            ep.create_dataset(name, data=value)
    with pytest.raises(DemoError, match="observations is missing or not an array"):
        load_demos(tmp_path / "ds")


def test_a_missing_reader_package_names_the_extra(monkeypatch):
    import sys

    monkeypatch.setitem(sys.modules, "pyarrow", None)  # import pyarrow now raises ImportError
    with pytest.raises(DemoError, match=r"needs the pyarrow package: pip install 'irl\[formats\]'"):
        load_demos(FOREIGN / "imitation-cartpole")


FUZZ = settings(max_examples=60, deadline=None, derandomize=True,
                suppress_health_check=[HealthCheck.function_scoped_fixture])
ARROW = FOREIGN / "imitation-cartpole" / "data-00000-of-00001.arrow"
HDF5 = FOREIGN / "minari-pendulum-hdf5" / "data" / "main_data.hdf5"


@FUZZ
@given(which=st.sampled_from(["arrow", "hdf5"]), cut=st.floats(0, 1),
       flips=st.lists(st.tuples(st.floats(0, 1), st.integers(1, 255)), max_size=6))
def test_corrupted_foreign_files_end_in_demo_errors(tmp_path, which, cut, flips):
    source, folder = (ARROW, FOREIGN / "imitation-cartpole") if which == "arrow" else (HDF5, FOREIGN / "minari-pendulum-hdf5")
    target = tmp_path / "copy"
    shutil.rmtree(target, ignore_errors=True)
    shutil.copytree(folder, target)
    data = bytearray(source.read_bytes())
    for where, mask in flips:
        data[int(where * (len(data) - 1))] ^= mask
    data = data[: max(1, int(cut * len(data)))] if cut < 0.5 else data
    (target / source.relative_to(folder)).write_bytes(bytes(data))
    try:
        load_demos(target)
    except DemoError as exc:
        assert str(exc) and "\n" not in str(exc)


def test_convert_writes_irl_demos_with_a_card(tmp_path, capsys):
    from irl.cli import main

    out = tmp_path / "pendulum.npz"
    assert main(["convert", str(FOREIGN / "imitation-pendulum"), "--env", "Pendulum-v1", "--out", str(out)]) == 0
    demos = load_demos(out)
    card = demos.metadata
    assert card["env_id"] == "Pendulum-v1" and card["random_return"] < -800 and "imitation" in card["source"]
    assert demos.transitions.truncated.sum() == 3 and not demos.transitions.terminated.any()  # resolved once, kept
    assert main(["convert", str(FOREIGN / "imitation-pendulum"), "--env", "Pendulum-v1", "--out", str(out)]) == 2
    assert "already exists" in capsys.readouterr().err
    # a limit that CartPole-v1's registration (500) does not know: the 24-step episode was cut by it
    assert main(["convert", str(FOREIGN / "imitation-cartpole"), "--env", "CartPole-v1", "--out",
                 str(tmp_path / "cartpole.npz"), "--time-limit", "24"]) == 0
    lengths = np.array(load_demos(tmp_path / "cartpole.npz").metadata["episode_lengths"])
    truncated = load_demos(tmp_path / "cartpole.npz").transitions.truncated
    assert truncated.sum() == (lengths >= 24).sum() == 1


def test_demos_without_rewards_train_and_report_raw_returns(tmp_path, capsys):
    from irl.cli import main

    args = ["train", "gail", "--env", "CartPole-v1", "--demos", str(FOREIGN / "imitation-cartpole"),
            "--steps", "256", "--hyper", "n_steps=128", "--out", str(tmp_path / "run"), "--no-progress",
            "--eval-episodes", "2"]
    assert main(args) == 0
    captured = capsys.readouterr()
    assert "no normalised score (the demos carry no rewards)" in captured.out
    assert "irl: warning: the demos carry neither rewards" in captured.err


def test_d4rl_style_hdf5(tmp_path):
    import h5py

    expected = np.load(FOREIGN / "minari-pendulum-hdf5.expected.npz")
    with h5py.File(tmp_path / "d4rl.hdf5", "w") as f:
        for ours, theirs in (("obs", "observations"), ("acts", "actions"), ("next_obs", "next_observations"),
                             ("terminated", "terminals"), ("truncated", "timeouts"), ("rews", "rewards")):
            f.create_dataset(theirs, data=expected[ours])
    t = _checked(tmp_path / "d4rl.hdf5", "Pendulum-v1").transitions
    np.testing.assert_array_equal(t.next_obs, expected["next_obs"])
    assert t.truncated.sum() == 3
    with h5py.File(tmp_path / "no-next.hdf5", "w") as f:
        f.create_dataset("observations", data=expected["obs"])
    with pytest.raises(DemoError, match="without next_observations"):
        load_demos(tmp_path / "no-next.hdf5")


def test_one_trajectory_legacy_npz_and_odd_paths(tmp_path):
    import os

    source = np.load(FOREIGN / "imitation-legacy-pendulum.npz", allow_pickle=False)
    one = {"obs": source["obs"][:201], "acts": source["acts"][:200], "rews": source["rews"][:200],
           "terminal": source["terminal"][:1], "indices": np.cumsum([])}  # what imitation writes for one trajectory
    np.savez(tmp_path / "one.npz", **one)
    assert load_demos(tmp_path / "one.npz").n_episodes == 1
    np.savez(tmp_path / "scalar.npz", **{**one, "terminal": np.array(True)})
    with pytest.raises(DemoError, match="terminal: expected one flag per row"):
        load_demos(tmp_path / "scalar.npz")
    os.mkfifo(tmp_path / "pipe")  # would block a reader forever
    with pytest.raises(DemoError, match="neither a file nor a folder"):
        load_demos(tmp_path / "pipe")


def test_arrow_offsets_pointing_outside_their_data(tmp_path):
    steps = 11
    table = _arrow_table(obs=[[[float(i)] for i in range(steps + 1)]], acts=[[[0.5]] * steps], terminal=[True])
    folder = _write_imitation(tmp_path / "ds", table)
    assert len(load_demos(folder).transitions) == steps
    data = folder / "data-00000-of-00001.arrow"
    raw = data.read_bytes()
    offsets = np.array([0, steps + 1], np.int32).tobytes()  # obs' list offsets: one row of 12 observations
    at = raw.rindex(offsets)  # the data buffer comes last (the same bytes also occur in the stream's metadata)
    data.write_bytes(raw[:at] + np.array([0, 1000], np.int32).tobytes() + raw[at + 8:])  # now it claims 1000
    with pytest.raises(DemoError, match="unreadable Arrow data"):
        load_demos(folder)


def test_minari_arrow_keeps_the_shape_of_box_spaces(tmp_path):
    import json

    folder = tmp_path / "ds"
    shutil.copytree(FOREIGN / "minari-cartpole-arrow", folder)
    meta = json.loads((folder / "data" / "metadata.json").read_text())
    meta["observation_space"] = json.dumps({"type": "Box", "dtype": "float32", "shape": [2, 2]})
    (folder / "data" / "metadata.json").write_text(json.dumps(meta))
    assert load_demos(folder).transitions.obs.shape[1:] == (2, 2)
    meta["observation_space"] = json.dumps({"type": "Box", "dtype": "float32", "shape": [3]})
    (folder / "data" / "metadata.json").write_text(json.dumps(meta))
    with pytest.raises(DemoError, match="do not fit the spaces in metadata.json"):
        load_demos(folder)


def test_judging_against_demos_without_rewards_uses_the_rollouts(tmp_path):
    from irl.api import judge
    from irl.rewards.artifact import export_reward
    from tests.test_reward_artifact import fake_run

    run, _, _ = fake_run(tmp_path, "gail", "CartPole-v1")
    artifact = export_reward(run, tmp_path / "reward")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = judge(artifact, "CartPole-v1", FOREIGN / "imitation-cartpole", episodes=2)
    assert any("judged on the random" in str(w.message) for w in caught)
    assert list(result["per_source"]) == ["random"]
    assert result["pearson"] is None  # CartPole pays 1 per step: no correlation is defined
