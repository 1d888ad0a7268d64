"""The notes' claim, as an experiment: a ViT needs augmentation and distillation where a CNN does not.

On scikit-learn's digits at their native 8x8 (1,293 train / 144 validation / 360 test images), a
small ViT (patches of 2x2: 16 tokens, D 32, 2 pre-norm blocks of 4 heads, MLP 64) against a small
ResNet of about the same size (3x3 stem of 16, a basic block of 16, a stride-2 basic block of 32),
each trained with and without augmentation (`dlcourse.regularization.augmentation`: rotation,
translation, zoom), and the ViT distilled from the ResNet trained with augmentation of the same seed
(`Distiller`, T = 4, alpha = 0.5, the student augmented too). Every run is `dlcourse.train.fit` with
Adam at a peak of 4e-3 with warm-up + cosine (the default schedule) for `--epochs` epochs of batches of
64; prints each run's test accuracy and then the mean and standard deviation over the seeds.

Run: ``python benchmarks/bench_vit_vs_resnet.py [--seeds 0 1 2] [--epochs 20]``.
"""

import argparse
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import print_table  # noqa: E402

IMAGE_SIZE = 8  # digits' own resolution: small enough for several seeds on a busy CPU
VIT = {"patch_size": 2, "hidden_dim": 32, "depth": 2, "num_heads": 4, "mlp_dim": 64}
TEMPERATURE, ALPHA = 4.0, 0.5
CONFIGS = ("resnet", "resnet + augmentation", "vit", "vit + augmentation", "vit distilled from resnet + aug")


def small_resnet(input_shape, classes):
    """Stem conv 3x3 (16) -> basic block (16) -> basic block (32, stride 2) -> pool -> logits."""
    import keras

    from dlcourse.blocks.conv import conv_bn_act
    from dlcourse.blocks.residual import basic_block

    inputs = keras.Input(input_shape)
    x = conv_bn_act(inputs, 16, 3, name="stem")
    x = basic_block(x, 16, name="block1")
    x = basic_block(x, 32, strides=2, name="block2")
    x = keras.layers.GlobalAveragePooling2D(name="avg_pool")(x)
    return keras.Model(inputs, keras.layers.Dense(classes, name="predictions")(x), name="small_resnet")


def small_vit(input_shape, classes):
    from dlcourse.models.sequence.vit import vision_transformer

    return vision_transformer(**VIT, input_shape=input_shape, classes=classes, classifier_activation=None,
                              name="small_vit")


def augmented(model, seed):
    """`model` behind random rotation, translation and zoom (active only while training)."""
    import keras

    from dlcourse.regularization import augmentation

    return keras.Sequential([keras.Input(model.input_shape[1:]), augmentation(seed=seed), model], name=model.name)


def run(config, data, seed, epochs, teachers):
    import keras

    from dlcourse.models.sequence.distillation import Distiller
    from dlcourse.train import fit

    keras.utils.set_random_seed(seed)
    shape, classes = data.input_shape, data.num_classes
    if config.startswith("vit distilled"):
        model = Distiller(augmented(small_vit(shape, classes), seed), teachers[seed], temperature=TEMPERATURE,
                          alpha=ALPHA)
    else:
        model = (small_resnet if config.startswith("resnet") else small_vit)(shape, classes)
        if config.endswith("augmentation"):
            model = augmented(model, seed)
    result = fit(model, data, epochs=epochs, batch_size=64, learning_rate=4e-3, seed=seed, verbose=0, tensorboard=False)
    if config == "resnet + augmentation":
        teachers[seed] = result.model
    params = (result.model.student if isinstance(result.model, Distiller) else result.model).count_params()
    return result.test["accuracy"], params, result.seconds


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--epochs", type=int, default=20)
    args = parser.parse_args()

    from dlcourse.data import load_dataset

    data = load_dataset("digits", image_size=IMAGE_SIZE)
    print(f"digits {data.input_shape}, {data.sizes()}, {args.epochs} epochs, seeds {args.seeds}", flush=True)
    results, teachers = {c: [] for c in CONFIGS}, {}
    for seed in args.seeds:
        for config in CONFIGS:
            accuracy, params, seconds = run(config, data, seed, args.epochs, teachers)
            results[config].append((accuracy, params, seconds))
            print(f"seed {seed}  {config:34s} test accuracy {accuracy:.4f}  params {params:,}  {seconds:.0f} s",
                  flush=True)
    rows = []
    for config, runs in results.items():
        accuracies = [100 * a for a, _, _ in runs]
        spread = statistics.stdev(accuracies) if len(accuracies) > 1 else 0.0
        rows.append((config, f"{runs[0][1]:,}", f"{statistics.mean(accuracies):.2f}%", f"{spread:.2f}",
                     f"{min(accuracies):.2f}-{max(accuracies):.2f}", f"{statistics.mean(s for *_, s in runs):.0f}"))
    print_table(("model", "parameters", "mean test accuracy", "std (points)", "range", "seconds each"), rows)


if __name__ == "__main__":
    main()
