"""Detection on the synthetic shapes: (1) inference time of the registered one-stage `yolov1_small`
vs the registered two-stage `faster_rcnn_small` (RPN -> proposals with NMS -> RoIAlign -> box head ->
per-class NMS), both on small_cnn's P3 and the same images, each timed through its own `detect()`
(network, decoding and NMS); --parts times the earlier hand-assembled pipeline on ResNet-18 P4
instead; (2) with --train, yolov1_small trained through `fit` and its box mAP.

    python benchmarks/bench_detection.py                       # the speed ratio of the registered models
    python benchmarks/bench_detection.py --yolo RUN/best.keras --faster-rcnn RUN/best.keras   # trained ones
    python benchmarks/bench_detection.py --parts --image-size 128 --backbone resnet18   # the first comparison
    python benchmarks/bench_detection.py --train --epochs 30   # train and evaluate yolov1_small
    python benchmarks/bench_detection.py --train-mask --train-size 2000 --test-size 200 --epochs 6 --lr 2e-3
"""

import argparse
import os
import sys
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import numpy as np  # noqa: E402


def two_stage(features, rpn, head, image_size, stride, pre_nms=300, post_nms=100):
    """Faster R-CNN inference on one feature map: returns per-image (boxes, scores, classes)."""
    import keras

    from dlcourse.detection import batched_nms, decode_boxes, grid_anchors, nms, roi_align

    fmap = keras.ops.convert_to_numpy(features)
    out = rpn(fmap)
    n, h, w, _ = fmap.shape
    objectness = keras.ops.convert_to_numpy(keras.ops.softmax(keras.ops.reshape(out["objectness"], (n, -1, 2)))[..., 1])
    deltas = keras.ops.convert_to_numpy(out["deltas"]).reshape(n, -1, 4)
    anchors = grid_anchors((h, w), image_size, sizes=(16, 32, 64))
    proposals, owners = [], []
    for i in range(n):
        top = np.argsort(-objectness[i])[:pre_nms]
        boxes = np.clip(decode_boxes(deltas[i, top], anchors[top], weights=(1, 1, 1, 1)), 0, image_size[0])
        keep = nms(boxes, objectness[i, top], 0.7, post_nms)
        proposals.append(boxes[keep])
        owners.append(np.full(len(keep), i))
    rois = np.concatenate(proposals).astype("float32")
    pooled = roi_align(fmap, rois, np.concatenate(owners), 7, 1 / stride, 2)
    result = head(pooled)
    scores = keras.ops.convert_to_numpy(keras.ops.softmax(result["scores"]))
    class_deltas = keras.ops.convert_to_numpy(result["deltas"]).reshape(len(rois), -1, 4)
    detections, start = [], 0
    for i in range(n):
        k = len(proposals[i])
        s, d, r = scores[start:start + k, 1:], class_deltas[start:start + k, 1:], rois[start:start + k]
        boxes = decode_boxes(d, np.repeat(r[:, None], s.shape[1], axis=1)).reshape(-1, 4)
        cls = np.tile(np.arange(s.shape[1]), k)
        keep = batched_nms(np.clip(boxes, 0, image_size[0]), s.reshape(-1), cls, 0.5, 100, 0.05)
        detections.append((boxes[keep], s.reshape(-1)[keep], cls[keep]))
        start += k
    return detections


def _alternate(runs, repeats):
    """Median seconds of each callable, alternating them so that a busy machine slows both alike."""
    timings = {name: [] for name in runs}
    for fn in runs.values():
        fn()  # warm up (traces, allocations)
    for _ in range(repeats):
        for name, fn in runs.items():
            start = time.perf_counter()
            fn()
            timings[name].append(time.perf_counter() - start)
    return {name: float(np.median(t)) for name, t in timings.items()}


def speed_registered(args):
    import keras

    from dlcourse.data.shapes import make_shapes
    from dlcourse.models import get_model

    size = args.image_size
    images = make_shapes(args.batch, image_size=size, seed=0).images

    def model(name, path):
        if path:
            import dlcourse.models.detection.faster_rcnn  # noqa: F401  (registers the classes for loading)
            import dlcourse.models.detection.yolo  # noqa: F401

            return keras.saving.load_model(path)
        return get_model(name, input_shape=(size, size, 3), classes=3)

    yolo, rcnn = model("yolov1_small", args.yolo), model("faster_rcnn_small", args.faster_rcnn)
    times = _alternate({"yolo": lambda: yolo.detect(images, score_threshold=args.score_threshold),
                        "faster_rcnn": lambda: rcnn.detect(images, score_threshold=args.score_threshold)},
                       args.repeats)
    given = (args.yolo is not None) + (args.faster_rcnn is not None)
    trained = ("untrained", "mixed", "trained")[given]
    print(f"registered detectors ({trained}) on small_cnn P3, {args.batch} images of {size}x{size}, "
          f"score > {args.score_threshold}, median of {args.repeats}:")
    print(f"  yolov1_small.detect:      {1000 * times['yolo'] / args.batch:.2f} ms/image")
    print(f"  faster_rcnn_small.detect ({rcnn.config.rpn_post_nms_top_n_test} proposals): "
          f"{1000 * times['faster_rcnn'] / args.batch:.2f} ms/image")
    print(f"  YOLO is {times['faster_rcnn'] / times['yolo']:.2f}x faster")


def speed(args):
    import keras

    from dlcourse.data.shapes import make_shapes
    from dlcourse.detection import decode_yolo
    from dlcourse.models import get_backbone
    from dlcourse.models.detection.rcnn import box_head, rpn_head

    size, level, stride = args.image_size, "P4", 16
    images = make_shapes(args.batch, image_size=size, seed=0).images
    pyramid = get_backbone(args.backbone, input_shape=(size, size, 3))
    backbone = keras.Model(pyramid.inputs, pyramid.output[level])
    channels = backbone.output_shape[-1]
    yolo_head = keras.Sequential([keras.Input((None, None, channels)), keras.layers.Conv2D(128, 3, padding="same"),
                                  keras.layers.LeakyReLU(0.1), keras.layers.Conv2D(5 * 2 + 3, 1)])
    rpn, head = rpn_head(channels, anchors=9), box_head(4, channels=channels)

    def run_yolo():
        out = keras.ops.convert_to_numpy(yolo_head(backbone(images)))
        return decode_yolo(out, (size, size), 2, 3)

    def run_two_stage():
        return two_stage(backbone(images), rpn, head, (size, size), stride)

    times = _alternate({"yolo": run_yolo, "faster_rcnn": run_two_stage}, args.repeats)
    yolo, rcnn = times["yolo"], times["faster_rcnn"]
    print(f"{args.backbone} {level}, {args.batch} images of {size}x{size}, median of {args.repeats}:")
    print(f"  YOLO head + decoding + NMS:       {1000 * yolo / args.batch:.2f} ms/image")
    print(f"  Faster R-CNN (RPN, 100 proposals, RoIAlign, box head, NMS): {1000 * rcnn / args.batch:.2f} ms/image")
    print(f"  YOLO is {rcnn / yolo:.2f}x faster")


def train(args):
    from dlcourse.data.shapes import make_shapes
    from dlcourse.detection import coco_evaluate, voc_evaluate
    from dlcourse.models import get_model
    from dlcourse.train import fit

    train_set = make_shapes(args.train_size, image_size=args.image_size, seed=0)
    test_set = make_shapes(args.test_size, image_size=args.image_size, seed=1)
    model = get_model("yolov1_small", backbone=args.backbone, input_shape=(args.image_size, args.image_size, 3),
                      classes=3, level=args.level, width=args.width, head_convs=args.head_convs)
    start = time.perf_counter()
    fit(model, train_set.detection_dataset(32, flip=args.flip), epochs=args.epochs, optimizer="adam",
        learning_rate=args.lr, jit_compile=False, verbose=0)
    seconds = time.perf_counter() - start
    found = model.detect(test_set.images, score_threshold=0.05)
    args_ = (list(test_set.boxes), list(test_set.classes), [f["boxes"] for f in found], [f["scores"] for f in found],
             [f["classes"] for f in found], 3)
    voc, coco = voc_evaluate(*args_), coco_evaluate(*args_)
    print(f"yolov1_small ({args.backbone}), {args.train_size} shapes at {args.image_size}px, {args.epochs} epochs: "
          f"{seconds:.0f} s of training; test ({args.test_size} images): VOC mAP@0.5 {voc['mAP']:.3f}, "
          f"COCO AP50 {coco['AP50']:.3f}, AP {coco['AP']:.3f}")


def instance_dataset(shapes, batch_size, seed=0):
    """(images, {"boxes", "classes", "masks"}) batches, padded with -1 (boxes, classes) and 0 (masks)."""
    return shapes.detection_dataset(batch_size, seed=seed, masks=True)


def train_mask(args):
    """mask_rcnn_small trained on shapes with instance masks: box mAP and mask AP on unseen images."""
    from dlcourse.data.shapes import make_shapes
    from dlcourse.detection import coco_evaluate, voc_evaluate
    from dlcourse.models import get_model
    from dlcourse.train import fit

    train_set = make_shapes(args.train_size, image_size=args.image_size, seed=0)
    test_set = make_shapes(args.test_size, image_size=args.image_size, seed=1)
    model = get_model("mask_rcnn_small", input_shape=(args.image_size, args.image_size, 3), classes=3)
    start = time.perf_counter()
    fit(model, instance_dataset(train_set, 32), epochs=args.epochs, optimizer="adam", learning_rate=args.lr,
        jit_compile=False, verbose=2)
    seconds = time.perf_counter() - start
    found = model.detect(test_set.images, score_threshold=0.05)
    scored = (list(test_set.boxes), list(test_set.classes), [f["boxes"] for f in found], [f["scores"] for f in found],
              [f["classes"] for f in found], 3)
    voc, box = voc_evaluate(*scored), coco_evaluate(*scored)
    mask = coco_evaluate(*scored, gt_masks=list(test_set.masks), det_masks=[f["masks"] for f in found])
    print(f"mask_rcnn_small, {args.train_size} shapes at {args.image_size}px, {args.epochs} epochs: {seconds:.0f} s "
          f"of training; test ({args.test_size} images): box VOC mAP@0.5 {voc['mAP']:.3f}, box AP {box['AP']:.3f}, "
          f"mask AP50 {mask['AP50']:.3f}, mask AP {mask['AP']:.3f}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--train", action="store_true")
    parser.add_argument("--train-mask", action="store_true", help="train mask_rcnn_small; box mAP and mask AP")
    parser.add_argument("--parts", action="store_true", help="time the hand-assembled pipeline (ResNet-18 P4)")
    parser.add_argument("--yolo", default=None, help="a trained yolov1_small .keras file (default: untrained)")
    parser.add_argument("--faster-rcnn", default=None, help="a trained faster_rcnn_small .keras file")
    parser.add_argument("--score-threshold", type=float, default=0.05)
    parser.add_argument("--backbone", default="resnet18")
    parser.add_argument("--image-size", type=int, default=None, help="default 64 (128 with --parts or --train)")
    parser.add_argument("--batch", type=int, default=8)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--epochs", type=int, default=30)
    parser.add_argument("--train-size", type=int, default=512)
    parser.add_argument("--test-size", type=int, default=128)
    # --train's model and recipe; the defaults are the first (memorising) setting: yolov1_small's own
    # defaults are small_cnn P3, width 96, 3 head convs, trained with --flip --lr 3e-3 (see the README)
    parser.add_argument("--level", default="P4")
    parser.add_argument("--width", type=int, default=128)
    parser.add_argument("--head-convs", type=int, default=1)
    parser.add_argument("--lr", type=float, default=1e-3)
    parser.add_argument("--flip", action="store_true", help="random left-right flips, boxes with them")
    args = parser.parse_args()
    if args.image_size is None:
        args.image_size = 128 if args.parts or args.train else 64  # the earlier rows used 128
    if args.train_mask:
        train_mask(args)
    elif args.train:
        train(args)
    elif args.parts:
        speed(args)
    else:
        speed_registered(args)


if __name__ == "__main__":
    main()
