"""Knowledge distillation: exact loss values on hand-made logits, Keras 3.15's LogitsDistillation default
reproduced, and the Distiller / DeiTDistiller models: teacher frozen, student trained, saved."""

import keras
import numpy as np
import pytest

from dlcourse.models import mlp
from dlcourse.models.sequence.distillation import (
    DeiTDistiller,
    Distiller,
    distillation_loss,
    hard_distillation_loss,
    soft_target_loss,
)
from dlcourse.models.sequence.vit import vision_transformer

TEACHER = np.array([[2.0, 0.0]], "float32")
STUDENT = np.array([[0.0, 2.0]], "float32")


def _manual_soft(t, s, temperature):
    def softmax(z):
        e = np.exp(z - z.max(-1, keepdims=True))
        return e / e.sum(-1, keepdims=True)
    p, q = softmax(t / temperature), softmax(s / temperature)
    return temperature ** 2 * np.mean(np.sum(p * np.log(p / q), axis=-1))


def test_soft_target_loss_exact_values_and_the_t_squared_factor():
    # teacher (2, 0), student (0, 2) at T: the log-ratio is +-2/T and p = softmax(2/T, 0), so
    # KL = (2/T) tanh(1/T) and the loss T^2 KL = 2 T tanh(1/T): 1.5232 at T = 1, 1.8485 at T = 2
    for temperature, expected in ((1.0, 1.5232), (2.0, 1.8485), (10.0, 1.9934)):
        got = float(soft_target_loss(TEACHER, STUDENT, temperature))
        assert got == pytest.approx(2 * temperature * np.tanh(1 / temperature), rel=1e-6)
        assert got == pytest.approx(expected, abs=1e-4)
    rng = np.random.default_rng(0)
    t, s = 3 * rng.normal(size=(5, 10)), rng.normal(size=(5, 10))
    for temperature in (0.5, 1, 3, 10):
        assert float(soft_target_loss(t, s, temperature)) == pytest.approx(_manual_soft(t, s, temperature), rel=1e-5)
    assert float(soft_target_loss(s, s, 4.0)) == pytest.approx(0, abs=1e-6)


def test_distillation_loss_mixes_labels_and_soft_targets_with_alpha():
    ce = np.log(1 + np.exp(2.0))  # -log softmax(0, 2)[0] = 2.1269
    soft = 2 * np.tanh(1)
    y = np.array([0])
    for alpha, expected in ((1.0, ce), (0.0, soft), (0.1, 0.1 * ce + 0.9 * soft)):
        got = float(distillation_loss(y, TEACHER, STUDENT, temperature=1.0, alpha=alpha))
        assert got == pytest.approx(expected, rel=1e-5)


def test_hard_distillation_loss_uses_the_teachers_argmax():
    class_logits = np.array([[0.0, 2.0]], "float32")  # label 0: CE 2.1269
    dist_logits = np.array([[0.0, 2.0]], "float32")  # teacher says 1: CE log(1 + e^-2) = 0.1269
    teacher = np.array([[-1.0, 7.0]], "float32")
    got = float(hard_distillation_loss(np.array([0]), teacher, class_logits, dist_logits))
    assert got == pytest.approx(0.5 * np.log(1 + np.exp(2.0)) + 0.5 * np.log(1 + np.exp(-2.0)), rel=1e-5)


def test_keras_logits_distillation_default_is_wrong_and_ours_is_right():
    from keras.distillation import LogitsDistillation

    rng = np.random.default_rng(0)  # the reference's logits: teacher x3, 5 x 10
    teacher = (3 * rng.normal(size=(5, 10))).astype("float32")
    student = rng.normal(size=(5, 10)).astype("float32")
    right = {1: 1.6816, 3: 2.8010, 10: 3.3026}
    keras_default = {1: 36.58, 3: 28.84, 10: 10.78}
    for temperature in (1, 3, 10):
        ours = float(soft_target_loss(teacher, student, temperature))
        assert ours == pytest.approx(right[temperature], abs=1e-4)
        fixed = LogitsDistillation(temperature, loss=keras.losses.KLDivergence()).compute_loss(teacher, student)
        assert float(fixed) == pytest.approx(ours, rel=1e-4)
        default = float(LogitsDistillation(temperature).compute_loss(teacher, student))
        assert default == pytest.approx(keras_default[temperature], abs=0.01)


@pytest.mark.parametrize("kwargs, message", [
    ({"temperature": 0}, "temperature must be"),
    ({"temperature": -1.0}, "temperature must be"),
    ({"alpha": 1.5}, "alpha must be"),
])
def test_distiller_bad_input(kwargs, message):
    teacher = mlp(hidden_units=(4,), input_shape=(8, 8, 1), classifier_activation=None)
    student = mlp(hidden_units=(2,), input_shape=(8, 8, 1), classifier_activation=None)
    with pytest.raises(ValueError, match=message):
        Distiller(student, teacher, **kwargs)
    with pytest.raises(ValueError, match="temperature must be"):
        soft_target_loss(TEACHER, STUDENT, temperature=0.0)


def test_distillers_refuse_probabilities_and_single_heads():
    logits = mlp(hidden_units=(2,), input_shape=(8, 8, 1), classifier_activation=None)
    probabilities = mlp(hidden_units=(2,), input_shape=(8, 8, 1))
    with pytest.raises(ValueError, match="student must output logits"):
        Distiller(probabilities, logits)
    with pytest.raises(ValueError, match="teacher must output logits"):
        Distiller(logits, probabilities)
    with pytest.raises(ValueError, match="two outputs"):
        DeiTDistiller(logits, logits)
    with pytest.raises(TypeError, match="teacher must be a keras.Model"):
        Distiller(logits, "resnet50")


def _weights(model):
    return [np.array(w) for w in model.get_weights()]


@pytest.mark.slow
def test_distiller_trains_the_student_only_through_fit_and_saves(digits8, tmp_path):
    from dlcourse.train import fit

    keras.utils.set_random_seed(0)
    teacher = mlp(hidden_units=(32,), input_shape=(8, 8, 1), classifier_activation=None)
    student = mlp(hidden_units=(8,), input_shape=(8, 8, 1), classifier_activation=None)
    distiller = Distiller(student, teacher, temperature=4.0, alpha=0.5)
    teacher_before, student_before = _weights(teacher), _weights(student)
    result = fit(distiller, digits8, epochs=2, batch_size=128, verbose=0, tensorboard=False,
                 run_dir=tmp_path / "run")
    assert all(np.array_equal(a, b) for a, b in zip(teacher_before, _weights(teacher)))
    assert not all(np.array_equal(a, b) for a, b in zip(student_before, _weights(student)))
    assert len(distiller.trainable_weights) == len(student.trainable_weights) == 4
    assert {"loss", "accuracy"} <= set(result.history)

    x = digits8.sklearn_arrays("test")[0][:4].reshape(-1, 8, 8, 1)
    path = tmp_path / "distiller.keras"
    distiller.save(path)
    restored = keras.saving.load_model(path)
    assert isinstance(restored, Distiller) and restored.temperature == 4.0 and restored.alpha == 0.5
    assert not restored.teacher.trainable
    np.testing.assert_allclose(keras.ops.convert_to_numpy(restored(x)), keras.ops.convert_to_numpy(distiller(x)),
                               atol=1e-6)


@pytest.mark.slow
def test_deit_distiller_trains_both_heads_with_a_frozen_teacher():
    rng = np.random.default_rng(0)
    x = rng.uniform(size=(32, 8, 8, 1)).astype("float32")
    y = rng.integers(0, 3, 32)
    teacher = mlp(hidden_units=(8,), input_shape=(8, 8, 1), classes=3)  # probabilities are fine: argmax
    student = vision_transformer(patch_size=4, hidden_dim=16, depth=1, num_heads=2, mlp_dim=16, distilled=True,
                                 input_shape=(8, 8, 1), classes=3, classifier_activation=None)
    distiller = DeiTDistiller(student, teacher)
    distiller.compile(optimizer=keras.optimizers.Adam(1e-2), run_eagerly=True)  # 4 steps: tracing costs more
    teacher_before = _weights(teacher)
    heads_before = [student.get_layer(h).get_weights()[0].copy() for h in ("head", "head_dist")]
    history = distiller.fit(x, y, batch_size=16, epochs=2, verbose=0)
    assert np.isfinite(history.history["loss"]).all() and "accuracy" in history.history
    assert all(np.array_equal(a, b) for a, b in zip(teacher_before, _weights(teacher)))
    for name, before in zip(("head", "head_dist"), heads_before):
        assert not np.array_equal(before, student.get_layer(name).get_weights()[0])
    class_logits, dist_logits = student(x[:2])
    np.testing.assert_allclose(keras.ops.convert_to_numpy(distiller(x[:2])),
                               keras.ops.convert_to_numpy((class_logits + dist_logits) / 2), atol=1e-6)


@pytest.mark.slow
def test_registered_deit_averages_its_heads_and_its_distiller_round_trips(tmp_path):
    from dlcourse.models import get_model
    from dlcourse.models.sequence.vit import distillation_heads

    rng = np.random.default_rng(0)
    x = rng.uniform(size=(3, 14, 14, 1)).astype("float32")
    deit = get_model("deit_tiny_digits", input_shape=(14, 14, 1), classes=3, classifier_activation=None)
    head, head_dist = distillation_heads(deit)(x)
    np.testing.assert_allclose(keras.ops.convert_to_numpy(deit(x)),
                               keras.ops.convert_to_numpy((head + head_dist) / 2), atol=1e-6)
    teacher = mlp(hidden_units=(4,), input_shape=(14, 14, 1), classes=3, classifier_activation=None)
    distiller = DeiTDistiller(get_model("deit_tiny_digits", input_shape=(14, 14, 1), classes=3), teacher)
    assert len(distiller.student.outputs) == 2  # the softmax after the average is not part of the heads
    path = tmp_path / "deit_distiller.keras"
    distiller.save(path)
    restored = keras.saving.load_model(path)
    assert isinstance(restored, DeiTDistiller) and not restored.teacher.trainable
    assert restored.student.count_params() == distiller.student.count_params()
    np.testing.assert_allclose(keras.ops.convert_to_numpy(restored(x)), keras.ops.convert_to_numpy(distiller(x)),
                               atol=1e-6)
    with pytest.raises(ValueError, match="not a distilled DeiT"):
        distillation_heads(teacher)
