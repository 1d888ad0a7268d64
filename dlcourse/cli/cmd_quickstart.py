"""``dlcourse quickstart``: train the notes' CNN on real digits and keep the run under ``runs/``."""

from __future__ import annotations

import os


def add_parser(subparsers):
    parser = subparsers.add_parser(
        "quickstart",
        help="train the notes' CNN on MNIST (or scikit-learn's digits offline) and save the run",
        description="Train the course notes' CNN on MNIST when it can be had (downloaded, or a local "
        "mnist.npz in $DLCOURSE_DATA_DIR), scikit-learn's bundled digits otherwise. Prints the test "
        "accuracy and writes history, learning curves and the saved model under runs/.",
    )
    parser.add_argument("--epochs", type=int, default=None, help="override the default training length")
    parser.add_argument("--runs", default="runs", help="the folder for run directories (default: runs)")
    parser.set_defaults(run=run)


def run(args) -> int:
    import dataclasses

    from dlcourse.data import DatasetUnavailable, load_dataset
    from dlcourse.train.config import TrainConfig
    from dlcourse.train.fit import fit

    try:
        data = load_dataset("mnist")
    except DatasetUnavailable as error:
        print(f"MNIST is not available here ({str(error).split('. ')[0]}); using scikit-learn's bundled digits.")
        data = load_dataset("digits")
    run_dir = os.path.join(args.runs, f"quickstart-{data.name}")
    config = dataclasses.replace(TrainConfig(), epochs=args.epochs, verbose=2)
    print(f"Training notes_cnn on {data.name}: {len(data.x_train):,} training images from {data.source}")
    result = fit("notes_cnn", data, config, run_dir=run_dir)
    print(f"\nTest accuracy: {result.test['accuracy']:.2%} after {len(result.history['loss'])} epochs "
          f"({result.seconds:.0f} s of training)")
    print(f"History, learning curves (learning_curves.png) and the model (model.keras) are in {run_dir}/")
    return 0
