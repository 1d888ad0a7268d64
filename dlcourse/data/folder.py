"""A folder of images, one sub-folder per class, read with ``keras.utils.image_dataset_from_directory``.

Layouts:
- ``DIR/<class>/<image>``: every image is a training image (validation is held out of them);
- ``DIR/train/<class>/...`` with ``DIR/test/<class>/...`` and optionally ``DIR/val/<class>/...``:
  the splits as given.

Class names are the sub-folders' names, sorted. Images are resized to ``image_size x image_size``;
grayscale images (all three channels equal in every image) keep one channel.

The folder's sha256 is that of its manifest: one line ``<file sha256>  <relative path>`` per image
file, sorted by path (what ``sha256sum`` prints), so it changes when any image is added, removed,
renamed or edited.

Example:
    >>> from dlcourse.data import load_dataset
    >>> data = load_dataset("folder", path="my_images", image_size=64)   # doctest: +SKIP
"""

from __future__ import annotations

import hashlib
import os

import numpy as np

IMAGE_EXTENSIONS = (".bmp", ".gif", ".jpeg", ".jpg", ".png")  # what image_dataset_from_directory reads
SPLIT_FOLDERS = {"train": ("train",), "val": ("val", "validation"), "test": ("test",)}


def file_sha256(path) -> str:
    """The sha256 of a file's bytes."""
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def image_files(root) -> list:
    """The image files under `root`, as sorted '/'-separated paths relative to it (hidden ones left out)."""
    found = []
    for folder, subfolders, files in os.walk(root):
        subfolders[:] = [d for d in subfolders if not d.startswith(".")]
        for name in files:
            if not name.startswith(".") and name.lower().endswith(IMAGE_EXTENSIONS):
                found.append(os.path.relpath(os.path.join(folder, name), root).replace(os.sep, "/"))
    return sorted(found)


def folder_sha256(root) -> str:
    """The sha256 of the folder's manifest (``<file sha256>  <relative path>`` lines, sorted by path)."""
    manifest = "".join(f"{file_sha256(os.path.join(root, rel))}  {rel}\n" for rel in image_files(root))
    return hashlib.sha256(manifest.encode("utf-8")).hexdigest()


def split_folders(root) -> dict:
    """``{split: folder}`` for the layout of `root` (see the module's docstring)."""
    if not os.path.isdir(os.path.join(root, "train")):
        return {"train": root}
    found = {}
    for split, names in SPLIT_FOLDERS.items():
        for name in names:
            if os.path.isdir(os.path.join(root, name)):
                found[split] = os.path.join(root, name)
                break
    return found


def _read_split(folder: str, image_size: int):
    import keras
    import tensorflow as tf

    try:
        ds = keras.utils.image_dataset_from_directory(
            folder, labels="inferred", label_mode="int", color_mode="rgb", batch_size=256,
            image_size=(image_size, image_size), shuffle=False, verbose=False,
        )
        batches = [(x.numpy(), y.numpy()) for x, y in ds]
    except ValueError as error:  # keras: no images, no class folders
        raise ValueError(f"{folder}: {str(error).splitlines()[0]}") from error
    except tf.errors.OpError as error:  # an image that cannot be decoded
        raise ValueError(f"{folder}: an image could not be read ({error.message.splitlines()[0]})") from error
    x = np.concatenate([b[0] for b in batches])
    y = np.concatenate([b[1] for b in batches]).astype("int64")
    return x, y, tuple(ds.class_names)


def load_folder(path, image_size: int) -> dict:
    """Read the folder's splits: ``{"train": (x, y), "val": (x, y) or None, "test": (x, y) or None,
    "class_names": names}``; images float32 in [0, 255] at ``image_size x image_size``."""
    path = os.fspath(path)
    if not os.path.isdir(path):
        raise ValueError(f"path: no folder at {path!r} (a folder of images needs one sub-folder per class)")
    splits = split_folders(path)
    read = {split: _read_split(folder, image_size) for split, folder in splits.items()}
    class_names = read["train"][2]
    for split, (_, _, names) in read.items():
        if names != class_names:
            raise ValueError(f"{splits[split]}: its class folders {list(names)} differ from those of "
                             f"{splits['train']} {list(class_names)}")
    gray = all(np.array_equal(x[..., 0], x[..., 1]) and np.array_equal(x[..., 0], x[..., 2])
               for x, _, _ in read.values())
    arrays = {split: (x[..., :1] if gray else x, y) for split, (x, y, _) in read.items()}
    return {"train": arrays["train"], "val": arrays.get("val"), "test": arrays.get("test"),
            "class_names": class_names}
