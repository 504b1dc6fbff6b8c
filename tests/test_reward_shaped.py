"""AIRL's shaped export form: g(s) + γ·h(s') - h(s), against its closed forms."""

import json

import numpy as np
import pytest
import torch

from irl.errors import RewardError
from irl.rewards.artifact import export_reward, load_reward
from tests.test_reward_artifact import _rewrite_manifest, batch, fake_run


def encoded(x, flag=0.0):
    """Raw observations (B, d) -> the energy's inputs (B, d + 1) with the absorbing flag column."""
    x = torch.as_tensor(x)
    return torch.cat([x, torch.full((len(x), 1), flag)], 1)


def test_shaped_form_is_g_plus_the_discounted_potential_difference_with_absorbing_states(tmp_path):
    """Non-terminal rows: g(s) + γ·h(s') - h(s); terminal rows lead to the absorbing state, whose h
    is used for s'; every row less the absorbing self-transition's g + γ·h - h (the offset form)."""
    run, energy, env = fake_run(tmp_path, "airl", "Pendulum-v1")
    reward = load_reward(export_reward(run, tmp_path / "shaped", form="shaped"))
    assert reward.engine == "onnx"  # the ONNX graph ran, and agreed with torch on the probe batch
    obs, acts, nxt, done = batch(env, n=9)
    absorbing = encoded(np.zeros((1, 3), np.float32), 1.0)
    with torch.no_grad():
        o, n = encoded(obs), encoded(nxt)
        n[done > 0] = absorbing
        expected = energy.g_value(o, None) + 0.9 * energy.h_value(n) - energy.h_value(o)
        r_abs = energy.g_value(absorbing, None) + (0.9 - 1) * energy.h_value(absorbing)
    np.testing.assert_allclose(reward(obs, acts, nxt, done), (expected - r_abs).numpy(), rtol=1e-5, atol=1e-5)
    torch_only = load_reward(tmp_path / "shaped", engine="torch")
    np.testing.assert_allclose(torch_only(obs, acts, nxt, done), reward(obs, acts, nxt, done), rtol=1e-5, atol=1e-5)


def test_shaped_returns_differ_from_g_returns_by_the_potential_at_the_ends(tmp_path):
    """Without absorbing states, over an episode s_0 .. s_T the discounted return of
    g + γ·h(s') - h(s) telescopes to that of g, less h(s_0), plus γ^T·h(s_T) unless s_T is
    terminal (Ng, Harada, Russell 1999): the same task."""
    run, energy, env = fake_run(tmp_path, "airl", "Pendulum-v1", absorbing=False)
    g = load_reward(export_reward(run, tmp_path / "g"))
    shaped = load_reward(export_reward(run, tmp_path / "shaped", form="shaped"))
    gamma, length = 0.9, 12
    states, acts, _, _ = batch(env, n=length + 1, seed=3)
    obs, nxt, acts = states[:-1], states[1:], acts[:-1]
    discount = gamma ** np.arange(length)
    with torch.no_grad():
        h = energy.h_value(torch.as_tensor(states)).numpy()
    for terminated in (False, True):
        done = np.zeros(length, np.float32)
        done[-1] = terminated
        difference = discount @ shaped(obs, acts, nxt, done) - discount @ g(obs, acts, nxt, done)
        expected = -h[0] + (0.0 if terminated else gamma ** length * h[-1])
        np.testing.assert_allclose(difference, expected, rtol=1e-4, atol=1e-4)


def test_shaped_form_is_for_airl_energies_only(tmp_path):
    run, _, _ = fake_run(tmp_path, "gail", "Pendulum-v1")
    with pytest.raises(RewardError, match="gail run, whose reward -E has no shaping term"):
        export_reward(run, tmp_path / "r", form="shaped")
    with pytest.raises(RewardError, match="form must be one of"):
        export_reward(run, tmp_path / "r", form="h")
    assert not (tmp_path / "r").exists()
    out = export_reward(run, tmp_path / "r")
    _rewrite_manifest(out, reward_form="shaped")  # a manifest edited to claim a shaping term
    with pytest.raises(RewardError, match="manifest.json: reward_form 'shaped' needs AIRL's energy"):
        load_reward(out)


def test_manifest_names_the_shaped_form(tmp_path):
    run, _, _ = fake_run(tmp_path, "airl", "Pendulum-v1")
    manifest = json.loads((export_reward(run, tmp_path / "r", form="shaped") / "manifest.json").read_text())
    assert manifest["reward"] == "g(s) + γ·h(s') - h(s)" and manifest["reward_form"] == "shaped"
    manifest = json.loads((export_reward(run, tmp_path / "g") / "manifest.json").read_text())
    assert manifest["reward"] == "g(s)" and manifest["reward_form"] == "g"
