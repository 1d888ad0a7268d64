"""Knowledge distillation (증류 학습): a small student learns from a large, frozen teacher.

Hinton, Vinyals & Dean 2015, "Distilling the knowledge in a neural network": soft targets
``softmax(z_teacher / T)`` at temperature T carry how the teacher ranks the wrong classes; the
student matches them with ``T^2 KL(softmax(t / T) || softmax(s / T))`` (the T^2 keeps the soft
gradients' size independent of T) mixed with the usual cross-entropy on the labels:
``loss = alpha CE(y, s) + (1 - alpha) T^2 KL`` (keras-io's convention: alpha weighs the labels).

Touvron et al. 2021 (DeiT), hard distillation: ``1/2 CE(y, class head) + 1/2 CE(argmax teacher,
distillation head)``; inference averages the two heads.

Both are `keras.Model` subclasses that bring their own loss (they override ``compute_loss``, which
Keras' own ``train_step`` calls, so ``fit``, callbacks, run directories and ``.keras`` saving work on
every backend): the teacher is frozen (``trainable = False``) and only the student's weights train.

Keras 3.15's ``keras.distillation.LogitsDistillation`` with its default ``loss="kl_divergence"`` takes
KL of the raw temperature-scaled logits (no softmax, no T^2): 36.58 where the right value is 1.68
at T = 1 on the same logits; pass ``loss=keras.losses.KLDivergence()`` (tests/test_distillation.py).

Example:
    >>> import numpy as np
    >>> round(float(soft_target_loss(np.array([[2.0, 0.0]]), np.array([[0.0, 2.0]]), temperature=1.0)), 4)
    1.5232
"""

from __future__ import annotations

import keras
from keras import ops

from dlcourse.checks import check_fraction, check_positive_number

DISTILL_TEMPERATURE = 3.0  # keras-io's and keras.distillation's default
DISTILL_ALPHA = 0.1  # keras-io's weight of the label loss


def soft_target_loss(teacher_logits, student_logits, temperature=DISTILL_TEMPERATURE):
    """``T^2 mean_batch KL(softmax(t / T) || softmax(s / T))``: Hinton's soft-target loss.

    Args:
        teacher_logits, student_logits: ``(batch, classes)`` logits (not probabilities).
        temperature: T > 0; higher is softer.

    Returns:
        The loss, a scalar tensor.

    Example:
        >>> import numpy as np
        >>> float(soft_target_loss(np.ones((1, 3)), np.zeros((1, 3)), temperature=4.0))  # same softmax
        0.0
    """
    temperature = check_positive_number("temperature", temperature)
    teacher = ops.log_softmax(ops.convert_to_tensor(teacher_logits, "float32") / temperature, axis=-1)
    student = ops.log_softmax(ops.convert_to_tensor(student_logits, "float32") / temperature, axis=-1)
    kl = ops.sum(ops.exp(teacher) * (teacher - student), axis=-1)
    return temperature ** 2 * ops.mean(kl)


def distillation_loss(y, teacher_logits, student_logits, *, temperature=DISTILL_TEMPERATURE, alpha=DISTILL_ALPHA):
    """``alpha CE(y, student) + (1 - alpha) soft_target_loss``: the student's whole loss.

    Args:
        y: integer labels ``(batch,)``.
        teacher_logits, student_logits: ``(batch, classes)`` logits.
        temperature: T > 0.
        alpha: the weight of the label loss, in [0, 1].

    Returns:
        The loss, a scalar tensor.

    Example:
        >>> import numpy as np
        >>> t, s = np.array([[2.0, 0.0]]), np.array([[0.0, 2.0]])
        >>> round(float(distillation_loss(np.array([0]), t, s, temperature=1.0, alpha=1.0)), 4)  # CE alone
        2.1269
    """
    alpha = check_fraction("alpha", alpha, allow_one=True)
    student_logits = ops.cast(student_logits, "float32")
    hard = ops.mean(keras.losses.sparse_categorical_crossentropy(y, student_logits, from_logits=True))
    return alpha * hard + (1 - alpha) * soft_target_loss(teacher_logits, student_logits, temperature)


def hard_distillation_loss(y, teacher_logits, class_logits, distillation_logits):
    """DeiT's ``1/2 CE(y, class head) + 1/2 CE(argmax teacher, distillation head)``.

    Example:
        >>> import numpy as np
        >>> z = np.array([[0.0, 0.0]])
        >>> round(float(hard_distillation_loss(np.array([0]), np.array([[0.0, 5.0]]), z, z)), 4)  # log 2
        0.6931
    """
    teacher_labels = ops.argmax(teacher_logits, axis=-1)
    class_logits, distillation_logits = ops.cast(class_logits, "float32"), ops.cast(distillation_logits, "float32")
    label_loss = keras.losses.sparse_categorical_crossentropy(y, class_logits, from_logits=True)
    teacher_loss = keras.losses.sparse_categorical_crossentropy(teacher_labels, distillation_logits, from_logits=True)
    return 0.5 * ops.mean(label_loss) + 0.5 * ops.mean(teacher_loss)


def _check_logits(role, model):
    if not isinstance(model, keras.Model):
        raise TypeError(f"{role} must be a keras.Model; got {type(model).__name__}")
    for output in model.outputs if isinstance(model.outputs, list) else [model.outputs]:
        layer = output._keras_history.operation if hasattr(output, "_keras_history") else None
        activation = getattr(getattr(layer, "activation", None), "__name__", "")
        if activation in ("softmax", "sigmoid"):
            raise ValueError(f"{role} must output logits (build it with classifier_activation=None); "
                             f"its layer {layer.name} applies {activation}")


class _TeacherStudent(keras.Model):
    """What both distillers share: a trainable student, a frozen teacher, an accuracy metric."""

    task = "classification"

    def __init__(self, student, teacher, **kwargs):
        super().__init__(**kwargs)
        self.student = student
        self.teacher = teacher
        self.teacher.trainable = False  # only the student learns
        self.accuracy = keras.metrics.SparseCategoricalAccuracy(name="accuracy")
        shape = tuple(student.input_shape[1:])
        if all(dim is not None for dim in shape):
            self(ops.zeros((1, *shape)))  # built at once, so it saves and loads like the student

    @property
    def input_shape(self):
        """The student's input shape (what `fit` checks the data against)."""
        return self.student.input_shape

    @property
    def output_shape(self):
        """The shape of the distiller's predictions: the student's classes."""
        shape = self.student.output_shape
        return shape[0] if isinstance(shape, list) else shape

    def compute_metrics(self, x, y, y_pred, sample_weight=None):
        if len(y_pred.shape) == 3:  # DeiT while training: both heads stacked
            y_pred = ops.mean(y_pred, axis=0)
        self.accuracy.update_state(y, y_pred, sample_weight)
        return self.get_metrics_result()

    def get_config(self):
        return {
            **super().get_config(),
            "student": keras.saving.serialize_keras_object(self.student),
            "teacher": keras.saving.serialize_keras_object(self.teacher),
        }

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        for role in ("student", "teacher"):
            config[role] = keras.saving.deserialize_keras_object(config[role])
        return cls(**config)


@keras.saving.register_keras_serializable(package="dlcourse")
class Distiller(_TeacherStudent):
    """Train `student` on the labels and on `teacher`'s soft targets (Hinton et al. 2015).

    Args:
        student: a classifier that outputs logits (``classifier_activation=None``).
        teacher: a trained classifier with logits of the same classes; frozen here.
        temperature: T > 0 of the soft targets.
        alpha: weight of the label loss in [0, 1]; ``1 - alpha`` weighs the soft targets.

    Calling the distiller runs the student; ``distiller.student`` is the model to keep.

    Example:
        >>> from dlcourse.models import mlp
        >>> teacher = mlp(input_shape=(8, 8, 1), classifier_activation=None)
        >>> student = mlp(hidden_units=(8,), input_shape=(8, 8, 1), classifier_activation=None)
        >>> distiller = Distiller(student, teacher, temperature=4.0)
        >>> len(distiller.trainable_weights) == len(student.trainable_weights)
        True
    """

    def __init__(self, student, teacher, temperature=DISTILL_TEMPERATURE, alpha=DISTILL_ALPHA, **kwargs):
        self.temperature = check_positive_number("temperature", temperature)
        self.alpha = check_fraction("alpha", alpha, allow_one=True)
        _check_logits("student", student)
        _check_logits("teacher", teacher)
        if student.output_shape[-1] != teacher.output_shape[-1]:
            raise ValueError(f"student and teacher must score the same classes; got {student.output_shape[-1]} "
                             f"and {teacher.output_shape[-1]}")
        super().__init__(student, teacher, **kwargs)

    def call(self, x, training=None):
        return self.student(x, training=training)

    def compute_loss(self, x=None, y=None, y_pred=None, sample_weight=None, training=True):
        teacher_logits = self.teacher(x, training=False)
        return distillation_loss(y, teacher_logits, y_pred, temperature=self.temperature, alpha=self.alpha)

    def get_config(self):
        return {**super().get_config(), "temperature": self.temperature, "alpha": self.alpha}


@keras.saving.register_keras_serializable(package="dlcourse")
class DeiTDistiller(_TeacherStudent):
    """Train a distilled DeiT (`deit_tiny16(..., classifier_activation=None)`) with DeiT's hard distillation.

    Args:
        student: a model with two logit outputs ``[class head, distillation head]`` (``distilled=True``),
            or `deit_tiny_digits` (its averaged heads are taken apart by `distillation_heads`; the
            distiller's ``student`` is then that two-output view, sharing the model's weights).
        teacher: a trained classifier (a CNN from the zoo); frozen. Only its argmax is used.

    Calling it returns the average of the two heads' logits (DeiT's inference).

    Example:
        >>> import numpy as np
        >>> from dlcourse.models import notes_cnn
        >>> from dlcourse.models.sequence.vit import vision_transformer
        >>> student = vision_transformer(patch_size=7, hidden_dim=16, depth=1, num_heads=2, mlp_dim=32,
        ...     distilled=True, input_shape=(28, 28, 1), classes=10, classifier_activation=None)
        >>> tuple(DeiTDistiller(student, notes_cnn())(np.zeros((1, 28, 28, 1), "float32")).shape)
        (1, 10)
    """

    def __init__(self, student, teacher, **kwargs):
        from dlcourse.models.sequence.vit import distillation_heads

        if not isinstance(student, keras.Model):
            raise TypeError(f"student must be a keras.Model; got {type(student).__name__}")
        if not isinstance(teacher, keras.Model):
            raise TypeError(f"teacher must be a keras.Model; got {type(teacher).__name__}")
        if len(student.outputs) == 1 and {"head", "head_dist"} <= {layer.name for layer in student.layers}:
            student = distillation_heads(student)
        _check_logits("student", student)
        if len(student.outputs) != 2:
            raise ValueError("student must be a distilled DeiT with two outputs [class head, distillation head]; "
                             f"got {len(student.outputs)} output(s) (build it with distilled=True)")
        super().__init__(student, teacher, **kwargs)

    def call(self, x, training=None):
        class_logits, distillation_logits = self.student(x, training=training)
        if training:  # both heads, for the loss
            return ops.stack([class_logits, distillation_logits])
        return (class_logits + distillation_logits) / 2

    def compute_loss(self, x=None, y=None, y_pred=None, sample_weight=None, training=True):
        if len(y_pred.shape) == 3:
            class_logits, distillation_logits = y_pred[0], y_pred[1]
        else:
            class_logits, distillation_logits = self.student(x, training=False)
        return hard_distillation_loss(y, self.teacher(x, training=False), class_logits, distillation_logits)
