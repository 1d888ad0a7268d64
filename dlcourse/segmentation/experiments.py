"""The segmentation measurements of lesson 9 and the README: FCN-32s vs 16s vs 8s, and U-Net vs data size.

Both train through `dlcourse.train.fit` on the shapes data set (seed 0) and score the same 200 test
images with `mean_iou` and `boundary_iou` (mean IoU within a few pixels of the true edges, where the
coarse FCN-32s blurs). `benchmarks/bench_segmentation.py` runs them at the README's settings; the
lesson and the tests at smaller ones.

Example:
    >>> data = shapes_splits(image_size=32, train_images=10)   # what data_size_curve trains on at 10 images
    >>> len(data.x_train), len(data.x_val), len(data.x_test)
    (10, 100, 200)
"""

from __future__ import annotations

import dataclasses
import time

import numpy as np

from dlcourse.checks import check_positive_int
from dlcourse.segmentation.metrics import boundary_iou, mean_iou, pixel_accuracy

FCN_NAMES = ("fcn32s_small", "fcn16s_small", "fcn8s_small")
CURVE_COUNTS = (10, 100, 1000)
VALIDATION_IMAGES = 100  # held out beside the largest training set, the same for every size
BOUNDARY_WIDTH = 2  # the band of boundary_iou: the two pixels each side of an edge


def shapes_splits(image_size, train_images, seed=0):
    """Shapes `ImageData` with exactly `train_images` training images, 100 validation and 200 test images."""
    from dlcourse.data.shapes import load_shapes

    train_images = check_positive_int("train_images", train_images)
    train, test = load_shapes(image_size=image_size, train_size=train_images + VALIDATION_IMAGES, seed=seed)
    data = train.image_data(test=test, validation_split=VALIDATION_IMAGES / (train_images + VALIDATION_IMAGES),
                            seed=seed)
    return dataclasses.replace(data, name="shapes", source=f"dlcourse.data.shapes (drawn here, seed {seed})")


def _score(name, data, model, seconds, width):
    scores = model.predict(data.x_test, verbose=0)
    return {
        "model": name, "train_images": int(len(data.x_train)),
        "mean_iou": mean_iou(data.y_test, scores, data.num_classes),
        "boundary_iou": boundary_iou(data.y_test, scores, data.num_classes, width=width),
        "pixel_accuracy": pixel_accuracy(data.y_test, scores), "seconds": seconds,
    }


def _train(name, data, settings, model_args=None):
    import keras

    from dlcourse.train import fit

    keras.utils.set_random_seed(settings.pop("seed", 0))
    start = time.perf_counter()
    result = fit(name, data, tensorboard=False, verbose=0, model_args=model_args, **settings)
    return result.model, time.perf_counter() - start


def compare_fcns(names=FCN_NAMES, *, image_size=64, train_images=600, epochs=8, batch_size=16,
                 learning_rate=2e-3, seed=0, width=BOUNDARY_WIDTH, verbose=True) -> list:
    """Train each of `names` with the same data, budget and seed; score mean IoU and boundary IoU.

    Args:
        names: registered segmentation models (FCN-32s, 16s, 8s on the small VGG backbone by default).
        image_size: the shapes images' side (a multiple of 32 for FCN).
        train_images: the training images (100 more are held out for validation, 200 test).
        epochs, batch_size, learning_rate: the budget, the same for each model.
        seed: the data's and the weights' seed.
        width: `boundary_iou`'s band.
        verbose: print a line per model.

    Returns:
        One dict per model: ``model``, ``train_images``, ``mean_iou``, ``boundary_iou``,
        ``pixel_accuracy`` (on the 200 test images) and ``seconds`` of training.
    """
    data = shapes_splits(image_size, train_images, seed)
    rows = []
    for name in names:
        model, seconds = _train(name, data, dict(epochs=epochs, batch_size=batch_size,
                                                 learning_rate=learning_rate, seed=seed))
        rows.append(_score(name, data, model, seconds, width))
        if verbose:
            print(format_row(rows[-1]), flush=True)
    return rows


def data_size_curve(counts=CURVE_COUNTS, *, model="unet_small", image_size=32, steps=400, batch_size=16,
                    learning_rate=2e-3, seed=0, model_args=None, width=BOUNDARY_WIDTH, verbose=True) -> list:
    """Train `model` on the first 10, 100, 1,000 ... training images, each for the same number of steps.

    The small sets are repeated (each image seen more often), so every size gets `steps` updates of
    `batch_size` images; all are validated on the same 100 images and scored on the same 200 test images.

    Args:
        counts: the training-set sizes.
        model: a registered segmentation model.
        image_size: the shapes images' side.
        steps: the gradient steps for each size (over 4 epochs).
        batch_size, learning_rate, seed: as for `compare_fcns`.
        model_args: extra builder arguments (``{"base_filters": 8}``).

    Returns:
        One dict per size, as `compare_fcns` returns them.
    """
    steps = check_positive_int("steps", steps)
    counts = [check_positive_int("counts", c) for c in counts]
    full = shapes_splits(image_size, max(counts), seed)
    epochs = 4 if steps >= 4 else 1
    rows = []
    for count in counts:
        x, y = full.x_train[:count], full.y_train[:count]
        repeats = -(-steps * batch_size // (epochs * count))
        tiled = dataclasses.replace(full, x_train=np.concatenate([x] * repeats)[:steps * batch_size // epochs],
                                    y_train=np.concatenate([y] * repeats)[:steps * batch_size // epochs])
        trained, seconds = _train(model, tiled, dict(epochs=epochs, batch_size=batch_size,
                                                     learning_rate=learning_rate, seed=seed), model_args)
        row = _score(model, full, trained, seconds, width)
        row["train_images"] = count
        rows.append(row)
        if verbose:
            print(format_row(row), flush=True)
    return rows


def format_row(row) -> str:
    """One result as a line: model, images, mean IoU, boundary IoU, pixel accuracy, seconds."""
    return (f"{row['model']:13s} {row['train_images']:5d} images: mean IoU {row['mean_iou']:.3f}, "
            f"boundary IoU {row['boundary_iou']:.3f}, pixel accuracy {row['pixel_accuracy']:.3f}, "
            f"{row['seconds']:.0f} s")
