"""Real detection data sets for users with a network: PASCAL VOC 2007 and COCO 2017 through TFDS.

``load_detection_set("voc", "train")`` downloads TFDS' ``voc/2007`` (Everingham et al.: 20 classes,
2,501 train, 2,510 validation and 4,952 test images) and ``load_detection_set("coco", "validation")``
TFDS' ``coco/2017`` (80 classes). Both come back as `BoxData`, the form the shapes data set has: images
resized to ``image_size`` x ``image_size`` in [0, 1], boxes as float32 xyxy pixels of the resized
image, class ids from 0 (no background class), so `padded`, `detection_dataset`, `fit` and the mAP
functions take them as they take shapes.

TFDS stores a box as ``[ymin, xmin, ymax, xmax]`` normalised to [0, 1] (`tfds_boxes` turns that into
pixels). Boxes VOC marks *difficult* and COCO marks *crowd* are left out, as their evaluations ignore
them; so are boxes under a pixel wide or high once the image is resized.

Offline (or without tensorflow-datasets) the loader raises `DatasetUnavailable` saying what to do.

Example:
    >>> tfds_boxes(np.array([[0.25, 0.5, 0.75, 1.0]]), 64).tolist()
    [[32.0, 16.0, 64.0, 48.0]]
"""

from __future__ import annotations

import numpy as np

from dlcourse.checks import check_choice, check_positive_int
from dlcourse.data.segmentation_sets import VOC_CLASSES, _tfds_load

TFDS_NAMES = {"voc": "voc/2007", "coco": "coco/2017"}
DETECTION_SETS = tuple(TFDS_NAMES)
SPLITS = {"voc": ("train", "validation", "test"), "coco": ("train", "validation", "test")}
IGNORED_FLAGS = {"voc": "is_difficult", "coco": "is_crowd"}  # what each evaluation leaves out
DOWNLOAD_SIZES = {"voc": "about 900 MB", "coco": "about 25 GB"}
DEFAULT_IMAGE_SIZE = 128
MIN_BOX_PIXELS = 1.0  # a box narrower or lower than this, once resized, is left out


def tfds_boxes(bbox, image_size: int) -> np.ndarray:
    """TFDS' normalised ``[ymin, xmin, ymax, xmax]`` boxes as xyxy pixels of a ``image_size`` square image."""
    bbox = np.asarray(bbox, "float32").reshape(-1, 4)
    return (bbox[:, [1, 0, 3, 2]] * float(image_size)).astype("float32")


def _example_boxes(objects: dict, image_size: int, ignored_flag: str):
    boxes = tfds_boxes(objects["bbox"], image_size)
    classes = np.asarray(objects["label"], "int32").reshape(-1)
    keep = (boxes[:, 2] - boxes[:, 0] >= MIN_BOX_PIXELS) & (boxes[:, 3] - boxes[:, 1] >= MIN_BOX_PIXELS)
    if ignored_flag in objects:
        keep &= ~np.asarray(objects[ignored_flag], bool).reshape(-1)
    return boxes[keep], classes[keep]


def load_detection_set(name: str, split: str = "train", image_size: int = DEFAULT_IMAGE_SIZE,
                       limit: int | None = None, *, tfds=None, data_dir=None):
    """VOC 2007 or COCO 2017 from TFDS as `BoxData` (xyxy pixel boxes, class ids from 0).

    Args:
        name: ``"voc"`` or ``"coco"``.
        split: ``"train"``, ``"validation"`` or ``"test"`` (COCO's test split has no boxes).
        image_size: the side the images are resized to (aspect ratio not kept, boxes scaled with them).
        limit: keep at most this many images.
        tfds: the ``tensorflow_datasets`` module (or a stand-in with ``load`` and ``as_numpy``).
        data_dir: TFDS' cache folder (its default, ``~/tensorflow_datasets``, when None).

    Returns:
        `dlcourse.data.shapes.BoxData` with ``class_names`` from the data set.
    """
    import tensorflow as tf

    from dlcourse.data.shapes import BoxData

    check_choice("name", name, DETECTION_SETS)
    check_choice("split", split, SPLITS[name])
    image_size = check_positive_int("image_size", image_size)
    if limit is not None:
        limit = check_positive_int("limit", limit)
    tfds, (dataset, info) = _tfds_load(tfds, TFDS_NAMES[name], size=DOWNLOAD_SIZES[name], data_dir=data_dir,
                                       fallback="the shapes data set (dlcourse.data.shapes.load_shapes)",
                                       split=split, with_info=True)
    try:
        class_names = tuple(info.features["objects"]["label"].names)
    except (AttributeError, KeyError, TypeError):
        class_names = VOC_CLASSES[1:] if name == "voc" else ()
    images, boxes, classes = [], [], []
    for example in tfds.as_numpy(dataset):
        if limit is not None and len(images) >= limit:
            break
        image = tf.image.resize(tf.cast(example["image"], "float32") / 255.0, (image_size, image_size))
        images.append(np.clip(image.numpy(), 0.0, 1.0))
        image_boxes, image_classes = _example_boxes(example["objects"], image_size, IGNORED_FLAGS[name])
        boxes.append(image_boxes)
        classes.append(image_classes)
    if not images:
        raise ValueError(f"{TFDS_NAMES[name]}'s {split} split holds no images")
    if not class_names:
        class_names = tuple(f"class_{k}" for k in range(int(max((c.max() for c in classes if len(c)), default=0)) + 1))
    return BoxData(images=np.stack(images).astype("float32"), boxes=tuple(boxes), classes=tuple(classes),
                   class_names=class_names)
