"""The segmentation measurements of lesson 9 and the README: FCN-32s vs 16s vs 8s, and U-Net vs data size.

`oracle_upsampling` needs no training: it scores each FCN's own last upsampling applied to ideal
scores at its stride, what the skips change (tested; the trained comparison is one run).

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
MAX_SHIFT = 4  # shapes_views' largest shift in pixels (an eighth of the curve's 32-pixel images)


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
    return result, time.perf_counter() - start


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
        result, seconds = _train(name, data, dict(epochs=epochs, batch_size=batch_size,
                                                  learning_rate=learning_rate, seed=seed))
        rows.append(_score(name, data, result.model, seconds, width))
        if verbose:
            print(format_row(rows[-1]), flush=True)
    return rows


def ideal_scores(masks, num_classes, stride) -> np.ndarray:
    """The oracle score map at `stride`: each ``stride x stride`` cell's class fractions (a perfect coarse classifier).

    Example:
        >>> ideal_scores(np.array([[[0, 0, 1, 1], [0, 0, 1, 1], [0, 0, 0, 0], [0, 0, 0, 1]]]), 2, 2)[0, :, :, 1]
        array([[0.  , 1.  ],
               [0.  , 0.25]], dtype=float32)
    """
    masks = np.asarray(masks)
    stride = check_positive_int("stride", stride)
    num_classes = check_positive_int("num_classes", num_classes)
    if masks.ndim != 3 or not np.issubdtype(masks.dtype, np.integer) or masks.min() < 0 or masks.max() >= num_classes:
        raise ValueError(f"masks must be (n, height, width) class ids in [0, {num_classes - 1}]; "
                         f"got shape {masks.shape}, dtype {masks.dtype}")
    n, height, width = masks.shape
    if height % stride or width % stride:
        raise ValueError(f"stride: {stride} does not divide the masks' {height} x {width} pixels")
    onehot = np.eye(num_classes, dtype="float32")[masks]
    return onehot.reshape(n, height // stride, stride, width // stride, stride, num_classes).mean(axis=(2, 4))


def oracle_upsampling(masks, num_classes, names=FCN_NAMES, width=BOUNDARY_WIDTH) -> list:
    """What each FCN's upsampling path makes of ideal scores at its stride (no training).

    An FCN-Ns's output is its last, fixed bilinear deconvolution (``upscore32``, ``upscore16``,
    ``upscore8``) applied to a stride-N score map. Give that layer, taken from the built model, the
    oracle stride-N map (`ideal_scores`: each cell's class fractions) and score the upsampled masks:
    the coarser the stride, the less a cell's scores say about where an edge runs inside it, and the
    lower the boundary IoU. (Not a strict upper bound: learned scores need not be class fractions.)

    Args:
        masks: true masks ``(n, h, w)``, h and w multiples of 32.
        num_classes: the number of classes.
        names: registered FCN models.
        width: `boundary_iou`'s band.

    Returns:
        One dict per model: ``model``, ``stride``, ``mean_iou`` and ``boundary_iou`` of the upsampled
        oracle scores.
    """
    import keras

    from dlcourse.models import get_model

    masks = np.asarray(masks)
    rows = []
    for name in names:
        model = get_model(name, input_shape=(*masks.shape[1:3], 3), classes=num_classes)
        last = [layer for layer in model.layers if isinstance(layer, keras.layers.Conv2DTranspose)][-1]
        stride = last.strides[0]
        scores = keras.ops.convert_to_numpy(last(ideal_scores(masks, num_classes, stride)))
        rows.append({"model": name, "stride": stride, "mean_iou": mean_iou(masks, scores, num_classes),
                     "boundary_iou": boundary_iou(masks, scores, num_classes, width=width)})
    return rows


def shapes_views(images, masks, seed=0, max_shift=MAX_SHIFT):
    """Random label-preserving views of shapes images and their masks (데이터 증강, data augmentation).

    Each image is mirrored left-right or not (the triangles point up, so never upside down), shifted by
    up to `max_shift` pixels each way (wrapping round; the mask with it) and has its colour channels
    permuted (the shapes' colours are uniformly random, so a permuted image is another drawing).

    Example:
        >>> x, y = np.random.default_rng(0).uniform(size=(3, 8, 8, 3)), np.zeros((3, 8, 8), int)
        >>> y[:, 2:4, 1:3] = 1
        >>> vx, vy = shapes_views(x, y)
        >>> vx.shape, vy.shape, [int(m.sum()) for m in vy]   # every mask keeps its 4 shape pixels
        ((3, 8, 8, 3), (3, 8, 8), [4, 4, 4])
    """
    rng = np.random.default_rng(seed)
    images, masks = np.array(images), np.array(masks)
    for i in range(len(images)):
        if rng.random() < 0.5:
            images[i], masks[i] = images[i][:, ::-1], masks[i][:, ::-1]
        shift = tuple(int(v) for v in rng.integers(-max_shift, max_shift + 1, 2))
        images[i], masks[i] = np.roll(images[i], shift, (0, 1)), np.roll(masks[i], shift, (0, 1))
        images[i] = images[i][..., rng.permutation(images.shape[-1])]
    return images, masks


def data_size_curve(counts=CURVE_COUNTS, *, model="unet_small", image_size=32, steps=1000, epochs=10,
                    batch_size=16, learning_rate=2e-3, seed=0, model_args=None, augment=False,
                    width=BOUNDARY_WIDTH, verbose=True) -> list:
    """Train `model` on the first 10, 100, 1,000 ... training images, each for the same number of steps.

    The small sets are repeated (each image seen more often), so every size gets `steps` updates of
    `batch_size` images, on the same warm-up + cosine schedule that ends near a zero learning rate; all
    are validated on the same 100 images after each of `epochs` equal parts of the budget and scored on
    the same 200 test images. The budget is fair when the largest set is learnt within it: its
    ``val_mean_iou`` history has stopped rising (the README's run: 1,000 steps for 1,000 images).

    Args:
        counts: the training-set sizes.
        model: a registered segmentation model.
        image_size: the shapes images' side.
        steps: the gradient steps for each size.
        epochs: the parts the steps are split into (a validation score after each).
        batch_size, learning_rate, seed: as for `compare_fcns`.
        model_args: extra builder arguments (``{"base_filters": 8}``).
        augment: True shows each image once as it is and every repetition as another random view
            (`shapes_views`), as U-Net's authors did with few images (they used elastic deformations).

    Returns:
        One dict per size, as `compare_fcns` returns them, plus ``val_mean_iou``: the validation mean
        IoU after each epoch.
    """
    steps = check_positive_int("steps", steps)
    epochs = min(check_positive_int("epochs", epochs), steps)
    counts = [check_positive_int("counts", c) for c in counts]
    full = shapes_splits(image_size, max(counts), seed)
    per_epoch = steps * batch_size // epochs
    rows = []
    for count in counts:
        x, y = full.x_train[:count], full.y_train[:count]
        repeats = -(-per_epoch // count)
        x, y = np.concatenate([x] * repeats)[:per_epoch], np.concatenate([y] * repeats)[:per_epoch]
        if augment:
            x[count:], y[count:] = shapes_views(x[count:], y[count:], seed)
        tiled = dataclasses.replace(full, x_train=x, y_train=y)
        result, seconds = _train(model, tiled, dict(epochs=epochs, batch_size=batch_size,
                                                    learning_rate=learning_rate, seed=seed), model_args)
        row = _score(model, full, result.model, seconds, width)
        row["train_images"], row["augment"] = count, bool(augment)
        row["val_mean_iou"] = [float(v) for v in result.history.get("val_mean_iou", [])]
        rows.append(row)
        if verbose:
            print(format_row(row) + "; validation mean IoU by epoch "
                  + " ".join(f"{v:.2f}" for v in row["val_mean_iou"]), flush=True)
    return rows


def format_row(row) -> str:
    """One result as a line: model, images, mean IoU, boundary IoU, pixel accuracy, seconds."""
    return (f"{row['model']:13s} {row['train_images']:5d} images: mean IoU {row['mean_iou']:.3f}, "
            f"boundary IoU {row['boundary_iou']:.3f}, pixel accuracy {row['pixel_accuracy']:.3f}, "
            f"{row['seconds']:.0f} s")
