"""``dlcourse segment RUN IMAGE``: a trained segmentation run's predicted mask drawn over an image."""

from __future__ import annotations

import os

OVERLAY_ALPHA = 0.45


def add_parser(subparsers):
    parser = subparsers.add_parser(
        "segment",
        help="draw a segmentation run's predicted mask over an image",
        description="Load RUN/best.keras (a run of `dlcourse train` on a segmentation model), resize IMAGE to the "
        "model's input, predict each pixel's class and write the image with the mask over it, side by side "
        "with the mask, to --output (default: IMAGE's name with -mask.png, beside it). An existing output is "
        "kept unless --overwrite.",
    )
    parser.add_argument("run_dir", metavar="RUN", help="a run directory holding best.keras (or model.keras)")
    parser.add_argument("image", metavar="IMAGE", help="an image file (PNG, JPEG, ...)")
    parser.add_argument("--output", default=None, metavar="PATH", help="where to write the picture (a .png)")
    parser.add_argument("--overwrite", action="store_true", help="replace an existing --output")
    parser.set_defaults(run=run)


def output_path(image: str, output: str | None) -> str:
    """The picture's path: `output`, or IMAGE's name with ``-mask.png`` beside it."""
    if output is not None:
        return output
    stem, _ = os.path.splitext(image)
    return f"{stem}-mask.png"


def _model_file(run_dir: str) -> str:
    if not os.path.isdir(run_dir):
        raise ValueError(f"RUN: no run directory at {run_dir!r}")
    for name in ("best.keras", "model.keras"):
        path = os.path.join(run_dir, name)
        if os.path.isfile(path):
            return path
    raise ValueError(f"RUN: {run_dir} holds no best.keras or model.keras; train it with `dlcourse train MODEL`")


def _class_names(run_dir: str, classes: int) -> list:
    import json

    try:
        with open(os.path.join(run_dir, "config.json")) as f:
            names = json.load(f)["data"].get("class_names")
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        names = None
    names = list(names or [])
    return names if len(names) == classes else [str(i) for i in range(classes)]


def run(args) -> int:
    model_path = _model_file(args.run_dir)
    if not os.path.isfile(args.image):
        raise ValueError(f"IMAGE: no file at {args.image!r}")
    path = output_path(args.image, args.output)
    if os.path.exists(path) and not args.overwrite:
        raise ValueError(f"--output: {path} exists; give another --output or --overwrite")
    if not path.lower().endswith(".png"):
        raise ValueError(f"--output must be a .png file; got {path!r}")

    import keras
    import numpy as np

    import dlcourse.segmentation.losses  # noqa: F401  (registers the Dice losses a model may be saved with)

    model = keras.saving.load_model(model_path, compile=False)
    if len(model.output_shape) != 4:
        raise ValueError(f"RUN: {model.name} outputs {model.output_shape}, not a per-pixel class map; "
                         "`dlcourse segment` needs a segmentation run")
    height, width, channels = model.input_shape[1:]
    try:
        picture = keras.utils.load_img(args.image, color_mode="grayscale" if channels == 1 else "rgb",
                                       target_size=(height, width) if height else None)
    except (OSError, ValueError) as error:
        raise ValueError(f"IMAGE: {args.image} could not be read as an image ({error})") from None
    image = keras.utils.img_to_array(picture) / 255.0  # the data sets' scale: [0, 1]
    scores = model.predict(image[None].astype("float32"), verbose=0)[0]
    mask = scores.argmax(axis=-1)
    names = _class_names(args.run_dir, scores.shape[-1])
    _draw(image, mask, names, path)
    counts = np.bincount(mask.ravel(), minlength=len(names)) / mask.size
    shares = ", ".join(f"{name} {share:.0%}" for name, share in zip(names, counts) if share > 0)
    print(f"{args.image}: {shares}; wrote {path}")
    return 0


def _draw(image, mask, names, path):
    """The image with the mask over it, and the mask alone with a legend, saved to `path`."""
    import tempfile

    import numpy as np
    from matplotlib.patches import Patch

    from dlcourse.plotting import new_figure, save_figure

    fig, (left, right) = new_figure(2, figsize=(8, 4))
    palette = [(0, 0, 0)] + [tuple(c[:3]) for c in _colours(len(names) - 1)]
    shown = image[..., 0] if image.shape[-1] == 1 else image
    left.imshow(shown, cmap="gray" if shown.ndim == 2 else None, vmin=0, vmax=1)
    overlay = np.zeros(mask.shape + (4,), "float32")
    for class_id in range(1, len(names)):  # class 0 is the background: left clear
        overlay[mask == class_id] = (*palette[class_id], OVERLAY_ALPHA)
    if overlay.shape[:2] != shown.shape[:2]:  # a valid U-Net's smaller map: centred on the image
        top, side = (shown.shape[0] - mask.shape[0]) // 2, (shown.shape[1] - mask.shape[1]) // 2
        extent = (side - 0.5, side + mask.shape[1] - 0.5, top + mask.shape[0] - 0.5, top - 0.5)
        left.imshow(overlay, extent=extent)
    else:
        left.imshow(overlay)
    left.set_title("image and predicted mask")
    right.imshow(np.array(palette)[mask])
    right.set_title("predicted classes")
    right.legend(handles=[Patch(color=palette[i], label=name) for i, name in enumerate(names)],
                 loc="upper right", fontsize=7)
    for ax in (left, right):
        ax.set_xlabel("x (pixels)")
        ax.set_ylabel("y (pixels)")
    # written beside the target and moved into place: a failed save leaves nothing half-written
    folder = os.path.dirname(os.path.abspath(path))
    handle, temporary = tempfile.mkstemp(suffix=".png", dir=folder)
    os.close(handle)
    try:
        save_figure(fig, temporary)
        os.replace(temporary, path)
    finally:
        if os.path.exists(temporary):
            os.remove(temporary)


def _colours(count):
    import matplotlib

    cmap = matplotlib.colormaps["tab10"]
    return [cmap(i % 10) for i in range(count)]
