"""The synthetic shapes data set: deterministic, consistent annotations, clear errors."""

import numpy as np
import pytest

from dlcourse.data import load_dataset
from dlcourse.data.shapes import SEMANTIC_CLASSES, SHAPE_CLASSES, draw, make_shapes


@pytest.fixture(scope="module")
def shapes():
    return make_shapes(40, image_size=32, seed=3)


def test_images_are_float_in_unit_range_and_deterministic(shapes):
    assert shapes.images.dtype == np.float32 and shapes.images.shape == (40, 32, 32, 3)
    assert 0.0 <= shapes.images.min() and shapes.images.max() <= 1.0
    again = make_shapes(40, image_size=32, seed=3)
    assert np.array_equal(again.images, shapes.images) and np.array_equal(again.semantic, shapes.semantic)
    other = make_shapes(40, image_size=32, seed=4)
    assert not np.array_equal(other.images, shapes.images)


def test_more_images_keep_the_first_ones(shapes):
    fewer = make_shapes(7, image_size=32, seed=3)
    assert np.array_equal(fewer.images, shapes.images[:7])
    assert all(np.array_equal(a, b) for a, b in zip(fewer.boxes, shapes.boxes[:7]))


def test_boxes_are_the_tight_boxes_of_the_instance_masks(shapes):
    for boxes, classes, masks in zip(shapes.boxes, shapes.classes, shapes.masks):
        assert boxes.dtype == np.float32 and classes.dtype == np.int32 and masks.dtype == bool
        assert len(boxes) == len(classes) == len(masks) >= 1
        assert set(classes.tolist()) <= {0, 1, 2}
        for (x1, y1, x2, y2), mask in zip(boxes, masks):
            rows, cols = np.nonzero(mask)
            assert (x1, y1, x2, y2) == (cols.min(), rows.min(), cols.max() + 1, rows.max() + 1)


def test_semantic_masks_agree_with_instances(shapes):
    for semantic, classes, masks in zip(shapes.semantic, shapes.classes, shapes.masks):
        expected = np.zeros_like(semantic)
        for class_id, mask in zip(classes, masks):
            expected[mask] = class_id + 1
        assert np.array_equal(semantic, expected)
        assert not (masks.sum(axis=0) > 1).any()  # instances do not share pixels


def test_occlusion_is_limited_and_every_class_appears(shapes):
    counts = np.bincount(np.concatenate(shapes.classes), minlength=3)
    assert (counts > 0).all()
    unoccluded = make_shapes(40, image_size=32, seed=3, max_occlusion=0.0)
    for masks, boxes in zip(unoccluded.masks, unoccluded.boxes):
        for mask, (x1, y1, x2, y2) in zip(masks, boxes):
            assert mask.sum() >= 12


def test_padded_and_the_detection_dataset(shapes):
    boxes, classes = shapes.padded(max_boxes=6)
    assert boxes.shape == (40, 6, 4) and classes.shape == (40, 6)
    for i, image_classes in enumerate(shapes.classes):
        k = len(image_classes)
        assert (classes[i, k:] == -1).all() and (boxes[i, k:] == -1).all()
        assert np.array_equal(boxes[i, :k], shapes.boxes[i])
    with pytest.raises(ValueError, match="max_boxes"):
        shapes.padded(max_boxes=1)
    images, targets = next(iter(shapes.detection_dataset(8, shuffle=False, max_boxes=6)))
    assert images.shape == (8, 32, 32, 3) and targets["classes"].shape == (8, 6)
    assert np.array_equal(targets["boxes"].numpy(), boxes[:8])


def _tight_boxes(masks):
    """xyxy boxes of instance masks, as make_shapes counts them (x2 = last column + 1)."""
    boxes = []
    for mask in masks:
        rows, cols = np.nonzero(mask.any(axis=1))[0], np.nonzero(mask.any(axis=0))[0]
        boxes.append((cols[0], rows[0], cols[-1] + 1, rows[-1] + 1))
    return np.asarray(boxes, "float32")


def test_flip_augmentation_mirrors_images_and_their_boxes_together(shapes):
    boxes, classes = shapes.padded(max_boxes=6)
    dataset = shapes.detection_dataset(40, shuffle=False, max_boxes=6, flip=True, seed=1)
    flipped_count = 0
    for images, targets in dataset.take(1).repeat(3):  # three epochs: a new coin per image each time
        images, got, got_classes = images.numpy(), targets["boxes"].numpy(), targets["classes"].numpy()
        assert np.array_equal(got_classes, classes)
        for i in range(len(shapes)):
            k = len(shapes.classes[i])
            assert (got[i, k:] == -1).all()  # padding is never flipped
            if np.array_equal(images[i], shapes.images[i]):
                assert np.array_equal(got[i, :k], shapes.boxes[i])
            else:
                assert np.array_equal(images[i], shapes.images[i][:, ::-1])
                # the flipped boxes are the tight boxes of the flipped instance masks
                assert np.array_equal(got[i, :k], _tight_boxes(shapes.masks[i][:, :, ::-1]))
                flipped_count += 1
    assert 0.3 < flipped_count / (3 * len(shapes)) < 0.7


def test_images_without_objects():
    empty = make_shapes(3, image_size=16, min_objects=0, max_objects=0)
    assert [len(b) for b in empty.boxes] == [0, 0, 0] and (empty.semantic == 0).all()
    assert empty.padded()[0].shape == (3, 0, 4)


@pytest.mark.parametrize("kwargs, argument", [
    ({"count": -1}, "count"), ({"image_size": 8}, "image_size"), ({"max_objects": 0, "min_objects": 2}, "max_objects"),
    ({"min_scale": 0.0}, "min_scale"), ({"min_scale": 0.5, "max_scale": 0.3}, "max_scale"),
    ({"max_occlusion": 1.0}, "max_occlusion"), ({"noise": -0.1}, "noise"), ({"seed": 1.5}, "seed"),
])
def test_bad_arguments_name_themselves(kwargs, argument):
    arguments = {"count": 2, "image_size": 16, **kwargs}
    with pytest.raises(ValueError, match=argument):
        make_shapes(arguments.pop("count"), **arguments)


def test_load_dataset_gives_segmentation_data():
    data = load_dataset("shapes", image_size=24, limit=50)
    assert data.num_classes == 4 and data.class_names == SEMANTIC_CLASSES
    assert data.x_train.shape[1:] == (24, 24, 3) and data.y_train.shape[1:] == (24, 24)
    assert len(data.x_train) + len(data.x_val) == 50 and len(data.x_test) == 200
    assert data.y_train.max() <= 3
    train_images = data.x_train.reshape(len(data.x_train), -1)
    test_images = data.x_test.reshape(len(data.x_test), -1)
    assert not (train_images[:, None, :5] == test_images[None, :, :5]).all(axis=-1).any()
    with pytest.raises(ValueError, match="task"):
        load_dataset("shapes", task="classification")
    with pytest.raises(ValueError, match="task"):
        load_dataset("digits", task="segmentation")


def test_draw_puts_boxes_labels_and_masks_on_the_axes(shapes):
    import matplotlib

    matplotlib.use("Agg")
    from dlcourse.plotting import new_figure

    fig, ax = new_figure()
    draw(ax, shapes.images[0], shapes.boxes[0], shapes.classes[0], scores=np.ones(len(shapes.classes[0])),
         masks=shapes.masks[0])
    assert len(ax.patches) == len(shapes.boxes[0])
    assert {t.get_text().split()[0] for t in ax.texts} <= set(SHAPE_CLASSES)
    assert len(ax.images) == 1 + len(shapes.masks[0])


def test_instance_masks_travel_with_their_images_and_boxes(shapes):
    padded = shapes.padded_masks(max_boxes=6)
    assert padded.shape == (len(shapes), 6, *shapes.images.shape[1:3]) and padded.dtype == np.uint8
    dataset = shapes.detection_dataset(40, shuffle=False, max_boxes=6, flip=True, seed=1, masks=True)
    flipped = 0
    for images, targets in dataset.take(1).repeat(2):
        images, boxes, masks = images.numpy(), targets["boxes"].numpy(), targets["masks"].numpy()
        for i in range(len(shapes)):
            k = len(shapes.classes[i])
            assert not masks[i, k:].any()  # padding rows hold no pixels
            mirrored = not np.array_equal(images[i], shapes.images[i])
            expected = shapes.masks[i][:, :, ::-1] if mirrored else shapes.masks[i]
            assert np.array_equal(masks[i, :k], expected)
            assert np.array_equal(boxes[i, :k], _tight_boxes(masks[i, :k]))  # each box is its mask's
            flipped += mirrored
    assert 0 < flipped < 2 * len(shapes)
