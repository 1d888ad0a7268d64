"""Data augmentation (데이터 증강) from Keras' preprocessing layers: geometric, MixUp, CutMix, RandomErasing.

MixUp (Zhang et al., ICLR 2018) blends two images and their labels; CutMix (Yun et al., ICCV 2019)
pastes a patch of one image into another and mixes the labels by area; RandomErasing (Zhong et al.,
AAAI 2020; "cutout", DeVries & Taylor 2017) blanks a random rectangle. All are Keras 3 layers; this
module only picks settings that suit small grey-scale digits and wires them into a `tf.data` pipeline.

Example:
    >>> from dlcourse.data import load_dataset
    >>> from dlcourse.models import mlp
    >>> data = load_dataset("digits", image_size=8)
    >>> train = mixed_batches(data.train_dataset(64), "cutmix", data.num_classes)
    >>> model = mlp(input_shape=data.input_shape, classes=data.num_classes)
    >>> model.compile("adam", "categorical_crossentropy")    # labels are now one-hot
    >>> history = model.fit(train, epochs=1, verbose=0)
"""

from __future__ import annotations

import keras

MIXES = ("mixup", "cutmix")


def augmentation(rotation=0.05, translation=0.1, zoom=0.1, erasing=0.0, seed=0) -> keras.Sequential:
    """Random geometric augmentation for digits (no flips: a flipped 2 is not a 2), optionally with erasing.

    Args:
        rotation: the largest rotation, as a fraction of a full turn.
        translation: the largest shift, as a fraction of height and width.
        zoom: the largest zoom in or out, as a fraction.
        erasing: `random_erasing`'s factor (cutout); 0 leaves it out.
        seed: seeds every layer.

    Returns:
        A `keras.Sequential` of preprocessing layers; active only with ``training=True``.

    Example:
        >>> from dlcourse.models import notes_cnn
        >>> model = keras.Sequential([keras.Input((28, 28, 1)), augmentation(), notes_cnn()])
        >>> model.output_shape
        (None, 10)
    """
    layers = [
        keras.layers.RandomRotation(rotation, fill_mode="constant", seed=seed, name="random_rotation"),
        keras.layers.RandomTranslation(translation, translation, fill_mode="constant", seed=seed, name="random_translation"),
        keras.layers.RandomZoom(zoom, fill_mode="constant", seed=seed, name="random_zoom"),
    ]
    if erasing:
        layers.append(random_erasing(erasing, seed=seed))
    return keras.Sequential(layers, name="augmentation")


def random_erasing(factor=0.5, scale=(0.02, 0.2), seed=0) -> keras.layers.Layer:
    """Keras' `RandomErasing` (cutout) for images in [0, 1], erasing to 0 (the background).

    Args:
        factor: Keras' `factor`: how likely an image is erased (the chance is drawn up to it).
        scale: the erased area, as a range of fractions of the image.

    Example:
        >>> images = keras.ops.ones((2, 8, 8, 1))
        >>> erased = random_erasing(1.0)(images, training=True)
        >>> float(keras.ops.min(erased))    # some pixels erased to the background
        0.0
    """
    return keras.layers.RandomErasing(factor=factor, scale=scale, fill_value=0.0, value_range=(0, 1),
                                      seed=seed, name="random_erasing")


def mix_layer(method: str, strength: float | None = None, seed=0) -> keras.layers.Layer:
    """Keras' `MixUp` (``strength`` = alpha, default 0.2) or `CutMix` (``strength`` = factor, default 1.0)."""
    if method == "mixup":
        return keras.layers.MixUp(alpha=0.2 if strength is None else strength, seed=seed)
    if method == "cutmix":
        return keras.layers.CutMix(factor=1.0 if strength is None else strength, seed=seed)
    raise ValueError(f"method must be one of {MIXES}; got {method!r}")


def mix_batch(images, labels, method="mixup", num_classes=None, strength=None, seed=0):
    """Mix one batch with Keras' MixUp or CutMix; integer labels are one-hot encoded first.

    Args:
        images: a batch ``(n, h, w, c)``.
        labels: integer labels ``(n,)`` (then `num_classes` is needed) or one-hot ``(n, classes)``.
        method: ``"mixup"`` or ``"cutmix"``.
        strength: MixUp's alpha or CutMix's factor.

    Returns:
        ``(mixed_images, mixed_labels)``, the labels as float rows that sum to 1.

    Example:
        >>> images, labels = keras.random.uniform((4, 8, 8, 1), seed=0), [0, 1, 2, 3]
        >>> x, y = mix_batch(images, labels, "cutmix", num_classes=10)
        >>> [round(float(row), 4) for row in keras.ops.sum(y, axis=1)]
        [1.0, 1.0, 1.0, 1.0]
    """
    labels = keras.ops.convert_to_tensor(labels)
    if len(labels.shape) == 1:
        if num_classes is None:
            raise ValueError("num_classes is needed with integer labels")
        labels = keras.ops.one_hot(labels, num_classes)
    out = mix_layer(method, strength, seed)({"images": images, "labels": keras.ops.cast(labels, "float32")})
    return out["images"], out["labels"]


def mixed_batches(dataset, method="mixup", num_classes=None, strength=None, seed=0):
    """A `tf.data.Dataset` of ``(images, labels)`` batches mixed by MixUp or CutMix (one-hot labels).

    Example:
        >>> from dlcourse.data import load_dataset
        >>> train = mixed_batches(load_dataset("digits", image_size=8).train_dataset(64), "mixup", 10)
        >>> train.element_spec[1].shape
        TensorShape([None, 10])
    """
    import tensorflow as tf

    layer = mix_layer(method, strength, seed)

    def mix(images, labels):
        if labels.shape.rank == 1:
            labels = tf.one_hot(tf.cast(labels, "int32"), num_classes)
        out = layer({"images": images, "labels": tf.cast(labels, "float32")})
        return out["images"], out["labels"]

    if num_classes is None and dataset.element_spec[1].shape.rank == 1:
        raise ValueError("num_classes is needed with integer labels")
    return dataset.map(mix, num_parallel_calls=tf.data.AUTOTUNE)
