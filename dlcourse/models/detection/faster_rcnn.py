"""Faster R-CNN (Ren et al. 2015) end to end, small enough to train on a CPU: a backbone's feature
map, the Region Proposal Network (9 anchors per position: 3 sizes x 3 ratios), proposals with NMS,
RoIAlign (He et al. 2017) and the Fast R-CNN box head, trained together with the four losses
(`dlcourse.detection.rcnn_losses`) as torchvision's ``FasterRCNN`` trains (approximate joint training).

- `FasterRCNN`: a `keras.Model` whose ``compute_loss`` matches anchors and proposals to the ground
  truth, samples them and sums the RPN's and the box head's losses, so ``dlcourse.train.fit`` trains
  it on ``(images, {"boxes", "classes"})`` batches padded with -1 (the same as `yolov1_small`);
  `detect` decodes per-class boxes, thresholds and applies per-class NMS, as torchvision's
  ``postprocess_detections``.
- `faster_rcnn_small`: on any registered backbone's feature map (default `small_cnn`'s stride-8 P3,
  the map `yolov1_small` detects on), anchors sized for the image (a quarter, 3/8 and half its side),
  a box head of two FC 256 layers; proposal counts scaled down for 64 x 64 images (`SMALL_RCNN`).

Every setting is a field of `RCNNConfig` (torchvision's defaults), printed and saved with the model.

Example:
    >>> model = faster_rcnn_small(input_shape=(32, 32, 3), classes=3)
    >>> model.anchors.shape  # a 4 x 4 map, 9 anchors per position
    (144, 4)
"""

from __future__ import annotations

import dataclasses

import keras
import numpy as np

from dlcourse.checks import check_choice, check_fraction, check_positive_int, is_int
from dlcourse.detection.anchors import NOTES_RATIOS, grid_anchors
from dlcourse.detection.yolo import check_yolo_targets
from dlcourse.models.detection.rcnn import box_head, rpn_head

SMALL_ANCHOR_FRACTIONS = (0.25, 0.375, 0.5)  # anchor sizes as fractions of the image side: 16, 24, 32 px at 64
SMALL_REPRESENTATION = 256  # the small box head's FC width (torchvision's TwoMLPHead: 1024)
BN_MOMENTUM = 0.9  # as yolov1_small: moving statistics that settle in a few hundred steps


@dataclasses.dataclass(frozen=True)
class RCNNConfig:
    """Faster R-CNN's settings; the defaults are torchvision's ``fasterrcnn_resnet50_fpn``'s."""

    rpn_pre_nms_top_n_train: int = 2000
    rpn_pre_nms_top_n_test: int = 1000
    rpn_post_nms_top_n_train: int = 2000
    rpn_post_nms_top_n_test: int = 1000
    rpn_nms_threshold: float = 0.7
    rpn_fg_iou: float = 0.7
    rpn_bg_iou: float = 0.3
    rpn_batch_size: int = 256
    rpn_positive_fraction: float = 0.5
    roi_fg_iou: float = 0.5
    roi_bg_iou: float = 0.5
    roi_batch_size: int = 512
    roi_positive_fraction: float = 0.25
    roi_size: int = 7
    sampling_ratio: int = 2
    min_size: float = 1e-3
    score_threshold: float = 0.05
    detection_nms: float = 0.5
    detections_per_image: int = 100

    def __post_init__(self):
        for field in dataclasses.fields(self):
            value = getattr(self, field.name)
            if field.type == "int":
                check_positive_int(field.name, value)
            elif not (isinstance(value, (int, float)) and not isinstance(value, bool) and 0 <= value <= 1):
                raise ValueError(f"{field.name} must be a number in [0, 1]; got {value!r}")
        if self.rpn_bg_iou > self.rpn_fg_iou or self.roi_bg_iou > self.roi_fg_iou:
            raise ValueError("the background IoU thresholds must not exceed the foreground ones")


SMALL_RCNN = RCNNConfig(rpn_pre_nms_top_n_train=600, rpn_pre_nms_top_n_test=300, rpn_post_nms_top_n_train=150,
                        rpn_post_nms_top_n_test=100, roi_batch_size=128)


@keras.saving.register_keras_serializable(package="dlcourse")
class FasterRCNN(keras.Model):
    """Faster R-CNN: `features` (images -> one feature map), `rpn` (`rpn_head`, one logit per
    anchor), `head` (`box_head` over K + 1 classes, 0 the background).

    ``model(images)`` returns a dict: ``features``, ``objectness`` (N, A), ``rpn_deltas`` (N, A, 4),
    ``proposals`` (N, P, 4), ``proposal_valid`` (N, P) and, at inference, the head's
    ``class_logits`` (N, P, K + 1) and ``box_deltas`` (N, P, K + 1, 4) for every proposal.

    Args:
        features, rpn, head: the functional parts.
        classes: K, the object classes (background excluded).
        image_size: (height, width) of the images.
        stride: image pixels per feature-map pixel.
        anchor_sizes, aspect_ratios: the anchors of one position (`dlcourse.detection.generate_anchors`).
        config: an `RCNNConfig` (or its dict).
        seed: the seed of the anchor and RoI sampling.
    """

    task = "detection"

    def __init__(self, features, rpn, head, classes, image_size, stride, anchor_sizes, aspect_ratios=NOTES_RATIOS,
                 config=None, seed=0, **kwargs):
        super().__init__(**kwargs)
        self.features, self.rpn, self.head = features, rpn, head
        self.classes = check_positive_int("classes", classes)
        self.image_size = tuple(int(v) for v in image_size)
        self.stride = check_positive_int("stride", stride)
        self.anchor_sizes, self.aspect_ratios = tuple(anchor_sizes), tuple(aspect_ratios)
        config = config if config is not None else RCNNConfig()
        self.config = RCNNConfig(**config) if isinstance(config, dict) else config
        self.seed = int(seed)
        self.seed_generator = keras.random.SeedGenerator(self.seed)
        grid = (self.image_size[0] // self.stride, self.image_size[1] // self.stride)
        self.anchors = grid_anchors(grid, self.image_size, self.anchor_sizes, self.aspect_ratios)
        self.built = True  # the functional parts are built; their weights are this model's

    @property
    def input_shape(self):
        return self.features.input_shape

    def _pooled_head(self, features, rois):
        """The head's outputs for (N, R, 4) RoIs: class logits (N, R, K + 1), deltas (N, R, K + 1, 4)."""
        from keras import ops

        from dlcourse.detection.roi import roi_align

        n, r = ops.shape(rois)[0], rois.shape[1]
        flat = ops.reshape(rois, (-1, 4))
        index = ops.repeat(ops.arange(n), r)
        pooled = roi_align(features, flat, index, self.config.roi_size, spatial_scale=1.0 / self.stride,
                           sampling_ratio=self.config.sampling_ratio)
        out = self.head(pooled)
        k = self.classes + 1
        return ops.reshape(out["scores"], (n, r, k)), ops.reshape(out["deltas"], (n, r, k, 4))

    def call(self, images, training=False):
        from keras import ops

        from dlcourse.detection.proposals import rpn_proposals

        features = self.features(images, training=training)
        rpn = self.rpn(features, training=training)
        n = ops.shape(features)[0]
        a = len(self.anchors)
        objectness = ops.reshape(rpn["objectness"], (n, a))  # position-major, the anchors' order
        deltas = ops.reshape(rpn["deltas"], (n, a, 4))
        c = self.config
        pre, post = ((c.rpn_pre_nms_top_n_train, c.rpn_post_nms_top_n_train) if training
                     else (c.rpn_pre_nms_top_n_test, c.rpn_post_nms_top_n_test))
        proposals, _, valid = rpn_proposals(ops.stop_gradient(objectness), ops.stop_gradient(deltas), self.anchors,
                                            self.image_size, pre, post, c.rpn_nms_threshold, c.min_size)
        outputs = {"features": features, "objectness": objectness, "rpn_deltas": deltas, "proposals": proposals,
                   "proposal_valid": valid}
        if not training:
            outputs["class_logits"], outputs["box_deltas"] = self._pooled_head(features, proposals)
        return outputs

    def compute_loss(self, x=None, y=None, y_pred=None, sample_weight=None, training=True, components=False):
        """The RPN's and the box head's losses, summed (torchvision's four terms, weight 1 each)."""
        terms, _ = self._detection_terms(y, y_pred)
        loss = terms["rpn_objectness"] + terms["rpn_box"] + terms["box_classifier"] + terms["box_regression"]
        return (loss, terms) if components else loss

    def _detection_terms(self, y, y_pred):
        """The four loss terms, and ``(rois, labels, sampled, boxes, classes)`` the box head trained on."""
        from keras import ops

        from dlcourse.detection.rcnn_losses import box_head_loss, rpn_loss, sample_rois

        if not isinstance(y, dict) or not {"boxes", "classes"} <= set(y):
            raise ValueError(f'{type(self).__name__} trains on (images, {{"boxes": (N, M, 4), "classes": (N, M)}}) '
                             "batches")
        if all(isinstance(y[k], (np.ndarray, list, tuple)) for k in ("boxes", "classes")):
            check_yolo_targets(y["boxes"], y["classes"], self.image_size, self.classes)  # before any trace
        c = self.config
        boxes = ops.convert_to_tensor(y["boxes"], "float32")
        classes = ops.cast(ops.convert_to_tensor(y["classes"]), "int32")
        terms = rpn_loss(y_pred["objectness"], y_pred["rpn_deltas"], self.anchors, boxes, classes, self.seed_generator,
                         (c.rpn_fg_iou, c.rpn_bg_iou), c.rpn_batch_size, c.rpn_positive_fraction)
        rois, labels, sampled = sample_rois(y_pred["proposals"], y_pred["proposal_valid"], boxes, classes,
                                            c.roi_batch_size, self.seed_generator, (c.roi_fg_iou, c.roi_bg_iou),
                                            c.roi_batch_size, c.roi_positive_fraction)
        logits, box_deltas = self._pooled_head(y_pred["features"], rois)
        terms.update(box_head_loss(logits, box_deltas, rois, labels, sampled, boxes, classes))
        return terms, (rois, labels, sampled, boxes, classes)

    def detect(self, images, score_threshold=None, iou_threshold=None, max_detections=None):
        """Detections per image: boxes xyxy in pixels, scores, classes (0..K-1), by descending score.

        Each proposal gives K boxes (its deltas for each class, weights (10, 10, 5, 5)), scored by the
        softmax; boxes clipped to the image, scores > `score_threshold` (0.05), then per-class NMS at
        `iou_threshold` (0.5), at most `max_detections` (100): torchvision's ``postprocess_detections``.
        """
        return self._detect(images, score_threshold, iou_threshold, max_detections)[0]

    def _detect(self, images, score_threshold, iou_threshold, max_detections):
        """`detect`'s results and the images' feature maps (for a mask head)."""
        from dlcourse.detection.boxes import BOX_CODER_WEIGHTS, decode_boxes
        from dlcourse.detection.suppression import batched_nms

        c = self.config
        score_threshold = c.score_threshold if score_threshold is None else score_threshold
        iou_threshold = c.detection_nms if iou_threshold is None else iou_threshold
        max_detections = c.detections_per_image if max_detections is None else max_detections
        images = np.asarray(images, dtype="float32")
        if images.ndim != 4 or images.shape[1:3] != self.image_size:
            raise ValueError(f"images must be (N, {self.image_size[0]}, {self.image_size[1]}, channels); "
                             f"got shape {images.shape}")
        if not len(images):
            return [], None  # an empty batch: no images, no detections
        out = {k: keras.ops.convert_to_numpy(v) for k, v in self(images, training=False).items()}
        logits = out["class_logits"] - out["class_logits"].max(-1, keepdims=True)
        probabilities = np.exp(logits) / np.exp(logits).sum(-1, keepdims=True)
        height, width = self.image_size
        results = []
        for i in range(len(images)):
            valid = out["proposal_valid"][i]
            proposals = out["proposals"][i][valid]
            boxes = decode_boxes(out["box_deltas"][i][valid][:, 1:], proposals[:, None], BOX_CODER_WEIGHTS)
            boxes = np.clip(boxes, 0, [width, height, width, height]).astype(np.float32)  # (P, K, 4)
            scores = probabilities[i][valid][:, 1:]
            keep = ((scores > score_threshold) & (boxes[..., 2] - boxes[..., 0] >= 1e-2)
                    & (boxes[..., 3] - boxes[..., 1] >= 1e-2))
            which, cls = np.nonzero(keep)
            boxes, scores = boxes[which, cls], scores[which, cls]
            kept = batched_nms(boxes, scores, cls, iou_threshold, max_detections)
            results.append({"boxes": boxes[kept], "scores": scores[kept].astype(np.float32),
                            "classes": cls[kept].astype(np.int32)})
        return results, out["features"]

    def get_config(self):
        return {**super().get_config(), "features": keras.saving.serialize_keras_object(self.features),
                "rpn": keras.saving.serialize_keras_object(self.rpn),
                "head": keras.saving.serialize_keras_object(self.head), "classes": self.classes,
                "image_size": list(self.image_size), "stride": self.stride, "anchor_sizes": list(self.anchor_sizes),
                "aspect_ratios": list(self.aspect_ratios), "config": dataclasses.asdict(self.config), "seed": self.seed}

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        parts = {k: keras.saving.deserialize_keras_object(config.pop(k)) for k in ("features", "rpn", "head")}
        return cls(**parts, **config)


def faster_rcnn_small(backbone="small_cnn", input_tensor=None, input_shape=None, weights=None, classes=3,
                      level="P3", anchor_sizes=None, aspect_ratios=NOTES_RATIOS, representation=SMALL_REPRESENTATION,
                      bn_momentum=BN_MOMENTUM, config=SMALL_RCNN, seed=0):
    """A small Faster R-CNN on any registered backbone: its `level` feature map, the RPN head (a 3x3
    conv, then per anchor one objectness logit and 4 deltas), RoIAlign 7 x 7 and a box head of two
    FC `representation` layers over K + 1 classes.

    Args:
        backbone: a name from ``list_models(backbone=True)``.
        input_tensor: unused (the model takes images of `input_shape`); must be None.
        input_shape: the images; default 64 x 64 x 3 (height and width multiples of the level's stride).
        weights: the backbone's weights (None, "imagenet" or a path), as `get_backbone`.
        classes: K (3 for the shapes data set), background excluded.
        level: the backbone output the RPN and RoIAlign use (``"P3"``: stride 8).
        anchor_sizes: anchor sizes in pixels; default a quarter, 3/8 and a half of the image side.
        aspect_ratios: anchor heights / widths (the notes' 1:2, 1:1, 2:1).
        representation: the box head's FC width.
        bn_momentum: the backbone's batch-norm momentum (0.9, as `yolov1_small`).
        config: an `RCNNConfig` (`SMALL_RCNN`: torchvision's, with proposal and RoI counts for 64 px).
        seed: the seed of the anchor and RoI sampling.

    Returns:
        A `FasterRCNN`.

    Example:
        >>> faster_rcnn_small().count_params()
        937777
    """
    from dlcourse.models.registry import get_backbone, list_models, model_entry

    check_choice("backbone", backbone, list_models(backbone=True))
    levels = model_entry(backbone).feature_outputs
    check_choice("level", level, tuple(levels))
    if input_tensor is not None:
        raise ValueError("faster_rcnn_small builds its own input: input_tensor must be None")
    classes = check_positive_int("classes", classes)
    shape = tuple((64, 64, 3) if input_shape is None else input_shape)
    stride = levels[level].stride
    if len(shape) != 3 or not all(is_int(d) and d > 0 for d in shape) or shape[0] % stride or shape[1] % stride:
        raise ValueError(f"input_shape must be (height, width, channels) with height and width divisible by {stride} "
                         f"(the stride of {backbone}'s {level}); got {input_shape!r}")
    representation = check_positive_int("representation", representation)
    bn_momentum = check_fraction("bn_momentum", bn_momentum)
    if not isinstance(config, RCNNConfig):
        raise TypeError(f"config must be an RCNNConfig; got {type(config).__name__}")
    if anchor_sizes is None:
        anchor_sizes = tuple(round(f * min(shape[:2])) for f in SMALL_ANCHOR_FRACTIONS)
    pyramid = get_backbone(backbone, input_shape=shape, weights=weights)
    for layer in pyramid._flatten_layers():
        if isinstance(layer, keras.layers.BatchNormalization):
            layer.momentum = bn_momentum
    features = keras.Model(pyramid.inputs, pyramid.output[level], name=f"{backbone}_{level}")
    channels = features.output_shape[-1]
    anchors = len(anchor_sizes) * len(tuple(aspect_ratios))
    rpn = rpn_head(channels, anchors=anchors, two_way=False)
    head = box_head(classes + 1, channels, config.roi_size, representation=representation)
    return FasterRCNN(features, rpn, head, classes, shape[:2], stride, anchor_sizes, aspect_ratios, config, seed,
                      name="faster_rcnn_small")
