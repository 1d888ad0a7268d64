"""Lesson 13's experiments: a small CNN against a small ViT on little data, and distilling the one into the other.

The notes' claim: without the convolution's built-in assumptions (locality, translation equivariance)
a ViT needs more data or help, such as a teacher (DeiT, Touvron et al. 2021). Both functions train
through `dlcourse.train.fit` with the same settings for every model, one run per seed, so a lesson can
show the spread over seeds rather than one draw.

Example:
    >>> from dlcourse.data import load_dataset
    >>> runs = cnn_vs_vit(load_dataset("digits"), seeds=(0,), epochs=1)
    >>> sorted(runs), len(runs["teachers"])
    (['notes_cnn', 'teachers', 'vit_tiny_digits'], 1)
"""

from __future__ import annotations

from dlcourse.checks import check_int, check_positive_int

CNN, VIT = "notes_cnn", "vit_tiny_digits"
# Adam's peak rate for these runs: `fit`'s default until 2026-12-07, when the default became 6e-3 for
# batches of 128; these runs use batches of 64, and lesson 13's stored results were made at 4e-3.
LEARNING_RATE = 4e-3


def _check(seeds, epochs):
    check_positive_int("epochs", epochs)
    if not seeds:
        raise ValueError(f"seeds must be a non-empty sequence of non-negative ints; got {seeds!r}")
    for seed in seeds:
        check_int("seeds", seed, minimum=0)


def cnn_vs_vit(data, seeds=(0, 1, 2), epochs: int = 60, batch_size: int = 64,
               learning_rate: float = LEARNING_RATE) -> dict:
    """Train `notes_cnn` and `vit_tiny_digits` on `data` for each seed, the same way; test accuracy of each.

    The CNN is built with logits out (``classifier_activation=None``; its accuracy is the same) so
    that it can teach in `distilled_vit`.

    Args:
        data: an `ImageData` of 28x28x1 images (the digits or MNIST).
        seeds: one run of each model per seed (`fit`'s seed: initialisation and shuffling).
        epochs, batch_size, learning_rate: the training of every run (Adam's peak rate; `fit`'s default
            warm-up and cosine schedule otherwise).

    Returns:
        ``{"notes_cnn": [accuracy per seed], "vit_tiny_digits": [...], "teachers": [the trained CNNs]}``.

    Example:
        >>> from dlcourse.data import load_dataset
        >>> runs = cnn_vs_vit(load_dataset("digits"), seeds=(0,), epochs=1)
        >>> all(0.0 <= a <= 1.0 for a in runs["notes_cnn"] + runs["vit_tiny_digits"])
        True
    """
    _check(seeds, epochs)
    from dlcourse.models import notes_cnn
    from dlcourse.train import fit

    runs = {CNN: [], VIT: [], "teachers": []}
    for seed in seeds:
        settings = dict(epochs=epochs, batch_size=batch_size, learning_rate=learning_rate, seed=seed, verbose=0,
                        tensorboard=False)
        cnn = fit(lambda: notes_cnn(classifier_activation=None), data, **settings)
        vit = fit(VIT, data, **settings)
        runs[CNN].append(float(cnn.test["accuracy"]))
        runs[VIT].append(float(vit.test["accuracy"]))
        runs["teachers"].append(cnn.model)
    return runs


def distilled_vit(data, teachers, seeds=(0, 1, 2), epochs: int = 60, batch_size: int = 64,
                  temperature: float = 4.0, alpha: float = 0.5, learning_rate: float = LEARNING_RATE) -> list:
    """Train `vit_tiny_digits` with a `Distiller` from each seed's teacher; its test accuracy per seed.

    Args:
        data: the `ImageData` the teachers were trained on.
        teachers: one trained CNN with logits out per seed (``cnn_vs_vit(...)["teachers"]``).
        seeds, epochs, batch_size, learning_rate: as in `cnn_vs_vit`, so each distilled run matches its run
            from scratch.
        temperature, alpha: the `Distiller`'s (alpha weighs the labels, 1 - alpha the soft targets).

    Returns:
        ``[accuracy per seed]``.
    """
    _check(seeds, epochs)
    if len(teachers) != len(seeds):
        raise ValueError(f"teachers: one per seed; got {len(teachers)} teachers for {len(seeds)} seeds")
    from dlcourse.models import vit_tiny_digits
    from dlcourse.models.sequence.distillation import Distiller
    from dlcourse.train import fit

    import keras

    accuracies = []
    for seed, teacher in zip(seeds, teachers):
        keras.utils.set_random_seed(seed)   # the student starts where `cnn_vs_vit`'s ViT of this seed started
        distiller = Distiller(vit_tiny_digits(classifier_activation=None), teacher, temperature=temperature, alpha=alpha)
        run = fit(distiller, data, epochs=epochs, batch_size=batch_size, learning_rate=learning_rate, seed=seed,
                  verbose=0, tensorboard=False)
        accuracies.append(float(run.test["accuracy"]))
    return accuracies
