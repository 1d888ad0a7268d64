"""What lessons 1, 3-5, 7 and 12-14 state in words and numbers that `test_lesson_claims_1_3.py` and the
package's own tests do not already check (issue 16): each number against the package, each effect by its
direction at small size, and, where a lesson quotes its own full run, the sentence against the stored outputs.
"""

import json
import re
from pathlib import Path

import keras
import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]
LESSONS = ROOT / "lessons"


def _cells(name, kind):
    cells = json.loads((LESSONS / name).read_text(encoding="utf-8"))["cells"]
    return ["".join(c["source"]) for c in cells if c["cell_type"] == kind]


def _markdown(name):
    return "\n".join(_cells(name, "markdown"))


def _outputs(name):
    """The text every code cell of `name` printed when it was last executed (the stored outputs)."""
    cells = json.loads((LESSONS / name).read_text(encoding="utf-8"))["cells"]
    texts = []
    for cell in cells:
        for output in cell.get("outputs", []):
            text = output.get("text") or output.get("data", {}).get("text/plain", "")
            texts.append("".join(text))
    return "\n".join(texts)


# Lesson 1 -------------------------------------------------------------------------------------------

def test_lesson_1_shows_the_notes_four_components_and_a_timeline_that_agrees_with_the_other_lessons():
    text = _markdown("01_perceptron_and_mlp.ipynb")
    for component in ("data (데이터)", "model (모델)", "loss function (손실 함수)", "optimisation algorithm (최적화 알고리즘)"):
        assert f"| {component} |" in text, component
    years = dict(re.findall(r"^\| (\d{4}) \| (.+) \|$", text, flags=re.M))
    assert list(years) == sorted(years) and {"1958", "1969", "1986", "1998", "2012", "2014", "2015"} <= set(years)
    assert "15.3%" in years["2012"] and "15.3% top-5 error" in _markdown("04_classic_cnns.ipynb")
    gans = _markdown("11_gans.ipynb")
    assert "GAN" in years["2014"] and "2014" in gans and "1406.2661" in gans   # Goodfellow et al.'s arXiv paper


def test_the_perceptron_weights_and_the_17_parameter_xor_mlp_lesson_1_states():
    from dlcourse.models import GATE_INPUTS, GATE_TRUTH_TABLES, logic_gate, mlp

    stated = {"and": ([0.5, 0.5], -0.7), "or": ([0.5, 0.5], -0.2), "nand": ([-0.5, -0.5], 0.7)}
    for gate, (weights, bias) in stated.items():
        model = logic_gate(gate)
        kernel, b = model.get_layer("predictions").get_weights()
        np.testing.assert_allclose(kernel.ravel(), weights)
        np.testing.assert_allclose(b, [bias])
        assert model.predict(GATE_INPUTS, verbose=0).ravel().astype(int).tolist() == GATE_TRUTH_TABLES[gate]
    xor = mlp(hidden_units=(4,), activation="tanh", input_shape=(2,), classes=1, classifier_activation="sigmoid")
    assert xor.count_params() == 2 * 4 + 4 + 4 * 1 + 1 == 17


def test_sigmoid_with_mse_learns_far_slower_than_softmax_with_cross_entropy(digits8):
    """Lesson 1, section 4: the same MLP, SGD and epochs; MSE's gradient vanishes on saturated units."""
    from dlcourse.models import mlp

    accuracy = {}
    for activation, loss in (("softmax", "sparse_categorical_crossentropy"), ("sigmoid", "mse")):
        keras.utils.set_random_seed(0)
        model = mlp(hidden_units=(32,), input_shape=(8, 8, 1), classes=10, classifier_activation=activation)
        model.compile(optimizer=keras.optimizers.SGD(0.1), loss=loss)
        y = digits8.y_train if loss != "mse" else np.eye(10, dtype="float32")[digits8.y_train]
        model.fit(digits8.x_train, y, epochs=3, batch_size=32, verbose=0)
        accuracy[activation] = float((model.predict(digits8.x_test, verbose=0).argmax(1) == digits8.y_test).mean())
    assert accuracy["softmax"] > accuracy["sigmoid"] + 0.3, accuracy


# Lesson 3 -------------------------------------------------------------------------------------------

def test_the_slopes_lesson_3_quotes_for_sigmoid_tanh_and_relu():
    z = np.linspace(-6, 6, 1201)
    sigmoid = 1 / (1 + np.exp(-z))
    assert (sigmoid * (1 - sigmoid)).max() == pytest.approx(0.25)
    assert (1 - np.tanh(z) ** 2).max() == pytest.approx(1.0)
    relu = keras.ops.convert_to_numpy(keras.activations.relu(keras.ops.convert_to_tensor(z)))
    assert np.allclose(np.diff(relu[z > 0]) / np.diff(z[z > 0]), 1.0)


def test_adadelta_on_the_valley_ends_where_lesson_3_says_and_its_epsilon():
    from dlcourse import optim
    from dlcourse.optim.paths import optimizer_path, valley

    adadelta = optim.Adadelta(50.0)
    path = optimizer_path(adadelta, steps=300)
    assert round(float(valley(path[60])), 1) == 1.5          # "f = 1.5 after 60 steps"
    assert round(float(valley(path[200])), 2) == 0.04        # "reaches f = 0.04" after 200
    assert f"{float(valley(path[300])):.4f}" == "0.0000"      # "and 0.0000 after 300"
    assert adadelta.epsilon == 1e-7 and f"{np.sqrt(adadelta.epsilon):.4f}" == "0.0003"   # the first steps' scale
    assert "`sqrt(ε)` ≈ 0.0003 (ε = 1e-7)" in _markdown("03_training_strategies.ipynb")


def test_lesson_3_quotes_its_stored_full_run():
    """The sentences quote a full run: the stored outputs must be that run and say the same numbers."""
    out, text = _outputs("03_training_strategies.ipynb"), _markdown("03_training_strategies.ipynb")
    if "quick=False" not in out:
        pytest.skip("lesson 3's stored outputs are not a full run")
    assert "batch     {2: 0.75, 8: 0.953, 64: 0.983}" in out and "group     {2: 0.283, 8: 0.858, 64: 0.964}" in out
    assert "0.75 / 0.95 / 0.98 at batches 2 / 8 / 64" in text and "0.28 / 0.86 / 0.96 for group norm" in text
    sizes = dict(re.findall(r"(\w+)\s+\{2: ([\d.]+), 8", out))
    assert max(sizes, key=lambda kind: float(sizes[kind])) == "batch"        # "batch norm still trains best"
    sweep = re.search(r"training mode, batch statistics: \{1: ([\d.]+), 2: ([\d.]+), 4: [\d.]+, 8: ([\d.]+)", out)
    assert [round(float(v), 2) for v in sweep.groups()] == [0.69, 0.87, 0.97]   # "about 0.68 ... 0.87 ... 0.97"
    gaps = {name: (train, val, gap) for name, train, val, gap in
            re.findall(r"^(\w+)\s+train ([\d.]+)  val ([\d.]+)  gap ([+-][\d.]+)$", out, re.M)}
    assert gaps["none"] == ("1.000", "0.917", "+0.083")
    for name, quoted in (("augmentation", "+0.047"), ("mixup", "+0.052"), ("label_smoothing", "+0.056"),
                         ("l2", "+0.073"), ("input_noise", "+0.084")):
        assert gaps[name][2] == quoted and quoted in text, name
    for name in ("dropout", "cutmix", "l2"):
        assert 0.07 <= float(gaps[name][2]) <= 0.08, name                     # "between +0.07 and +0.08"
    raised = {name for name, (_, val, _) in gaps.items() if float(val) > 0.917}
    assert raised == {"label_smoothing", "mixup", "dropout"}                  # and only these raise validation
    assert gaps["augmentation"][1] == gaps["cutmix"][1] == "0.896"


# Lesson 4 -------------------------------------------------------------------------------------------

def test_the_multiply_adds_lesson_4_quotes():
    from dlcourse.models import model_entry

    assert round(model_entry("vgg19").macs / 1e9, 1) == 19.6
    assert round(model_entry("resnet50").macs / 1e9, 1) == 3.9   # "about 3.8 G" is the paper's figure
    assert model_entry("resnet50").reference_macs == 3.8e9
    assert round(model_entry("mobilenet").macs / 1e6) == 569
    text = _markdown("04_classic_cnns.ipynb")
    assert "VGG-19 about 19.6 G, ResNet-50 about 3.8 G" in text and "MobileNet about 569 M" in text


def test_the_ilsvrc_results_quoted_by_lessons_1_and_4_are_the_packages_table():
    from dlcourse.analysis import ILSVRC_TOP5_ERROR

    assert ILSVRC_TOP5_ERROR == {"alexnet": (2012, 1, 0.153), "vgg": (2014, 2, 0.073), "googlenet": (2014, 1, 0.0667)}
    one, four = _markdown("01_perceptron_and_mlp.ipynb"), _markdown("04_classic_cnns.ipynb")
    assert "ILSVRC-2012 (top-5 error 15.3%" in one and "ILSVRC-2012 winner, 15.3% top-5 error" in four
    assert "second in ILSVRC-2014, 7.3%, behind GoogLeNet's 6.7%" in four
    assert "**The notes say / in fact: the ImageNet results.**" in four
    assert "AlexNet won ILSVRC-2012 with a **15.3%**" in four and "placed **second** in classification with **7.3%**" in four


# Lesson 5 -------------------------------------------------------------------------------------------

def test_the_checklist_defaults_lesson_5_describes():
    from dlcourse.checklist import ChecklistConfig

    config = ChecklistConfig()
    assert config.lr_steps == 100                           # "~100 mini-batches"
    assert config.grid_epochs in range(1, 6)                # "1-5 epochs each"
    assert config.window == 3 and config.tiny_sample == 64  # "the last 3 epochs", "64 shuffled labels"
    assert config.final_schedule == "constant"


def test_a_plateau_whose_recent_best_is_worse_is_not_said_to_have_improved():
    from dlcourse.checklist import diagnose_learning_curves

    losses = [1.0, 0.4, 0.2, 0.1, 0.098, 0.19, 0.173, 0.218, 0.163, 0.223]   # lesson 5's healthy run, in shape
    history = {"loss": [v * 0.9 for v in losses], "val_loss": losses,
               "accuracy": [0.99] * 10, "val_accuracy": [0.95] * 10, "learning_rate": [1e-2] * 10}
    diagnosis = diagnose_learning_curves(history)
    assert diagnosis.case == "plateau"
    assert "improved" not in diagnosis.reason and "(0.163) is not 1.0% below the best before them (0.098)" in diagnosis.reason


# Lesson 7 -------------------------------------------------------------------------------------------

def test_the_sizes_lesson_7_states_for_its_ensembles():
    from dlcourse.data import load_dataset
    from dlcourse.validation import noisy_labels

    small = load_dataset("digits", image_size=8, limit=300)
    assert len(small.x_train) == 270                                   # "270 digits"
    noisy = noisy_labels(small, 0.3)
    assert (noisy.y_train != small.y_train).mean() == pytest.approx(0.3, abs=0.01)   # "30% wrong"
    assert int(np.ceil(270 / 32)) * 20 == 180                          # "20 epochs of batch 32 (180 steps)"
    assert round(1 - 1 / 10, 1) == 0.9 and round(0.3 ** 2, 2) == 0.09   # SAMME's chance level; sigma^2


# Lesson 12 ------------------------------------------------------------------------------------------

def test_a_fresh_lstm_keeps_more_gradient_than_a_fresh_gru_or_simple_rnn_and_why():
    from dlcourse.sequence import gradient_norms_per_step
    from dlcourse.sequence.cells import keras_layer

    kept = {kind: (lambda n: n[0] / n[-1])(gradient_norms_per_step(kind, length=60, seed=0))
            for kind in ("simple_rnn", "gru", "lstm")}
    assert kept["lstm"] > 100 * kept["simple_rnn"] and kept["lstm"] > 100 * kept["gru"], kept
    lstm = keras_layer("lstm", 4)
    lstm.build((None, 3, 2))
    bias = keras.ops.convert_to_numpy(lstm.cell.bias)
    np.testing.assert_array_equal(bias[4:8], 1.0)     # Keras' gate order i, f, g, o: the forget bias starts at 1
    assert round(1 / (1 + np.exp(-1.0)), 2) == 0.73 and f"{0.5 ** 60:.0e}" == "9e-19"


def test_lesson_12_says_what_its_stored_run_shows_of_the_position_embeddings():
    out = _outputs("12_sequences_and_attention.ipynb")
    if "full mode" not in out:
        pytest.skip("lesson 12's stored outputs are not a full run")
    near, far = map(float, re.search(r"neighbouring patches (-?[\d.]+), patches 3 or more steps apart (-?[\d.]+)", out).groups())
    assert near - far < 0.1    # the text: neighbours are no more alike than distant patches in this run
    assert "In this run they are not" in _markdown("12_sequences_and_attention.ipynb")


# Lesson 14 ------------------------------------------------------------------------------------------

def test_lesson_14_stored_run_is_the_readme_seed_0_row_and_its_text_quotes_the_table():
    out = _outputs("14_transfer_learning.ipynb")
    scores = {name: re.search(rf"{name}: test accuracy ([\d.]+)", out).group(1)
              for name in ("scratch", "feature extractor", "fine-tuned")}
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert f"| 0 | {scores['scratch']} | {scores['feature extractor']} | {scores['fine-tuned']} |" in readme
    rows = [tuple(map(float, row)) for row in re.findall(r"^\| \d \| ([\d.]+) \| ([\d.]+) \| ([\d.]+) \|$", readme, re.M)]
    assert len(rows) == 5
    gains = [tuned - frozen for _, frozen, tuned in rows]
    gaps = [scratch - frozen for scratch, frozen, _ in rows]
    assert all(g > 0 for g in gains) and all(s > t for s, _, t in rows)   # fine-tuning beats frozen, scratch wins
    assert f"{np.mean(gains):.2f}" == "0.30" and f"{np.mean(gaps):.2f}" == "0.50"
    assert f"{gains[0]:.3f}" == "0.155" and gains[0] == min(gains) and f"{gaps[0]:.3f}" == "0.500"
    assert "on average 0.30 of 0.50 (five seeds), on this seed\n(0) only 0.155 of 0.500" in _markdown("14_transfer_learning.ipynb")


# Terms -----------------------------------------------------------------------------------------------

def test_regularisation_is_gyuje_and_normalisation_jeongyuhwa_in_every_lesson_and_the_readme():
    """규제/정칙화 for regularisation, 정규화 for normalisation: the two are never swapped."""
    texts = {path.name: path.read_text(encoding="utf-8") for path in sorted(LESSONS.glob("*.ipynb"))}
    texts["README.md"] = (ROOT / "README.md").read_text(encoding="utf-8")
    pattern = re.compile(r"([Rr]egulari[sz]\w*|[Nn]ormali[sz]\w*)[^()\n]{0,20}\(([^)\n]*[가-힣][^)\n]*)\)")
    seen = set()
    for name, text in texts.items():
        for english, korean in pattern.findall(text):
            if english.lower().startswith("regulari"):
                assert ("규제" in korean or "정칙화" in korean) and "정규화" not in korean, (name, english, korean)
            else:
                assert "정규화" in korean and "규제" not in korean, (name, english, korean)
            seen.add(english.lower()[:7])
    assert seen == {"regular", "normali"}


# Plots ------------------------------------------------------------------------------------------------

def test_feature_maps_and_heat_maps_have_one_colour_scale_and_a_colour_bar(tmp_path):
    from dlcourse.interpret import plot_grid, plot_maps

    maps = np.random.default_rng(0).random((6, 6, 10)) * np.arange(1, 11)   # channels of different strength
    fig = plot_grid(maps, title="feature maps", path=tmp_path / "maps.png")
    images = [image for ax in fig.axes[:-1] for image in ax.get_images()]
    assert len(images) == 10 and {image.get_clim() for image in images} == {(0.0, float(maps.max()))}
    assert fig.axes[-1].get_ylabel() == "activation"
    filters = plot_grid(np.random.default_rng(0).normal(size=(3, 3, 2, 4)))
    low, high = filters.axes[0].get_images()[0].get_clim()
    assert low == -high and filters.axes[-1].get_ylabel().startswith("weight")
    heat = plot_maps(np.zeros((2, 8, 8, 1)), np.ones((2, 8, 8)) / 2, titles=["a", "b"])
    assert heat.axes[-1].get_ylabel() == "relevance (0-1)"


def test_the_kfold_legend_sits_below_the_bars():
    from types import SimpleNamespace

    from dlcourse.validation import plot_folds

    result = SimpleNamespace(folds=[{"accuracy": v} for v in (0.93, 0.95, 0.96)], mean={"accuracy": 0.947},
                             std={"accuracy": 0.012})
    fig = plot_folds(result)
    ax = fig.axes[0]
    fig.canvas.draw()
    legend_box = ax.get_legend().get_window_extent()
    assert legend_box.y1 <= ax.get_window_extent().y0     # under the axes: it covers no bar


def test_bias_squared_is_nearly_zero_from_degree_5_as_lesson_7_reads_the_table():
    from dlcourse.validation import polynomial_bias_variance

    rows = polynomial_bias_variance(range(7))
    assert rows[4]["bias2"] > 1e-3 and all(r["bias2"] < 1e-4 for r in rows[5:])   # 0.0056 at 4, 0.0000 from 5


def test_no_figure_is_attributed_to_the_notes_that_the_notes_do_not_give():
    """Issue 16: the 784-128-10 MLP, 'Adam 1e-3, batch 128, 4 epochs', '32-128' and the hand-set gate weights
    are ours or Keras', not the notes'."""
    texts = [(ROOT / "README.md").read_text(encoding="utf-8")]
    texts += [path.read_text(encoding="utf-8") for path in sorted(LESSONS.glob("*.ipynb"))]
    texts += [path.read_text(encoding="utf-8") for path in sorted((ROOT / "dlcourse").rglob("*.py"))]
    everything = "\n".join(texts)
    for phrase in ("NOTES_RECIPE", "the notes' MNIST MLP", "notes say 32-128", "weights from the notes",
                   "the notes' 784-128-10", "the notes' recipe (Adam"):
        assert phrase.lower() not in everything.lower(), phrase
    from dlcourse.train.config import KERAS_DEFAULT_RECIPE

    assert KERAS_DEFAULT_RECIPE is not None and "Keras' defaults (Adam 1e-3, batch 128)" in texts[0]
    assert "one choice of many that work" in _markdown("01_perceptron_and_mlp.ipynb")   # the gate weights are ours


def test_lesson_4_degradation_text_agrees_with_its_stored_full_run():
    out = _outputs("04_classic_cnns.ipynb")
    if "full mode" not in out:
        pytest.skip("lesson 4's stored outputs are not a full run")
    loss = {name: float(value) for name, value in re.findall(r"^(\S+)\s+final training loss ([\d.]+)", out, re.M)}
    assert set(loss) == {"plain-20", "plain-56", "resnet-56"}     # "the residual 56-layer net"
    assert loss["plain-56"] > 10 * loss["plain-20"]               # the deeper plain net trains worse
    assert loss["resnet-56"] < loss["plain-56"] / 10              # shortcuts fix most of it
    assert loss["resnet-56"] > loss["plain-20"]                   # "the shallow 20-layer net is simply quicker"


def test_lesson_13_text_agrees_with_its_stored_full_run():
    out, text = _outputs("13_vit_and_distillation.ipynb"), _markdown("13_vit_and_distillation.ipynb")
    if "full mode" not in out:
        pytest.skip("lesson 13's stored outputs are not a full run")
    seeds = [tuple(map(float, row)) for row in re.findall(
        r"^seed \d: teacher CNN ([\d.]+) \| ViT from scratch ([\d.]+) \| ViT distilled ([\d.]+)", out, re.M)]
    assert len(seeds) == 3
    cnn, scratch, distilled = (np.array(column) for column in zip(*seeds))
    mean = {name: f"{values.mean():.3f}" for name, values in (("cnn", cnn), ("vit", scratch), ("distilled", distilled))}
    assert f"mean:   teacher CNN {mean['cnn']} | ViT from scratch {mean['vit']} | ViT distilled {mean['distilled']}" in out
    assert "notes_cnn         93,322 parameters" in out and "vit_tiny_digits   72,074 parameters" in out
    # section 3: the CNN ahead in every seed, by the range and the mean the text gives
    assert (cnn > scratch).all()
    gap = cnn - scratch
    assert f"the CNN reaches a mean test accuracy of {mean['cnn']} and the ViT {mean['vit']}" in " ".join(text.split())
    assert f"ahead in every seed, by {gap.min():.3f} to {gap.max():.3f}" in text
    assert f"worth about {100 * gap.mean():.1f} points" in text
    # section 4 and the summary: distillation did not help on average; above in one seed, below in two
    assert distilled.mean() < scratch.mean() and (distilled > scratch).sum() == 1
    flat = " ".join(text.split())
    assert f"reaches a mean of {mean['distilled']} against {mean['vit']} from scratch: above it in one seed of three" in flat
    assert f"({mean['distilled']} against {mean['vit']}, mean of three seeds)" in flat
    (above,) = [(d, s) for d, s in zip(distilled, scratch) if d > s]
    assert f"above it in one seed of three ({above[0]:.3f} against {above[1]:.3f})" in flat


def test_imagenets_size_is_quoted_as_published():
    from dlcourse.analysis.published import ILSVRC2012_TRAIN_IMAGES

    quoted = f"{ILSVRC2012_TRAIN_IMAGES / 1e6:.1f}M images"
    assert quoted == "1.3M images"
    assert f"measured on ImageNet ({quoted})" in " ".join(_markdown("13_vit_and_distillation.ipynb").split())
    assert f"trained on {quoted}" in " ".join((ROOT / "README.md").read_text(encoding="utf-8").split())


def test_lesson_2_stored_run_reaches_what_its_text_promises_and_shows_no_folder():
    out, text = _outputs("02_cnn_basics.ipynb"), _markdown("02_cnn_basics.ipynb")
    assert "at least 99% test accuracy on MNIST in 2 epochs, and at least 97% on the digits" in text
    assert "/work/" not in out and "/home/" not in out          # no machine's folders in the stored outputs
    run = re.search(r"^(\w+): [\d,]+ train [^\n]*\n\s*test accuracy ([\d.]+)% after (\d+) epochs", out, re.M)
    if run is None or run.group(1) != "mnist":
        pytest.skip("lesson 2's stored outputs are not the full MNIST run")
    assert float(run.group(2)) >= 99.0 and run.group(3) == "2"


@pytest.mark.slow
def test_lesson_4_degradation_holds_at_small_size(digits8):
    """Lesson 4, section 5, with the lesson's own function: plain-8 vs plain-26 vs resnet-26, 4 epochs on 8x8 digits."""
    from dlcourse.diagnostics.degradation import degradation_experiment

    loss = {name: h["loss"][-1] for name, h in degradation_experiment(digits8, shallow=1, deep=4, epochs=4).items()}
    assert list(loss) == ["plain-8", "plain-26", "resnet-26"]
    assert loss["plain-26"] > 5 * loss["plain-8"], loss        # the deeper plain net trains worse: higher *training* loss
    assert loss["resnet-26"] < loss["plain-26"] / 3, loss      # identity shortcuts fix most of it
    assert loss["resnet-26"] > loss["plain-8"], loss           # and the shallow net is still quicker on so little data


@pytest.mark.slow
def test_lesson_13_cnn_beats_the_vit_and_its_distilled_student_at_small_size(digits):
    """Lesson 13, sections 3-4, with the lesson's functions at small size: one seed, 10 epochs instead of 60."""
    from dlcourse.sequence.vit_experiments import cnn_vs_vit, distilled_vit

    runs = cnn_vs_vit(digits, seeds=(0,), epochs=10)
    distilled = distilled_vit(digits, runs["teachers"], seeds=(0,), epochs=10)
    assert runs["notes_cnn"][0] > runs["vit_tiny_digits"][0] + 0.01, runs      # the convolution's assumptions help
    assert runs["notes_cnn"][0] > distilled[0], (runs, distilled)               # the student stays below its teacher


def test_lesson_15_finder_suggests_rates_inside_its_range_not_its_bound():
    out = _outputs("15_inside_a_cnn.ipynb")
    suggestions = {k: float(v) for k, v in re.findall(r"'(minimum_over_10|steepest)': '([\d.e-]+)'", out)}
    assert set(suggestions) == {"minimum_over_10", "steepest"}
    assert all(1e-5 < rate < 10 for rate in suggestions.values()), suggestions   # lr_min=1e-5, lr_max=10


def test_lesson_9_full_run_shows_what_its_text_and_measured_tables_say():
    out = _outputs("09_segmentation.ipynb")
    if "full mode" not in out:
        pytest.skip("lesson 9's stored outputs are not a full run")
    trained = {name: (float(m), float(b)) for name, m, b in
               re.findall(r"^(\w+)\s+test mean IoU ([\d.]+), boundary IoU ([\d.]+)", out, re.M)}
    assert list(trained) == ["fcn32s_small", "fcn16s_small", "fcn8s_small", "unet_small"]
    for metric in (0, 1):   # the skips bring back boundaries, in this run as in the measured one
        assert trained["fcn32s_small"][metric] < trained["fcn16s_small"][metric] < trained["fcn8s_small"][metric]
    assert trained["unet_small"][0] > trained["fcn8s_small"][0]
    # this run's data-size curve is seed 0 of the measured one the text quotes (as drawn, then augmented)
    this_run = [float(v) for v in re.findall(r"^unet_small\s+\d+ images: mean IoU ([\d.]+)", out, re.M)]
    measured_seed0 = [float(v) for v in re.findall(r"training images: test mean IoU [\d.]+ \(seeds ([\d.]+)", out)]
    assert len(this_run) == 6 and this_run == measured_seed0
    levels = re.findall(r"^unet_small\s+1000 images: .*validation mean IoU by epoch ((?:[\d.]+ ?)+)$", out, re.M)
    assert levels and all(float(v) >= 0.84 for v in levels[0].split()[-3:])   # "levels off at 0.84-0.85"
