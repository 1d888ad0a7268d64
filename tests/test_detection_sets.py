"""VOC 2007 and COCO 2017 through TFDS, as the same `BoxData` the shapes data set is: TFDS'
normalised yxyx boxes become xyxy pixels of the resized image, difficult (VOC) and crowd (COCO) boxes
are left out, and offline the loader says what to do. TFDS itself is faked: no network here."""

import numpy as np
import pytest

from dlcourse.data import DatasetUnavailable
from dlcourse.data.detection_sets import load_detection_set, tfds_boxes


class _Label:
    names = ["aeroplane", "bicycle", "bird"]


class _FakeTfds:
    """What load_detection_set uses of tensorflow_datasets: ``load(..., with_info=True)`` and ``as_numpy``."""

    def __init__(self, error=None, flag="is_difficult"):
        self.error, self.flag, self.calls = error, flag, []

    def load(self, name, split, data_dir=None, with_info=False):
        self.calls.append((name, split))
        if self.error is not None:
            raise self.error
        image = np.zeros((20, 40, 3), "uint8")  # 20 high, 40 wide: resizing to a square scales x and y apart
        image[5:15, 10:30] = 255
        objects = {"bbox": np.array([[0.25, 0.25, 0.75, 0.75], [0.0, 0.0, 1.0, 0.5], [0.5, 0.5, 0.51, 0.51]], "float32"),
                   "label": np.array([2, 0, 1], "int64"), self.flag: np.array([False, True, False])}
        info = type("Info", (), {"features": {"objects": {"label": _Label()}}})()
        return [{"image": image, "objects": objects}, {"image": image, "objects": {**objects, self.flag: np.zeros(3, bool)}},
                {"image": image, "objects": objects}], info

    def as_numpy(self, split):
        return split


def test_tfds_boxes_are_xyxy_pixels():
    np.testing.assert_allclose(tfds_boxes([[0.1, 0.2, 0.3, 0.4]], 100), [[20, 10, 40, 30]], atol=1e-5)


@pytest.mark.parametrize("name, tfds_name, flag", [("voc", "voc/2007", "is_difficult"), ("coco", "coco/2017", "is_crowd")])
def test_loader_gives_shapes_box_format_and_drops_ignored_and_tiny_boxes(name, tfds_name, flag):
    fake = _FakeTfds(flag=flag)
    data = load_detection_set(name, "validation", image_size=16, limit=2, tfds=fake)
    assert fake.calls == [(tfds_name, "validation")]
    assert len(data) == 2 and data.images.shape == (2, 16, 16, 3) and data.image_size == 16
    assert data.class_names == ("aeroplane", "bicycle", "bird")
    assert 0.0 <= data.images.min() and data.images.max() <= 1.0
    # image 0: the flagged box (difficult / crowd) and the 0.16 px one are left out
    np.testing.assert_allclose(data.boxes[0], [[4, 4, 12, 12]])
    assert data.classes[0].tolist() == [2]
    # image 1: nothing flagged, the tiny box still left out
    np.testing.assert_allclose(data.boxes[1], [[4, 4, 12, 12], [0, 0, 8, 16]])
    assert data.classes[1].tolist() == [2, 0]
    boxes, classes = data.padded()  # the same padded form and tf.data batches as shapes
    assert boxes.shape == (2, 2, 4) and classes[0].tolist() == [2, -1]
    images, targets = next(iter(data.detection_dataset(2, shuffle=False)))
    assert tuple(images.shape) == (2, 16, 16, 3) and targets["boxes"].shape == (2, 2, 4)
    assert len(data.subset(slice(0, 1))) == 1
    with pytest.raises(ValueError, match="masks=True: BoxData has no instance masks"):
        data.detection_dataset(2, masks=True)


def test_bad_arguments_and_offline_are_one_clear_error():
    with pytest.raises(ValueError, match=r"name must be one of \('voc', 'coco'\)"):
        load_detection_set("pascal", tfds=_FakeTfds())
    with pytest.raises(ValueError, match="split must be one of"):
        load_detection_set("voc", "val", tfds=_FakeTfds())
    with pytest.raises(DatasetUnavailable, match=r"voc/2007 could not be loaded.*OSError: no network.*needs a network"):
        load_detection_set("voc", tfds=_FakeTfds(OSError("no network")))
