"""Segmentation losses: per-pixel cross-entropy, the Dice loss, and their sum.

Dice (Milletari et al., "V-Net", 3DV 2016): ``1 - 2 |A ∩ B| / (|A| + |B|)`` on soft class
probabilities, averaged over the classes; it weighs a small object as much as the background,
where per-pixel cross-entropy is dominated by the most frequent class. Both take integer masks
``(batch, h, w)`` and scores ``(batch, h, w, classes)`` (logits unless ``from_logits=False``).

Example:
    >>> import numpy as np
    >>> perfect = np.eye(2, dtype="float32")[[[0, 1], [1, 0]]][None] * 20  # confident, right logits
    >>> round(float(DiceLoss()(np.array([[[0, 1], [1, 0]]]), perfect)), 4)
    0.0
"""

from __future__ import annotations

import keras
from keras import ops

DICE_SMOOTH = 1.0  # added to numerator and denominator: an absent class scores 1, not 0/0


@keras.saving.register_keras_serializable(package="dlcourse")
class DiceLoss(keras.losses.Loss):
    """Soft Dice loss averaged over classes, for integer masks and per-pixel class scores.

    Args:
        from_logits: whether the scores are logits (softmax is applied) or probabilities.
        smooth: added to the Dice numerator and denominator.
        name: the loss' name.
    """

    def __init__(self, from_logits=True, smooth=DICE_SMOOTH, name="dice", **kwargs):
        super().__init__(name=name, **kwargs)
        self.from_logits = from_logits
        self.smooth = smooth

    def call(self, y_true, y_pred):
        classes = ops.shape(y_pred)[-1]
        probabilities = ops.softmax(y_pred, axis=-1) if self.from_logits else y_pred
        y_true = ops.cast(y_true, "int32")
        if len(y_true.shape) == len(y_pred.shape):  # (batch, h, w, 1) masks
            y_true = ops.squeeze(y_true, axis=-1)
        one_hot = ops.one_hot(y_true, classes, dtype=probabilities.dtype)
        axes = tuple(range(1, len(y_pred.shape) - 1))  # the pixels of each image
        intersection = ops.sum(one_hot * probabilities, axis=axes)
        total = ops.sum(one_hot, axis=axes) + ops.sum(probabilities, axis=axes)
        dice = (2 * intersection + self.smooth) / (total + self.smooth)
        return 1 - ops.mean(dice, axis=-1)  # one loss per image

    def get_config(self):
        return {**super().get_config(), "from_logits": self.from_logits, "smooth": self.smooth}


@keras.saving.register_keras_serializable(package="dlcourse")
class DiceCrossEntropy(keras.losses.Loss):
    """Per-pixel cross-entropy plus the Dice loss (the U-Net practice of adding an overlap term).

    Args:
        from_logits: whether the scores are logits.
        dice_weight: the Dice term's weight.
        name: the loss' name.
    """

    def __init__(self, from_logits=True, dice_weight=1.0, name="dice_cross_entropy", **kwargs):
        super().__init__(name=name, **kwargs)
        self.from_logits = from_logits
        self.dice_weight = dice_weight
        self._dice = DiceLoss(from_logits=from_logits, reduction=None)

    def call(self, y_true, y_pred):
        cross_entropy = keras.losses.sparse_categorical_crossentropy(y_true, y_pred, from_logits=self.from_logits)
        cross_entropy = ops.mean(cross_entropy, axis=tuple(range(1, len(cross_entropy.shape))))
        return cross_entropy + self.dice_weight * self._dice(y_true, y_pred)

    def get_config(self):
        return {**super().get_config(), "from_logits": self.from_logits, "dice_weight": self.dice_weight}
