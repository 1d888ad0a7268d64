"""A synthetic shapes data set for detection and segmentation: made here, deterministic, offline.

Each image has a noisy background of one colour and a few circles, squares and triangles of other
colours and sizes, some overlapping (a later shape covers an earlier one, but never more than
`max_occlusion` of it). Every image comes with what both dense tasks need:

- ``boxes``: per image a float32 ``(k, 4)`` array in ``xyxy`` pixel coordinates, the tight box of
  the object's visible pixels: ``x1`` is its first column, ``x2`` its last column + 1 (so
  ``x2 - x1`` is its width in pixels, as torchvision and ``keras.utils.bounding_boxes`` count);
- ``classes``: per image an int32 ``(k,)`` array of class ids 0..2 (`SHAPE_CLASSES`);
- ``masks``: per image a bool ``(k, size, size)`` array, the visible pixels of each instance;
- ``semantic``: an int32 ``(n, size, size)`` array, 0 for background and ``1 + class id`` for a
  shape (four classes, `SEMANTIC_CLASSES`).

Image ``i`` depends only on ``(seed, i)`` and the drawing arguments: asking for more images keeps
the first ones as they were.

Example:
    >>> shapes = make_shapes(8, image_size=32, seed=0)
    >>> shapes.images.shape, shapes.semantic.shape
    ((8, 32, 32, 3), (8, 32, 32))
    >>> boxes, classes = shapes.padded()
    >>> boxes.shape[0], int(classes.min()) >= -1
    (8, True)
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np

from dlcourse.checks import check_fraction, check_int, check_number, check_positive_int

SHAPE_CLASSES = ("circle", "square", "triangle")
SEMANTIC_CLASSES = ("background",) + SHAPE_CLASSES
MIN_IMAGE_SIZE = 16  # below this a shape of a few pixels cannot be told apart from another
MAX_IMAGE_SIZE = 1024
MIN_OBJECT_PIXELS = 12  # a shape (or what stays visible of it) smaller than this is not placed
PLACEMENT_TRIES = 30
MIN_COLOUR_DISTANCE = 0.45  # between a shape's colour and the background's (RGB, in [0, 1])


@dataclass(frozen=True, kw_only=True)
class BoxData:
    """Images with their boxes and class ids: what every detector here trains on.

    The shapes data set (`Shapes`) and the real sets read through TFDS
    (`dlcourse.data.detection_sets.load_detection_set`) share this form, so `padded` and
    `detection_dataset` give the same batches for both.

    Attributes:
        images: float32 ``(n, size, size, 3)`` in [0, 1].
        boxes: a tuple of ``n`` float32 ``(k_i, 4)`` arrays, xyxy pixels.
        classes: a tuple of ``n`` int32 ``(k_i,)`` arrays, ids into `class_names`.
        class_names: the names of the class ids.
    """

    images: np.ndarray
    boxes: tuple
    classes: tuple
    class_names: tuple

    def __len__(self) -> int:
        return len(self.images)

    @property
    def image_size(self) -> int:
        return int(self.images.shape[1])

    def subset(self, indices) -> "BoxData":
        """The images at `indices` (an index array or a slice), with their annotations.

        Example:
            >>> len(make_shapes(6, image_size=16).subset(slice(0, 4)))
            4
        """
        positions = np.arange(len(self))[indices]
        per_image = {name: getattr(self, name) for name in self._per_image}
        return dataclasses.replace(self, images=self.images[positions], **{
            name: (tuple(value[i] for i in positions) if isinstance(value, tuple) else value[positions])
            for name, value in per_image.items()})

    _per_image = ("boxes", "classes")  # the fields with one entry per image, beside the images

    def padded(self, max_boxes: int | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Boxes ``(n, M, 4)`` and classes ``(n, M)`` padded with -1 (keras-hub's dense convention).

        Args:
            max_boxes: ``M``; default the most objects any image has. An image with more objects
                than `max_boxes` is an error (nothing is dropped silently).

        Example:
            >>> boxes, classes = make_shapes(4, image_size=32, max_objects=2).padded(max_boxes=3)
            >>> boxes.shape, classes.shape
            ((4, 3, 4), (4, 3))
        """
        most = max((len(c) for c in self.classes), default=0)
        if max_boxes is None:
            max_boxes = most
        else:
            max_boxes = check_int("max_boxes", max_boxes, minimum=0)
            if max_boxes < most:
                raise ValueError(f"max_boxes={max_boxes} is fewer than the {most} objects of the fullest "
                                 f"image; pass max_boxes >= {most}")
        boxes = np.full((len(self), max_boxes, 4), -1.0, dtype="float32")
        classes = np.full((len(self), max_boxes), -1, dtype="int32")
        for i, (image_boxes, image_classes) in enumerate(zip(self.boxes, self.classes)):
            boxes[i, : len(image_boxes)] = image_boxes
            classes[i, : len(image_classes)] = image_classes
        return boxes, classes

    def detection_dataset(self, batch_size: int = 32, *, shuffle: bool = True, seed: int = 0,
                          max_boxes: int | None = None, flip: bool = False, masks: bool = False):
        """A `tf.data.Dataset` of ``(images, {"boxes": (b, M, 4), "classes": (b, M)})``, padded with -1.

        Args:
            batch_size: images per batch.
            shuffle: reshuffle the images every epoch (seeded by `seed`).
            seed: the seed of the shuffle and of the flips.
            max_boxes: ``M`` (as `padded`).
            flip: box-aware augmentation (데이터 증강): each image is mirrored left-right with
                probability 1/2, anew every epoch, and its boxes with it (``x1, x2 -> W - x2, W - x1``;
                padding rows stay -1). Left-right only: the shapes' triangles point up.
            masks: add ``"masks": (b, M, size, size)`` instance masks (`padded_masks`; flipped with
                their images), the targets Mask R-CNN trains on.

        Example:
            >>> images, targets = next(iter(make_shapes(4, image_size=16).detection_dataset(2)))
            >>> tuple(images.shape), tuple(targets["boxes"].shape)[-1]
            ((2, 16, 16, 3), 4)
        """
        import tensorflow as tf

        batch_size = check_positive_int("batch_size", batch_size)
        seed = check_int("seed", seed, minimum=0)
        if masks and not hasattr(self, "padded_masks"):
            raise ValueError(f"masks=True: {type(self).__name__} has no instance masks (the shapes data set has)")
        boxes, classes = self.padded(max_boxes)
        targets = {"boxes": boxes, "classes": classes}
        if masks:
            targets["masks"] = self.padded_masks(max_boxes)
        dataset = tf.data.Dataset.from_tensor_slices((self.images, targets))
        if shuffle:
            dataset = dataset.shuffle(len(self), seed=seed, reshuffle_each_iteration=True)
        if flip:
            dataset = dataset.map(lambda image, target: random_flip_left_right(image, target, seed),
                                  num_parallel_calls=tf.data.AUTOTUNE)
        return dataset.batch(batch_size).prefetch(tf.data.AUTOTUNE)


@dataclass(frozen=True, kw_only=True)
class Shapes(BoxData):
    """Images of shapes with their boxes, classes, instance masks and semantic masks.

    Attributes:
        images: float32 ``(n, size, size, 3)`` in [0, 1].
        boxes: a tuple of ``n`` float32 ``(k_i, 4)`` arrays, xyxy pixels.
        classes: a tuple of ``n`` int32 ``(k_i,)`` arrays, ids into `class_names`.
        masks: a tuple of ``n`` bool ``(k_i, size, size)`` arrays, one per instance.
        semantic: int32 ``(n, size, size)``: 0 background, ``1 + class id`` a shape.
        class_names: the names of the class ids (`SHAPE_CLASSES`).
        seed: the seed the images were drawn with.
    """

    masks: tuple
    semantic: np.ndarray
    class_names: tuple = SHAPE_CLASSES
    seed: int = 0
    _per_image = ("boxes", "classes", "masks", "semantic")

    def padded_masks(self, max_boxes: int | None = None) -> np.ndarray:
        """Instance masks ``(n, M, size, size)`` uint8 in the order of `padded`'s boxes; padding rows are 0.

        Example:
            >>> make_shapes(4, image_size=16, max_objects=2).padded_masks(max_boxes=3).shape
            (4, 3, 16, 16)
        """
        boxes, _ = self.padded(max_boxes)
        masks = np.zeros((*boxes.shape[:2], *self.images.shape[1:3]), "uint8")
        for i, instance in enumerate(self.masks):
            masks[i, : len(instance)] = instance
        return masks

    def image_data(self, *, test: "Shapes | None" = None, validation_split: float = 0.1, seed: int = 0):
        """The semantic masks as segmentation `ImageData` (y: ``(n, size, size)`` ids of `SEMANTIC_CLASSES`).

        Example:
            >>> data = make_shapes(20, image_size=16).image_data(validation_split=0.2)
            >>> data.num_classes, data.y_train.shape[1:]
            (4, (16, 16))
        """
        from dlcourse.data.arrays import as_image_data

        return as_image_data(
            (self.images, self.semantic), test=None if test is None else (test.images, test.semantic),
            validation_split=validation_split, seed=seed, task="segmentation",
            num_classes=len(SEMANTIC_CLASSES), class_names=SEMANTIC_CLASSES, name="shapes",
        )


def random_flip_left_right(image, target, seed=None):
    """Mirror one image left-right with probability 1/2, and its boxes with it (TensorFlow, for
    ``tf.data``): ``x1, x2 -> W - x2, W - x1`` for the boxes whose class is not -1; padding stays -1.

    Args:
        image: ``(H, W, C)`` tensor.
        target: ``{"boxes": (M, 4) xyxy pixels, "classes": (M,)}``, and ``"masks": (M, H, W)`` if present
            (mirrored with the image).
        seed: the op seed of the coin (None: unseeded).

    Returns:
        ``(image, target)``, both flipped or both as they were.

    Example:
        >>> import numpy as np, tensorflow as tf
        >>> image, target = np.zeros((8, 8, 3), "float32"), {"boxes": [[1., 2., 3., 4.], [-1.] * 4], "classes": [0, -1]}
        >>> flips = [random_flip_left_right(image, target, 0)[1]["boxes"].numpy()[0].tolist() for _ in range(20)]
        >>> sorted({tuple(b) for b in flips})
        [(1.0, 2.0, 3.0, 4.0), (5.0, 2.0, 7.0, 4.0)]
    """
    import tensorflow as tf

    image = tf.convert_to_tensor(image)
    boxes = tf.convert_to_tensor(target["boxes"], tf.float32)
    classes = tf.convert_to_tensor(target["classes"])
    width = tf.cast(tf.shape(image)[1], tf.float32)
    flipped = tf.stack([width - boxes[:, 2], boxes[:, 1], width - boxes[:, 0], boxes[:, 3]], axis=1)
    flipped = tf.where((classes >= 0)[:, None], flipped, boxes)  # padding rows stay -1
    coin = tf.random.uniform((), seed=seed) < 0.5
    image = tf.cond(coin, lambda: tf.reverse(image, axis=[1]), lambda: image)
    target = {**target, "boxes": tf.where(coin, flipped, boxes), "classes": classes}
    if "masks" in target:
        masks = tf.convert_to_tensor(target["masks"])
        target["masks"] = tf.cond(coin, lambda: tf.reverse(masks, axis=[2]), lambda: masks)
    return image, target


def _shape_mask(kind: str, cx: float, cy: float, size: float, grid_x: np.ndarray, grid_y: np.ndarray) -> np.ndarray:
    """Pixels (by their centres) inside one shape of width and height `size` centred at (cx, cy)."""
    half = size / 2.0
    dx, dy = grid_x - cx, grid_y - cy
    if kind == "circle":
        return dx * dx + dy * dy <= half * half
    if kind == "square":
        return (np.abs(dx) <= half) & (np.abs(dy) <= half)
    # an upright isosceles triangle: apex at the top centre, base along the bottom edge
    inside_height = (dy >= -half) & (dy <= half)
    return inside_height & (np.abs(dx) <= (dy + half) / 2.0)


def _draw_one(rng: np.random.Generator, size: int, min_objects: int, max_objects: int, min_scale: float,
              max_scale: float, noise: float, max_occlusion: float):
    grid_y, grid_x = np.mgrid[0:size, 0:size].astype("float32") + 0.5
    background = rng.uniform(0.0, 1.0, 3).astype("float32")
    image = np.broadcast_to(background, (size, size, 3)).copy()
    owner = np.full((size, size), -1, dtype="int32")
    full_areas, kinds = [], []
    for _ in range(int(rng.integers(min_objects, max_objects + 1))):
        for _try in range(PLACEMENT_TRIES):
            kind = int(rng.integers(len(SHAPE_CLASSES)))
            extent = rng.uniform(min_scale, max_scale) * size
            cx, cy = rng.uniform(extent / 2, size - extent / 2, 2)
            colour = rng.uniform(0.0, 1.0, 3).astype("float32")
            if np.linalg.norm(colour - background) < MIN_COLOUR_DISTANCE:
                continue
            mask = _shape_mask(SHAPE_CLASSES[kind], cx, cy, extent, grid_x, grid_y)
            area = int(mask.sum())
            if area < MIN_OBJECT_PIXELS:
                continue
            covered = np.bincount(owner[mask & (owner >= 0)], minlength=len(kinds))
            visible = np.array([np.sum(owner == j) for j in range(len(kinds))]) - covered
            if any(visible[j] < (1.0 - max_occlusion) * full_areas[j] or visible[j] < MIN_OBJECT_PIXELS
                   for j in range(len(kinds))):
                continue
            owner[mask] = len(kinds)
            image[mask] = colour
            full_areas.append(area)
            kinds.append(kind)
            break
    if noise:
        image = image + rng.normal(0.0, noise, image.shape).astype("float32")
    image = np.clip(image, 0.0, 1.0)
    masks = np.stack([owner == j for j in range(len(kinds))]) if kinds else np.zeros((0, size, size), bool)
    boxes = np.zeros((len(kinds), 4), dtype="float32")
    for j, mask in enumerate(masks):
        rows, cols = np.nonzero(mask.any(axis=1))[0], np.nonzero(mask.any(axis=0))[0]
        boxes[j] = (cols[0], rows[0], cols[-1] + 1, rows[-1] + 1)
    classes = np.asarray(kinds, dtype="int32")
    semantic = np.zeros((size, size), dtype="int32")
    for j, kind in enumerate(kinds):
        semantic[masks[j]] = kind + 1
    return image, boxes, classes, masks, semantic


def make_shapes(count: int, image_size: int = 64, *, min_objects: int = 1, max_objects: int = 4,
                min_scale: float = 0.2, max_scale: float = 0.5, noise: float = 0.05,
                max_occlusion: float = 0.5, seed: int = 0) -> Shapes:
    """Draw `count` images of circles, squares and triangles, with boxes, classes and masks.

    Args:
        count: how many images.
        image_size: their height and width in pixels, 16 to 1024.
        min_objects, max_objects: each image has between these many shapes (0 allowed: images
            without objects are part of detection).
        min_scale, max_scale: a shape's width as a fraction of the image, in (0, 1].
        noise: standard deviation of the Gaussian pixel noise (images are clipped to [0, 1]).
        max_occlusion: the largest fraction of a shape a later one may cover, in [0, 1).
        seed: image ``i`` is drawn from ``(seed, i)``.

    Returns:
        A `Shapes`.

    Example:
        >>> shapes = make_shapes(2, image_size=32, min_objects=2, max_objects=2)
        >>> [len(c) for c in shapes.classes]
        [2, 2]
    """
    count = check_int("count", count, minimum=0)
    image_size = check_int("image_size", image_size, minimum=MIN_IMAGE_SIZE, maximum=MAX_IMAGE_SIZE)
    min_objects = check_int("min_objects", min_objects, minimum=0)
    max_objects = check_int("max_objects", max_objects, minimum=0)
    if max_objects < min_objects:
        raise ValueError(f"max_objects ({max_objects}) must be >= min_objects ({min_objects})")
    min_scale = check_number("min_scale", min_scale, minimum=0.0, maximum=1.0, strict_minimum=True)
    max_scale = check_number("max_scale", max_scale, minimum=0.0, maximum=1.0, strict_minimum=True)
    if max_scale < min_scale:
        raise ValueError(f"max_scale ({max_scale}) must be >= min_scale ({min_scale})")
    noise = check_number("noise", noise, minimum=0.0)
    max_occlusion = check_fraction("max_occlusion", max_occlusion)
    seed = check_int("seed", seed, minimum=0)

    drawn = [_draw_one(np.random.default_rng([seed, i]), image_size, min_objects, max_objects, min_scale,
                       max_scale, noise, max_occlusion) for i in range(count)]
    images = np.stack([d[0] for d in drawn]) if drawn else np.zeros((0, image_size, image_size, 3), "float32")
    semantic = np.stack([d[4] for d in drawn]) if drawn else np.zeros((0, image_size, image_size), "int32")
    return Shapes(images=images.astype("float32"), boxes=tuple(d[1] for d in drawn),
                  classes=tuple(d[2] for d in drawn), masks=tuple(d[3] for d in drawn), semantic=semantic,
                  seed=seed)


SHAPES_TRAIN, SHAPES_TEST = 1000, 200  # load_dataset("shapes")'s split sizes
SHAPES_TEST_SEED_OFFSET = 1_000_003  # the test images are drawn from another seed: never the training ones


def load_shapes(*, image_size: int = 64, train_size: int = SHAPES_TRAIN, test_size: int = SHAPES_TEST,
                seed: int = 0, **drawing) -> tuple[Shapes, Shapes]:
    """The training and test `Shapes` that ``load_dataset("shapes")`` uses (test drawn from another seed).

    Example:
        >>> train, test = load_shapes(image_size=16, train_size=4, test_size=2)
        >>> len(train), len(test)
        (4, 2)
    """
    seed = check_int("seed", seed, minimum=0)
    return (make_shapes(train_size, image_size, seed=seed, **drawing),
            make_shapes(test_size, image_size, seed=seed + SHAPES_TEST_SEED_OFFSET, **drawing))


def draw(ax, image, boxes=None, classes=None, scores=None, masks=None, *, class_names=SHAPE_CLASSES,
         mask_alpha: float = 0.45, colours=None):
    """Draw an image with its boxes (xyxy pixels), class names, scores and instance masks on `ax`.

    Args:
        ax: a matplotlib Axes.
        image: ``(h, w, 3)`` or ``(h, w)`` in [0, 1].
        boxes: ``(k, 4)`` xyxy pixels; rows of -1 (padding) are skipped.
        classes: ``(k,)`` class ids, -1 for padding.
        scores: ``(k,)`` confidences written after the class name.
        masks: ``(k, h, w)`` instance masks (bool or probabilities), or one ``(h, w)`` semantic
            mask of ids (0 background).
        class_names: names of the class ids.
        mask_alpha: opacity of the masks.
        colours: one matplotlib colour per class (default: the tab10 cycle).

    Returns:
        `ax`.

    Example:
        >>> import matplotlib; matplotlib.use("Agg")
        >>> from dlcourse.plotting import new_figure
        >>> shapes = make_shapes(1, image_size=32)
        >>> fig, ax = new_figure()
        >>> _ = draw(ax, shapes.images[0], shapes.boxes[0], shapes.classes[0], masks=shapes.masks[0])
    """
    import matplotlib.pyplot as plt
    from matplotlib.patches import Rectangle

    mask_alpha = check_fraction("mask_alpha", mask_alpha, allow_one=True)
    palette = list(colours) if colours is not None else [plt.get_cmap("tab10")(i % 10) for i in range(10)]
    image = np.asarray(image)
    ax.imshow(image if image.ndim == 3 else image, cmap=None if image.ndim == 3 else "gray", vmin=0, vmax=1)
    if masks is not None:
        masks = np.asarray(masks)
        if masks.ndim == 2:  # one semantic mask of ids
            ids = [i for i in np.unique(masks) if i > 0]
            layers = [(masks == i, int(i) - 1) for i in ids]
        else:
            ids = classes if classes is not None else np.zeros(len(masks), "int32")
            layers = [(masks[j] > 0.5, int(ids[j])) for j in range(len(masks)) if int(ids[j]) >= 0]
        for mask, class_id in layers:
            overlay = np.zeros(mask.shape + (4,), dtype="float32")
            overlay[mask] = (*palette[class_id % len(palette)][:3], mask_alpha)
            ax.imshow(overlay)
    if boxes is not None:
        boxes = np.asarray(boxes, dtype="float32").reshape(-1, 4)
        for j, (x1, y1, x2, y2) in enumerate(boxes):
            class_id = int(classes[j]) if classes is not None else 0
            if class_id < 0 or x2 <= x1:
                continue
            colour = palette[class_id % len(palette)]
            # pixel j spans [j - 0.5, j + 0.5] in imshow's coordinates
            ax.add_patch(Rectangle((x1 - 0.5, y1 - 0.5), x2 - x1, y2 - y1, fill=False, edgecolor=colour,
                                   linewidth=1.5))
            label = class_names[class_id] if class_id < len(class_names) else str(class_id)
            if scores is not None:
                label = f"{label} {float(scores[j]):.2f}"
            ax.text(x1 - 0.5, y1 - 1.0, label, color="white", fontsize=7, va="bottom",
                    bbox={"facecolor": colour, "alpha": 0.8, "pad": 1, "edgecolor": "none"})
    ax.set_axis_off()
    return ax
