"""Running moments: merged batches against the moments of the whole stream."""

import numpy as np

from irl.running_stats import MixtureObsStatistics, RunningMoments


def test_running_moments_of_batches_equal_those_of_the_concatenation():
    rng = np.random.default_rng(0)
    batches = [rng.normal(3.0, 2.0, size=(n, 4)) for n in (1, 7, 50, 3)]
    moments = RunningMoments((4,))
    for b in batches:
        moments.update(b)
    whole = np.concatenate(batches)
    np.testing.assert_allclose(moments.mean, whole.mean(0), rtol=1e-12)
    np.testing.assert_allclose(moments.var, whole.var(0), rtol=1e-12)
    assert moments.count == len(whole)


def test_mixture_statistics_weigh_demos_and_generator_equally():
    """With as many generator rows as demo rows, the mixture is their concatenation,
    however the generator rows arrive; with 3x as many, the demos still weigh half."""
    rng = np.random.default_rng(1)
    demos, gen = rng.normal(0.0, 0.1, size=(40, 2)), rng.normal(5.0, 1.0, size=(40, 2))
    mixture = MixtureObsStatistics(demos)
    mixture.update(gen[:10])
    mean, std = mixture.update(gen[10:])
    both = np.concatenate([demos, gen])
    np.testing.assert_allclose(mean, both.mean(0), rtol=1e-12)
    np.testing.assert_allclose(std, both.std(0), rtol=1e-12)

    more = rng.normal(5.0, 1.0, size=(80, 2))
    mean, std = mixture.update(more)
    gen_all = np.concatenate([gen, more])
    balanced = np.concatenate([demos, demos, demos, gen_all])  # 120 demo rows (repeated) vs 120 generator rows
    np.testing.assert_allclose(mean, balanced.mean(0), rtol=1e-12)
    np.testing.assert_allclose(std, balanced.std(0), rtol=1e-12)
