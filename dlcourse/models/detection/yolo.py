"""YOLOv1 (Redmon et al. 2016): one network looks once at the whole image and regresses an S x S grid
of boxes, confidences and class probabilities (격자, 경계 상자, 신뢰도).

- `yolov1`: the paper's Figure 3 network (24 convolutions, FC 4096, dropout, FC S*S*(5B+C)) at
  448 x 448: 271,703,550 parameters for S = 7, B = 2, C = 20 (no batch norm, biases on); in general
  265,680,960 + 4097 S²(5B + C).
- `fast_yolo`: Fast YOLO, the paper's "9 convolutional layers instead of 24" as darknet's
  ``yolo-tiny.cfg`` has them (16 ... 1024 filters, FC 256, FC 4096): 45,089,374 parameters.
- `yolov1_small`: a YOLO head (3x3 convs, a 1x1 conv to 5B + C) on any registered backbone's feature
  map (``get_backbone``), fully convolutional; by default on `small_cnn`'s stride-8 map, small
  enough to train on a CPU and to generalise to unseen shapes (see the README's Measured).

Each returns a `YOLO`: a `keras.Model` that brings its own loss (`dlcourse.detection.yolo_loss`), so
``dlcourse.train.fit`` trains it on ``(images, {"boxes", "classes"})`` batches (boxes xyxy in
pixels padded with -1, the shapes data set's ``detection_dataset``) and ``.keras`` files round-trip.

Example:
    >>> model = yolov1_small(input_shape=(32, 32, 3), classes=3)
    >>> model.output_shape
    (None, 4, 4, 13)
"""

from __future__ import annotations

import keras
import numpy as np

from dlcourse.checks import check_choice, check_fraction, check_positive_int, is_int
from dlcourse.detection.yolo import CONFIDENCE_TARGETS, LAMBDA_COORD, LAMBDA_NOOBJ, decode_yolo, yolo_loss

LEAKY_SLOPE = 0.1  # the paper's leaky ReLU
BN_MOMENTUM = 0.9  # yolov1_small's backbone batch norm: moving statistics that settle in a few hundred steps
# Figure 3 as data: (filters, kernel, stride) per convolution, "M" a 2x2 max-pool with stride 2
YOLOV1_CONVS = (
    (64, 7, 2), "M", (192, 3, 1), "M",
    (128, 1, 1), (256, 3, 1), (256, 1, 1), (512, 3, 1), "M",
    *((256, 1, 1), (512, 3, 1)) * 4, (512, 1, 1), (1024, 3, 1), "M",
    *((512, 1, 1), (1024, 3, 1)) * 2, (1024, 3, 1), (1024, 3, 2),
    (1024, 3, 1), (1024, 3, 1),
)
FAST_YOLO_CONVS = (  # darknet cfg/yolo-tiny.cfg (2015): 9 convolutions
    (16, 3, 1), "M", (32, 3, 1), "M", (64, 3, 1), "M", (128, 3, 1), "M", (256, 3, 1), "M", (512, 3, 1), "M",
    (1024, 3, 1), (1024, 3, 1), (1024, 3, 1),
)
YOLOV1_DENSE = (4096,)
FAST_YOLO_DENSE = (256, 4096)
PAPER_INPUT = (448, 448, 3)


@keras.saving.register_keras_serializable(package="dlcourse")
class YOLO(keras.Model):
    """A YOLOv1 detector: `network` maps images to the S x S x (5B + C) grid; it trains with the
    paper's loss and `detect` decodes boxes (class score = p(c) x confidence, then per-class NMS).

    Args:
        network: a functional model, images -> (N, S, S, 5B + C).
        boxes_per_cell: B.
        classes: C.
        lambda_coord, lambda_noobj, confidence_target: as `dlcourse.detection.yolo_loss`.
    """

    task = "detection"

    def __init__(self, network, boxes_per_cell=2, classes=20, lambda_coord=LAMBDA_COORD,
                 lambda_noobj=LAMBDA_NOOBJ, confidence_target="iou", **kwargs):
        super().__init__(**kwargs)
        self.network = network
        self.boxes_per_cell = check_positive_int("boxes_per_cell", boxes_per_cell)
        self.classes = check_positive_int("classes", classes)
        self.lambda_coord, self.lambda_noobj = float(lambda_coord), float(lambda_noobj)
        self.confidence_target = check_choice("confidence_target", confidence_target, CONFIDENCE_TARGETS)
        self.built = True  # the functional network is built; its weights are this model's

    @property
    def output_shape(self):
        return self.network.output_shape

    @property
    def input_shape(self):
        return self.network.input_shape

    def call(self, images, training=False):
        return self.network(images, training=training)

    def compute_loss(self, x=None, y=None, y_pred=None, sample_weight=None, training=True):
        if not isinstance(y, dict) or not {"boxes", "classes"} <= set(y):
            raise ValueError('YOLO trains on (images, {"boxes": (N, M, 4), "classes": (N, M)}) batches')
        image_size = keras.ops.shape(x)[1:3]
        return yolo_loss(y["boxes"], y["classes"], y_pred, image_size, self.boxes_per_cell, self.classes,
                         self.lambda_coord, self.lambda_noobj, self.confidence_target)

    def detect(self, images, score_threshold=0.2, iou_threshold=0.5, max_detections=100):
        """Detections per image (`dlcourse.detection.decode_yolo`): boxes xyxy in pixels, scores, classes."""
        images = np.asarray(images, dtype="float32")
        outputs = keras.ops.convert_to_numpy(self(images, training=False))
        return decode_yolo(outputs, images.shape[1:3], self.boxes_per_cell, self.classes,
                           score_threshold, iou_threshold, max_detections)

    def get_config(self):
        return {**super().get_config(), "network": keras.saving.serialize_keras_object(self.network),
                "boxes_per_cell": self.boxes_per_cell, "classes": self.classes, "lambda_coord": self.lambda_coord,
                "lambda_noobj": self.lambda_noobj, "confidence_target": self.confidence_target}

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        network = keras.saving.deserialize_keras_object(config.pop("network"))
        return cls(network=network, **config)


def _check_args(weights, input_shape, default, multiple, boxes_per_cell, classes, name):
    if weights is not None:
        raise ValueError(f"{name} has no published weights: weights must be None; got {weights!r}")
    check_positive_int("boxes_per_cell", boxes_per_cell)
    check_positive_int("classes", classes)
    shape = tuple(default if input_shape is None else input_shape)
    if len(shape) != 3 or not all(is_int(d) and d > 0 for d in shape):
        raise ValueError(f"input_shape must be (height, width, channels) of positive integers; got {input_shape!r}")
    if shape[0] % multiple or shape[1] % multiple:
        raise ValueError(f"input_shape {shape} of {name} must have height and width divisible by {multiple}")
    return shape


def _darknet(x, convs, prefix):
    """The convolutions of a YOLOv1-era darknet: 'same' padding, biases, leaky ReLU 0.1, no batch norm."""
    block, index = 1, 1
    for layer in convs:
        if layer == "M":
            x = keras.layers.MaxPooling2D(2, 2, name=f"{prefix}pool{block}")(x)
            block, index = block + 1, 1
            continue
        filters, kernel, stride = layer
        x = keras.layers.Conv2D(filters, kernel, strides=stride, padding="same", name=f"{prefix}conv{block}_{index}")(x)
        x = keras.layers.LeakyReLU(LEAKY_SLOPE, name=f"{prefix}conv{block}_{index}_leaky")(x)
        index += 1
    return x


def _fully_connected_yolo(name, convs, dense, input_tensor, input_shape, weights, grid_size, boxes_per_cell,
                          classes, dropout, loss_args):
    shape = _check_args(weights, input_shape, PAPER_INPUT, 64, boxes_per_cell, classes, name)
    grid_size = check_positive_int("grid_size", grid_size)
    dropout = check_fraction("dropout", dropout)
    inputs = keras.Input(shape, name="images") if input_tensor is None else input_tensor
    x = _darknet(inputs, convs, "")
    x = keras.layers.Flatten(name="flatten")(x)
    for i, units in enumerate(dense, start=1):
        x = keras.layers.Dense(units, name=f"fc{i}")(x)
        x = keras.layers.LeakyReLU(LEAKY_SLOPE, name=f"fc{i}_leaky")(x)
    if dropout:
        x = keras.layers.Dropout(dropout, name="dropout")(x)
    depth = 5 * boxes_per_cell + classes
    x = keras.layers.Dense(grid_size * grid_size * depth, name="detection")(x)  # linear, as the paper's last layer
    outputs = keras.layers.Reshape((grid_size, grid_size, depth), name="grid")(x)
    network = keras.Model(inputs, outputs, name=f"{name}_network")
    return YOLO(network, boxes_per_cell, classes, name=name, **loss_args)


def yolov1(input_tensor=None, input_shape=None, weights=None, classes=20, grid_size=7, boxes_per_cell=2,
           dropout=0.5, **loss_args):
    """YOLOv1 as the paper's Figure 3: 24 convolutions, FC 4096, dropout 0.5, FC S*S*(5B + C).

    Reference: Redmon et al. 2016, "You Only Look Once: Unified, Real-Time Object Detection".

    Args:
        input_tensor, input_shape: the images; default 448 x 448 x 3 (height and width multiples of 64).
        weights: None (no published Keras weights).
        classes: C (20 for PASCAL VOC).
        grid_size: S.
        boxes_per_cell: B.
        dropout: the rate after the first fully connected layer.
        **loss_args: `lambda_coord`, `lambda_noobj`, `confidence_target` of the loss.

    Returns:
        A `YOLO` model with output (None, S, S, 5B + C): 271,703,550 parameters at the defaults.

    Example:
        >>> from dlcourse.models import model_entry
        >>> model_entry("yolov1").params  # yolov1() builds it (271.7M weights: seconds)
        271703550
    """
    return _fully_connected_yolo("yolov1", YOLOV1_CONVS, YOLOV1_DENSE, input_tensor, input_shape, weights,
                                 grid_size, boxes_per_cell, classes, dropout, loss_args)


def fast_yolo(input_tensor=None, input_shape=None, weights=None, classes=20, grid_size=7, boxes_per_cell=2,
              dropout=0.5, **loss_args):
    """Fast YOLO: 9 convolutions (darknet's ``yolo-tiny.cfg``), FC 256, FC 4096, dropout, FC S*S*(5B + C).

    Args and Returns as `yolov1`; 45,089,374 parameters at the defaults.

    Example:
        >>> fast_yolo(input_shape=(64, 64, 3), classes=3).output_shape
        (None, 7, 7, 13)
    """
    return _fully_connected_yolo("fast_yolo", FAST_YOLO_CONVS, FAST_YOLO_DENSE, input_tensor, input_shape, weights,
                                 grid_size, boxes_per_cell, classes, dropout, loss_args)


def yolov1_small(backbone="small_cnn", input_tensor=None, input_shape=None, weights=None, classes=3,
                 boxes_per_cell=2, level="P3", width=96, bn_momentum=BN_MOMENTUM, head_convs=3, **loss_args):
    """A small YOLOv1 on any registered backbone: its `level` feature map, `head_convs` 3x3 convs of
    `width` filters (leaky ReLU) and a 1x1 conv to 5B + C channels; the grid is the feature map's size.

    The defaults (`small_cnn`'s stride-8 map, an 8 x 8 grid at 64 x 64, three head convolutions of 96
    filters: 246,653 weights) generalise on the shapes data set when trained on a few thousand images
    flipped at random (``detection_dataset(flip=True)``); ResNet-18's P4 (3.1 M weights) memorised a
    few hundred images instead (README, Measured).

    Args:
        backbone: a name from ``list_models(backbone=True)``.
        input_tensor, input_shape: the images; default 64 x 64 x 3.
        weights: the backbone's weights (None, "imagenet" or a path), as `get_backbone`.
        classes: C (3 for the shapes data set).
        boxes_per_cell: B.
        level: the backbone output to detect on (``"P3"``: stride 8, an 8 x 8 grid on 64 x 64).
        width: filters of the head's 3x3 convolution.
        bn_momentum: momentum of the backbone's batch-norm moving statistics (0.9: Keras' 0.99 has not
            settled after a few hundred steps, and the trained model then detects nothing at inference).
        head_convs: how many 3x3 convolutions (leaky ReLU) the head stacks before its 1x1 output
            convolution; each widens the receptive field by two feature-map cells.
        **loss_args: `lambda_coord`, `lambda_noobj`, `confidence_target` of the loss.

    Returns:
        A `YOLO` model with output (None, H/stride, W/stride, 5B + C).

    Example:
        >>> yolov1_small(input_shape=(64, 64, 3)).output_shape
        (None, 8, 8, 13)
    """
    from dlcourse.models.registry import get_backbone, list_models, model_entry

    check_choice("backbone", backbone, list_models(backbone=True))
    levels = model_entry(backbone).feature_outputs
    check_choice("level", level, tuple(levels))
    shape = _check_args(None, input_shape, (64, 64, 3), levels[level].stride, boxes_per_cell, classes, "yolov1_small")
    width = check_positive_int("width", width)
    head_convs = check_positive_int("head_convs", head_convs)
    bn_momentum = check_fraction("bn_momentum", bn_momentum)
    pyramid = get_backbone(backbone, input_shape=shape, weights=weights)
    for layer in pyramid._flatten_layers():
        if isinstance(layer, keras.layers.BatchNormalization):
            layer.momentum = bn_momentum
    features = keras.Model(pyramid.inputs, pyramid.output[level], name=f"{backbone}_{level}")  # no unused stages
    inputs = keras.Input(shape, name="images") if input_tensor is None else input_tensor
    x = features(inputs)
    for i in range(head_convs):
        suffix = "" if i == 0 else f"_{i + 1}"  # the first keeps its name: saved models load as they were
        x = keras.layers.Conv2D(width, 3, padding="same", name=f"head_conv{suffix}")(x)
        x = keras.layers.LeakyReLU(LEAKY_SLOPE, name=f"head_leaky{suffix}")(x)
    outputs = keras.layers.Conv2D(5 * boxes_per_cell + classes, 1, name="detection")(x)
    network = keras.Model(inputs, outputs, name="yolov1_small_network")
    return YOLO(network, boxes_per_cell, classes, name="yolov1_small", **loss_args)
