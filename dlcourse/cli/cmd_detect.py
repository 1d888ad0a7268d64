"""``dlcourse detect RUN IMAGE``: draw a trained detector's boxes over an image."""

from __future__ import annotations

import os


def add_parser(subparsers):
    parser = subparsers.add_parser(
        "detect",
        help="draw a trained detector's predictions over an image",
        description="Load the detector of RUN (a run directory's best.keras, else its model.keras, or a "
        ".keras file), run it on IMAGE (resized to the model's input size when it has one), print one line "
        "per detection (class, score, box xyxy in the image's pixels) and save the image with the boxes drawn "
        "to --output (default: IMAGE's name + _detections.png beside it; an existing file is kept unless "
        "--overwrite).",
    )
    parser.add_argument("run_dir", metavar="RUN", help="a run directory of a detector, or a .keras file")
    parser.add_argument("image", metavar="IMAGE", help="an image file (PNG, JPEG ...)")
    parser.add_argument("--score-threshold", type=float, default=0.3, help="keep scores above this (default 0.3)")
    parser.add_argument("--iou-threshold", type=float, default=0.5, help="per-class NMS threshold (default 0.5)")
    parser.add_argument("--class-names", default=None, help="comma-separated names of the class ids")
    parser.add_argument("--output", default=None, help="where the drawing goes (.png)")
    parser.add_argument("--overwrite", action="store_true", help="replace --output if it exists")
    parser.set_defaults(run=run)


def _model_file(path: str) -> str:
    if os.path.isfile(path) and path.endswith(".keras"):
        return path
    for name in ("best.keras", "model.keras"):
        candidate = os.path.join(path, name)
        if os.path.isfile(candidate):
            return candidate
    raise FileNotFoundError(f"RUN must be a run directory with best.keras or model.keras, or a .keras file; got {path!r}")


def run(args) -> int:
    from dlcourse.checks import check_fraction, check_number

    check_number("--score-threshold", args.score_threshold, minimum=0, maximum=1)
    check_fraction("--iou-threshold", args.iou_threshold, allow_one=True)
    model_path = _model_file(args.run_dir)
    if not os.path.isfile(args.image):
        raise FileNotFoundError(f"IMAGE {args.image!r} does not exist")
    output = args.output or os.path.splitext(args.image)[0] + "_detections.png"
    if os.path.exists(output) and not args.overwrite:
        raise FileExistsError(f"{output} exists; pass --overwrite to replace it or --output to choose another")

    import keras
    import numpy as np

    import dlcourse.models.detection.faster_rcnn  # noqa: F401  (registers the detector classes for loading)
    import dlcourse.models.detection.mask_rcnn  # noqa: F401
    import dlcourse.models.detection.yolo  # noqa: F401
    from matplotlib.patches import Rectangle

    from dlcourse.plotting import new_figure, save_figure

    model = keras.saving.load_model(model_path)
    if not hasattr(model, "detect"):
        raise ValueError(f"{model_path} holds a {type(model).__name__}, not a detector (a model with detect())")
    height, width = model.input_shape[1:3]
    target = None if height is None or width is None else (height, width)
    image = np.asarray(keras.utils.load_img(args.image, target_size=target), dtype="float32") / 255.0
    names = args.class_names.split(",") if args.class_names else [str(i) for i in range(model.classes)]
    if len(names) != model.classes:
        raise ValueError(f"--class-names must name {model.classes} classes; got {len(names)}")
    (found,) = model.detect(image[None], score_threshold=args.score_threshold, iou_threshold=args.iou_threshold)
    for box, score, cls in zip(found["boxes"], found["scores"], found["classes"]):
        print(f"{names[cls]} {score:.3f} {' '.join(f'{v:.1f}' for v in box)}")
    print(f"{len(found['scores'])} detections; drawn to {output}")
    fig, ax = new_figure()
    ax.imshow(image)
    for box, score, cls in zip(found["boxes"], found["scores"], found["classes"]):
        x1, y1, x2, y2 = box
        ax.add_patch(Rectangle((x1, y1), x2 - x1, y2 - y1, fill=False,
                               edgecolor=f"C{cls}", linewidth=2))
        ax.text(x1, y1, f"{names[cls]} {score:.2f}", color="white", fontsize=8,
                bbox={"facecolor": f"C{cls}", "alpha": 0.8, "pad": 1})
    ax.set_xlabel("x (pixels)")
    ax.set_ylabel("y (pixels)")
    save_figure(fig, output)
    return 0
