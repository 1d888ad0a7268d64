"""``dlcourse explain RUN [IMAGES ...]``: what a trained classifier gets wrong and where it looks, as plots in RUN."""

from __future__ import annotations

import os

EXPLAIN_FOLDER = "explain"
EXAMPLES = 8  # test images explained when no IMAGES are given


def add_parser(subparsers):
    parser = subparsers.add_parser(
        "explain",
        help="plot a run's confusion matrix, top losses, Grad-CAM, saliency, filters and feature maps",
        description="Load RUN/best.keras and the data RUN/config.json records; write into RUN/explain/: "
        "confusion_matrix.png, top_losses.png, gradcam.png and saliency.png (of IMAGES, or of the first "
        f"{EXAMPLES} test images), filters.png and feature_maps.png (models with convolutions), and "
        "print each class's precision and recall.",
    )
    parser.add_argument("run_dir", metavar="RUN", help="a run directory of `dlcourse train`")
    parser.add_argument("images", nargs="*", metavar="IMAGES", help="image files to explain (resized to the model's input)")
    parser.add_argument("--split", default="test", choices=("train", "val", "test"), help="(default: test)")
    parser.set_defaults(run=run)


def _load_images(paths, input_shape):
    import keras
    import numpy as np

    for path in paths:
        if not os.path.isfile(path):
            raise ValueError(f"IMAGES: no file at {path!r}")
    mode = "grayscale" if input_shape[-1] == 1 else "rgb"
    return np.stack([keras.utils.img_to_array(keras.utils.load_img(p, color_mode=mode, target_size=input_shape[:2]))
                     for p in paths]) / 255.0


def run(args) -> int:
    if not os.path.isfile(os.path.join(args.run_dir, "config.json")):
        raise ValueError(f"RUN: {args.run_dir!r} holds no config.json; is it a run directory of `dlcourse train`?")
    from dlcourse.interpret import ClassificationInterpretation, gradcam, plot_maps, saliency

    interp = ClassificationInterpretation.from_run(args.run_dir, split=args.split)
    import keras

    model_path = next(os.path.join(args.run_dir, f) for f in ("best.keras", "model.keras")
                      if os.path.isfile(os.path.join(args.run_dir, f)))
    model = keras.models.load_model(model_path)
    images = _load_images(args.images, model.input_shape[1:]) if args.images else interp.images[:EXAMPLES]
    out = os.path.join(args.run_dir, EXPLAIN_FOLDER)
    written = [interp.plot_confusion_matrix(os.path.join(out, "confusion_matrix.png")) and "confusion_matrix.png",
               interp.plot_top_losses(path=os.path.join(out, "top_losses.png")) and "top_losses.png"]
    predicted = model.predict(images, verbose=0).argmax(axis=1)
    titles = [interp.class_names[p] for p in predicted]
    plot_maps(images, saliency(model, images), titles=titles, path=os.path.join(out, "saliency.png"))
    written.append("saliency.png")
    if len(model.input_shape) == 4:
        from dlcourse.interpret import feature_maps, first_layer_filters, plot_grid

        try:
            plot_maps(images, gradcam(model, images), titles=titles, path=os.path.join(out, "gradcam.png"))
            plot_grid(first_layer_filters(model), title="first-layer filters", path=os.path.join(out, "filters.png"))
            plot_grid(feature_maps(model, images[0]), title="feature maps", path=os.path.join(out, "feature_maps.png"))
            written += ["gradcam.png", "filters.png", "feature_maps.png"]
        except ValueError as no_convolution:
            print(f"no Grad-CAM, filters or feature maps: {no_convolution}")
    scores = interp.precision_recall()
    print(f"{'class':>12} {'precision':>9} {'recall':>6}")
    for name, p, r in zip(interp.class_names, scores["precision"], scores["recall"]):
        print(f"{name:>12} {p:9.3f} {r:6.3f}")
    print(f"accuracy {float((interp.predictions == interp.labels).mean()):.4f} on {len(interp.labels)} {args.split} "
          f"images; wrote {', '.join(written)} into {out}")
    return 0
