"""The judge's scores on sets whose answer is known: real against real, noise, one class only."""

from pathlib import Path

import numpy as np
import pytest

from dlcourse.generative import (
    class_coverage,
    frechet_distance,
    inception_score,
    label_agreement,
    load_judge,
    sample_quality,
)
from dlcourse.generative.judge import cache_dir

PROJECT_ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def digits_sets():
    from dlcourse.data import load_dataset

    data = load_dataset("digits", image_size=8)
    return data


def test_the_judge_is_trained_once_and_cached_outside_the_project():
    judge = load_judge()
    assert judge.test_accuracy > 0.95
    files = list(cache_dir().glob("digits_judge_v*.npz"))
    assert files and not cache_dir().resolve().is_relative_to(PROJECT_ROOT.resolve())
    assert not cache_dir().resolve().is_relative_to((PROJECT_ROOT.parent / "shared").resolve())
    assert load_judge() is judge  # read once per process


def test_real_against_real_is_near_zero(digits_sets):
    same_size = digits_sets.x_train[:len(digits_sets.x_test)]
    assert frechet_distance(same_size, digits_sets.x_test) < 2
    assert frechet_distance(digits_sets.x_test, digits_sets.x_test) < 1e-6
    assert inception_score(digits_sets.x_test) > 8
    assert class_coverage(digits_sets.x_test) == 10
    assert label_agreement(digits_sets.x_test, digits_sets.y_test) > 0.95


def test_noise_and_a_single_class_are_far(digits_sets):
    real = frechet_distance(digits_sets.x_train[:360], digits_sets.x_test)
    noise = np.random.default_rng(0).uniform(0, 1, (360, 8, 8, 1))
    assert frechet_distance(noise, digits_sets.x_test) > 10 * max(real, 1)
    zeros = digits_sets.x_train[digits_sets.y_train == 0]
    score = sample_quality(zeros)
    assert score["frechet_distance"] > 10 * max(real, 1)
    assert score["inception_score"] == pytest.approx(1, abs=0.1)  # every image the same class
    assert score["coverage"] == 1  # mode collapse shows as 1


def test_larger_images_are_averaged_down_to_the_judges_size(digits_sets):
    x = digits_sets.x_test[:20]
    larger = np.repeat(np.repeat(x, 2, axis=1), 2, axis=2)  # 16x16, each pixel a 2x2 block
    judge = load_judge()
    np.testing.assert_allclose(judge.features(larger), judge.features(x), atol=1e-9)
    np.testing.assert_allclose(judge.features(np.repeat(x, 3, axis=-1)), judge.features(x), atol=1e-9)  # RGB -> grey


def test_bad_images_are_refused():
    with pytest.raises(ValueError, match=r"images must be a non-empty batch \(N, H, W, 1 or 3\)"):
        inception_score(np.zeros((4, 8, 8, 2)))
    with pytest.raises(ValueError, match=r"labels must hold one class per image"):
        label_agreement(np.zeros((4, 8, 8, 1)), [1, 2])
    with pytest.raises(ValueError, match=r"fair_share_fraction must be a finite number"):
        class_coverage(np.zeros((4, 8, 8, 1)), fair_share_fraction=2)


def test_the_readme_states_the_judges_figures(digits_sets):
    """README's judge table, as measured (the judge is seeded: the same figures on every machine, to
    the rounding shown)."""
    readme = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")
    real = sample_quality(digits_sets.x_train[:360])
    noise = sample_quality(np.random.default_rng(0).uniform(0, 1, (360, 8, 8, 1)))
    zeros = sample_quality(digits_sets.x_train[digits_sets.y_train == 0])
    assert "| real training digits | 0.81 (test: < 2) | 9.5 | 10 |" in readme
    assert (real["frechet_distance"], real["inception_score"], real["coverage"]) == (
        pytest.approx(0.81, abs=0.05), pytest.approx(9.5, abs=0.05), 10)
    assert "| uniform noise | 36.9 (test: > 10x real) | 1.9 | 3 |" in readme
    assert (noise["frechet_distance"], noise["inception_score"], noise["coverage"]) == (
        pytest.approx(36.9, abs=0.5), pytest.approx(1.9, abs=0.05), 3)
    assert "| only the digit 0 (128 images) | 51.9 (test: > 10x real) | 1.01 (test: within 0.1 of 1) | 1 |" in readme
    assert (int(np.sum(digits_sets.y_train == 0)), zeros["frechet_distance"],
            zeros["inception_score"], zeros["coverage"]) == (128, pytest.approx(51.9, abs=0.5),
                                                             pytest.approx(1.01, abs=0.005), 1)
    assert "97.8% test accuracy" in readme and load_judge().test_accuracy == pytest.approx(0.978, abs=0.0005)
