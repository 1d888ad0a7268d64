"""One process of tests/test_distributed_fit.py: ``python distributed_worker.py MODE OUT_DIR``.

MODE ``worker``: a MultiWorkerMirroredStrategy worker (``TF_CONFIG`` set by the test). It trains a
tiny model with `train_loop`, then with `dlcourse.train.fit` (``strategy="multiworker"``, a run
directory) and saves the weights; before them it runs Keras' own `fit` without the keras_20585
workaround and records whether it fails. `fit` comes last: its evaluation splits the last batch
unevenly, so the workers trace different functions, and TensorFlow's collective keys would no
longer line up for functions traced afterwards in the same process. MODE ``single``: the same two trainings in one process with the
default strategy, on the same global batches. Results go to OUT_DIR/MODE-INDEX.npz and .json.
"""

import json
import os
import sys

import numpy as np

MODE, OUT = sys.argv[1], sys.argv[2]
GLOBAL_BATCH, EPOCHS = 16, 2


def arrays(n, seed):
    rng = np.random.default_rng(seed)
    return rng.random((n, 4, 4, 1), dtype=np.float32), rng.integers(0, 3, n)


def model():
    import keras

    keras.utils.set_random_seed(0)
    return keras.Sequential([keras.Input((4, 4, 1)), keras.layers.Flatten(), keras.layers.Dense(8, activation="relu"),
                             keras.layers.Dense(3)])


def main():
    import keras
    import tensorflow as tf

    from dlcourse.data import as_image_data
    from dlcourse.train import fit, keras_20585
    from dlcourse.train.devices import resolve_strategy
    from dlcourse.train.loop import train_loop

    if MODE == "worker":
        strategy = resolve_strategy("multiworker")
        name = f"worker-{json.loads(os.environ['TF_CONFIG'])['task']['index']}"
    else:
        strategy = resolve_strategy("default")
        name = "single"
    report = {"replicas": strategy.num_replicas_in_sync, "workaround": keras_20585.applied()}
    x, y = arrays(64, 1)
    batches = tf.data.Dataset.from_tensor_slices((x, y)).batch(GLOBAL_BATCH)
    options = tf.data.Options()
    options.experimental_distribute.auto_shard_policy = tf.data.experimental.AutoShardPolicy.DATA
    batches = batches.with_options(options)

    with strategy.scope():  # every variable made up front, while the workers' collectives are in step
        looped = model()
        optimizer = keras.optimizers.SGD(0.1)
        plain = model()
        plain.compile(keras.optimizers.SGD(0.1), keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    # Keras' own path, without the workaround: does keras#20585 still fail? (It fails before any
    # collective operation, so the workers stay in step.)
    if MODE == "worker":
        keras_20585.remove()
        try:
            plain.fit(batches, epochs=1, verbose=0)
            report["keras_fails"] = None
        except Exception as error:  # noqa: BLE001  (any failure is what the test reads)
            report["keras_fails"] = f"{type(error).__name__}: {str(error)[:300]}"
        keras_20585.apply(strategy)

    history = train_loop(looped, batches, epochs=EPOCHS, optimizer=optimizer, strategy=strategy)
    report["loop_loss"] = history["loss"]

    data = as_image_data((x, y), validation=arrays(16, 2), test=arrays(16, 3))
    config = dict(epochs=EPOCHS, batch_size=GLOBAL_BATCH, optimizer="sgd", learning_rate=0.1, schedule="constant",
                  tensorboard=False, verbose=0, strategy="multiworker" if MODE == "worker" else "default")
    result = fit(model, data, run_dir=os.path.join(OUT, "run"), **config)
    report["fit_test"] = result.test
    report["fit_loss"] = result.history["loss"]
    report["fit_run_dir"] = result.run_dir
    fitted = result.model.get_weights()
    np.savez(os.path.join(OUT, f"{name}.npz"), *looped.get_weights(), *fitted)

    with open(os.path.join(OUT, f"{name}.json"), "w") as f:
        json.dump(report, f)


if __name__ == "__main__":
    main()
