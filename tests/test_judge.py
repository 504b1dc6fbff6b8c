"""Agreement measures: correlations and EPIC on cases whose answer is known."""

import numpy as np
import pytest

from irl.rewards.judge import TRUE_REWARDS, epic_distance, pearson, spearman

RNG = np.random.default_rng(0)
OBS, NEXT = RNG.normal(size=(200, 3)), RNG.normal(size=(200, 3))
ACTS = RNG.normal(size=(200, 2))
STATES, ACTIONS = RNG.normal(size=(64, 3)), RNG.normal(size=(64, 2))
W = RNG.normal(size=(3, 2))


def reward(o, a, n):
    return np.tanh(o @ W).sum(1) * a[:, 0] + np.sin(n[:, 1]) - 0.5 * a[:, 1] ** 2


def potential(s):
    return np.cos(s[:, 0]) + s[:, 2] ** 2


def epic(ra, rb, gamma=0.9):
    return epic_distance(ra, rb, OBS, ACTS, NEXT, states=STATES, actions=ACTIONS, gamma=gamma)


def test_shaped_and_scaled_copies_are_at_distance_zero():
    shaped = lambda o, a, n: 3.0 * reward(o, a, n) + 0.9 * potential(n) - potential(o) + 7.0  # noqa: E731
    assert epic(reward, shaped) < 1e-7
    assert epic(reward, reward) < 1e-7


def test_negation_is_at_distance_one_and_unrelated_rewards_in_between():
    assert abs(epic(reward, lambda o, a, n: -reward(o, a, n)) - 1.0) < 1e-7
    other = lambda o, a, n: np.cos(3 * o[:, 2]) * a[:, 1]  # noqa: E731
    assert 0.4 < epic(reward, other) < 0.9


def test_pearson_ignores_a_shaping_term_only_after_canonicalisation():
    shaped = lambda o, a, n: reward(o, a, n) + 0.9 * potential(n) - potential(o)  # noqa: E731
    raw = pearson(reward(OBS, ACTS, NEXT), shaped(OBS, ACTS, NEXT))
    assert raw < 0.9  # shaping hides the agreement from a plain correlation ...
    assert epic(reward, shaped) < 1e-7  # ... and EPIC sees through it


def test_spearman_is_rank_based_with_tied_ranks_averaged():
    x = np.array([1.0, 2.0, 3.0, 4.0])
    assert spearman(x, x**3) == pytest.approx(1.0)
    assert spearman(np.array([1.0, 1.0, 2.0]), np.array([0.0, 0.0, 5.0])) == pytest.approx(1.0)
    assert np.isnan(pearson(np.ones(3), x[:3]))


def test_pendulum_true_reward_matches_the_env():
    import gymnasium as gym

    env = gym.make("Pendulum-v1")
    obs, _ = env.reset(seed=3)
    for _ in range(20):
        act = env.action_space.sample()
        nxt, r, *_ = env.step(act)
        assert TRUE_REWARDS["Pendulum-v1"](obs[None], act[None], nxt[None])[0] == pytest.approx(r, abs=1e-5)
        obs = nxt


def test_reward_grid_varies_two_coordinates_and_holds_the_rest():
    from irl.rewards.judge import reward_grid

    seen = []

    def spy(o, a, n):
        seen.append(o.copy())
        return 2 * o[:, 0] - o[:, 2] + a[:, 0]

    base = np.array([9.0, 5.0, -1.0])
    xs, ys, values = reward_grid(spy, base, (0, 2), ((0, 1), (-2, 2)), action=np.array([0.5]), resolution=5)
    assert values.shape == (5, 5)
    np.testing.assert_allclose(values, 2 * xs[None, :] - ys[:, None] + 0.5, rtol=1e-6)
    np.testing.assert_array_equal(seen[0][:, 1], 5.0)  # the untouched coordinate


def test_policies_get_distinct_source_names():
    from irl.api import _source_names

    taken = ("expert", "random")
    assert _source_names(("runs/a/x.zip", "runs/b/y.zip"), taken) == ["x", "y"]
    # two agents saved as policy.zip (every irl run folder) must not overwrite each other's rollouts
    assert _source_names(("runs/a/policy.zip", "runs/b/policy.zip"), taken) == ["a/policy", "b/policy"]
    assert _source_names(("runs/a/random.zip",), taken) == ["a/random"]
    assert _source_names(("a/policy.zip", "a/policy.zip"), taken) == ["a/policy #1", "a/policy #2"]


@pytest.fixture(scope="module")
def pendulum_reward(tmp_path_factory):
    from irl.rewards.artifact import export_reward
    from tests.test_reward_artifact import fake_run

    tmp = tmp_path_factory.mktemp("judge")
    run, _, _ = fake_run(tmp, "gail", "Pendulum-v1")
    return export_reward(run, tmp / "reward")


def _judge(reward, out, **kwargs):
    from irl.api import judge
    from tests.conftest import SHIPPED_PENDULUM

    return judge(reward, "Pendulum-v1", SHIPPED_PENDULUM, episodes=1, out=out, probe_steps=0, **kwargs)


def test_judge_png_shows_the_correlations_and_epic(pendulum_reward, tmp_path, monkeypatch):
    import matplotlib.figure

    texts = []

    def capture(fig, path, **kwargs):  # the figure's words, instead of the file
        ax = fig.axes[0]
        texts.extend(t.get_text() for t in [*ax.texts, *ax.get_legend().get_texts(), ax.title])

    monkeypatch.setattr(matplotlib.figure.Figure, "savefig", capture)
    result = _judge(pendulum_reward, tmp_path / "j")
    words = "\n".join(texts)
    assert f"EPIC distance {result['epic']:.3f}" in words
    assert f"pooled: pearson {result['pearson']:+.3f}, spearman {result['spearman']:+.3f}" in words
    for name, r in result["per_source"].items():
        assert f"{name}: pearson {r['pearson']:+.3f}, spearman {r['spearman']:+.3f}" in words


def test_judge_never_replaces_a_result_silently(pendulum_reward, tmp_path):
    from irl.errors import RunDirError

    out = tmp_path / "j"
    _judge(pendulum_reward, out)
    first = (out / "judge.json").read_text()
    (out / "judge.json").write_text(first + " ")  # marks the file: a silent replacement would undo this
    with pytest.raises(RunDirError, match="already holds a judge result; pass --overwrite"):
        _judge(pendulum_reward, out, seed=1)
    assert (out / "judge.json").read_text() == first + " "
    _judge(pendulum_reward, out, seed=1, overwrite=True)
    assert (out / "judge.json").read_text() != first + " "
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "notes.md").write_text("mine")
    with pytest.raises(RunDirError, match=r"holds files irl did not write \(notes.md\)"):
        _judge(pendulum_reward, mine, overwrite=True)
    assert sorted(p.name for p in mine.iterdir()) == ["notes.md"]
