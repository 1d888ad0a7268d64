"""Real segmentation data sets for users with a network: Oxford-IIIT Pets (TFDS) and PASCAL VOC 2012.

``load_dataset("oxford_iiit_pet", task="segmentation")`` downloads TFDS' ``oxford_iiit_pet`` (Parkhi
et al. 2012: 3,680 training and 3,669 test images of cats and dogs with a trimap per image) and maps
its trimap to three classes: TFDS' 1 (pet) -> 1, 2 (background) -> 0, 3 (border, "not classified")
-> 2, so background is 0 as in shapes and VOC. ``load_dataset("voc", task="segmentation")`` reads
VOC 2012's segmentation masks (21 classes, 1,464 train and 1,449 val images) from an extracted
``VOCdevkit/VOC2012`` folder (``path=``): TFDS' ``voc`` has boxes and labels but no masks. VOC's void
label 255 (object outlines, "difficult" regions) becomes background, since the losses here have no
ignore label. Images are resized bilinearly and masks by nearest neighbour to ``image_size``.

Offline (or without tensorflow-datasets) the loaders raise `DatasetUnavailable` saying what to do.

Example:
    >>> pets_mask(np.array([[1, 2, 3]], dtype="uint8")).tolist()
    [[1, 0, 2]]
"""

from __future__ import annotations

import os

import numpy as np

from dlcourse.data.datasets import DatasetUnavailable

PETS_CLASSES = ("background", "pet", "border")
PETS_TRIMAP = {1: 1, 2: 0, 3: 2}  # TFDS oxford_iiit_pet's trimap value -> our class id
VOC_CLASSES = (
    "background", "aeroplane", "bicycle", "bird", "boat", "bottle", "bus", "car", "cat", "chair", "cow",
    "diningtable", "dog", "horse", "motorbike", "person", "pottedplant", "sheep", "sofa", "train", "tvmonitor",
)
VOC_VOID = 255  # VOC's outline / difficult label: mapped to background
DEFAULT_IMAGE_SIZE = 128
SEGMENTATION_SETS = ("oxford_iiit_pet", "voc")


def pets_mask(trimap) -> np.ndarray:
    """TFDS' Pets trimap (1 pet, 2 background, 3 border; ``(h, w)`` or ``(h, w, 1)``) as class ids 0-2.

    Example:
        >>> pets_mask(np.full((2, 2, 1), 2, dtype="uint8")).tolist()
        [[0, 0], [0, 0]]
    """
    trimap = np.asarray(trimap)
    if trimap.ndim == 3 and trimap.shape[-1] == 1:
        trimap = trimap[..., 0]
    values = set(np.unique(trimap).tolist())
    if not values <= set(PETS_TRIMAP):
        raise ValueError(f"segmentation_mask: a Pets trimap holds 1, 2 and 3; found {sorted(values - set(PETS_TRIMAP))}")
    table = np.zeros(max(PETS_TRIMAP) + 1, dtype="int64")
    for value, class_id in PETS_TRIMAP.items():
        table[value] = class_id
    return table[trimap]


def voc_mask(mask) -> np.ndarray:
    """A VOC palette mask (ids 0-20, 255 void) as class ids 0-20, void as background."""
    mask = np.asarray(mask).astype("int64")
    if mask.ndim == 3 and mask.shape[-1] == 1:
        mask = mask[..., 0]
    mask = np.where(mask == VOC_VOID, 0, mask)
    if mask.size and (mask.min() < 0 or mask.max() >= len(VOC_CLASSES)):
        raise ValueError(f"a VOC mask holds ids 0-{len(VOC_CLASSES) - 1} and {VOC_VOID}; found {int(mask.max())}")
    return mask


def _resize_pair(image, mask, size):
    import tensorflow as tf

    image = np.asarray(image)
    if image.ndim == 2:
        image = image[..., None]
    image = tf.image.resize(tf.cast(image, "float32") / 255.0, (size, size), method="bilinear")
    mask = tf.image.resize(mask[..., None], (size, size), method="nearest")[..., 0]
    return np.clip(image.numpy(), 0.0, 1.0), mask.numpy().astype("int64")


def _stack(pairs, size, limit, to_mask):
    images, masks = [], []
    for image, raw_mask in pairs:
        if limit is not None and len(images) >= limit:
            break
        image, mask = _resize_pair(image, to_mask(raw_mask), size)
        images.append(image)
        masks.append(mask)
    if not images:
        raise ValueError("the data set's split holds no images")
    return np.stack(images).astype("float32"), np.stack(masks)


def _import_tfds(name):
    try:
        import tensorflow_datasets
    except ImportError as error:
        raise DatasetUnavailable(f"{name} loads through TensorFlow Datasets, which is not installed: "
                                 "pip install tensorflow-datasets (and have a network the first time)") from error
    return tensorflow_datasets


def _tfds_load(tfds, name, *, size, fallback, data_dir=None, **load_args):
    """``tfds.load(name, data_dir=data_dir, **load_args)`` (`tfds` None: the installed module), or one
    `DatasetUnavailable` saying what the download needs (`size`) and what to use offline (`fallback`)."""
    tfds = tfds if tfds is not None else _import_tfds(name)
    try:
        return tfds, tfds.load(name, data_dir=data_dir, **load_args)
    except Exception as error:  # offline: a download error of some kind, whichever the transport raises
        raise DatasetUnavailable(
            f"{name} could not be loaded through TensorFlow Datasets ({type(error).__name__}: "
            f"{str(error)[:120]}). It needs a network the first time ({size}, then cached in "
            f"{data_dir or '~/tensorflow_datasets'}); offline, copy a prepared TFDS folder there, or use {fallback}"
        ) from error


def load_pets(image_size=DEFAULT_IMAGE_SIZE, limit=None, validation_split=0.1, seed=0, *, tfds=None, data_dir=None):
    """Oxford-IIIT Pets from TFDS as segmentation `ImageData` (background, pet, border).

    Args:
        image_size: the side images and masks are resized to.
        limit: keep at most this many training images (the test split is kept whole).
        validation_split, seed: the held-out fraction of the training images and its seed.
        tfds: the ``tensorflow_datasets`` module (or a stand-in with ``load`` and ``as_numpy``).
        data_dir: TFDS' cache folder (its default, ``~/tensorflow_datasets``, when None).

    Returns:
        An `ImageData` with masks ``(n, image_size, image_size)`` of ids 0-2.
    """
    from dlcourse.data.arrays import as_image_data

    tfds, (train, test) = _tfds_load(tfds, "oxford_iiit_pet", size="about 800 MB", data_dir=data_dir,
                                     fallback="load_dataset('shapes', task='segmentation')", split=["train", "test"])

    def pairs(split):
        for example in tfds.as_numpy(split):
            yield example["image"], example["segmentation_mask"]

    x_train, y_train = _stack(pairs(train), image_size, limit, pets_mask)
    x_test, y_test = _stack(pairs(test), image_size, None, pets_mask)
    return as_image_data((x_train, y_train), test=(x_test, y_test), validation_split=validation_split, seed=seed,
                         task="segmentation", num_classes=len(PETS_CLASSES), class_names=PETS_CLASSES,
                         name="oxford_iiit_pet")


def load_voc(path=None, image_size=DEFAULT_IMAGE_SIZE, limit=None, validation_split=0.1, seed=0):
    """PASCAL VOC 2012 segmentation from an extracted ``VOCdevkit/VOC2012`` folder: train, and val as the test split.

    Args:
        path: the ``VOC2012`` folder (holding ``JPEGImages``, ``SegmentationClass`` and
            ``ImageSets/Segmentation/{train,val}.txt``).
        image_size, limit, validation_split, seed: as for `load_pets`.

    Returns:
        An `ImageData` with masks of ids 0-20 (`VOC_CLASSES`).
    """
    from PIL import Image

    from dlcourse.data.arrays import as_image_data

    lists = os.path.join(os.fspath(path), "ImageSets", "Segmentation") if path is not None else None
    if path is None or not os.path.isfile(os.path.join(lists, "train.txt")):
        where = "no path given" if path is None else f"no ImageSets/Segmentation/train.txt under {os.fspath(path)!r}"
        raise DatasetUnavailable(
            f"voc segmentation: {where}. TensorFlow Datasets' voc has boxes but no masks: download "
            "VOCtrainval_11-May-2012.tar from the PASCAL VOC site, extract it, and pass "
            "path='.../VOCdevkit/VOC2012' (the folder with JPEGImages and SegmentationClass)"
        )

    def pairs(split):
        with open(os.path.join(lists, f"{split}.txt"), encoding="utf-8") as names:
            for name in filter(None, (line.strip() for line in names)):
                image = np.asarray(Image.open(os.path.join(path, "JPEGImages", f"{name}.jpg")).convert("RGB"))
                mask = np.asarray(Image.open(os.path.join(path, "SegmentationClass", f"{name}.png")))
                yield image, mask

    x_train, y_train = _stack(pairs("train"), image_size, limit, voc_mask)
    x_test, y_test = _stack(pairs("val"), image_size, None, voc_mask)
    return as_image_data((x_train, y_train), test=(x_test, y_test), validation_split=validation_split, seed=seed,
                         task="segmentation", num_classes=len(VOC_CLASSES), class_names=VOC_CLASSES, name="voc")
