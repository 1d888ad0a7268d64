"""Each registered model's settings and facts, one table per family: the one home of every figure.

timm keeps a ``default_cfgs`` entry beside each model; here each family has one table of
`ModelEntry` rows: the builder's arguments (``arch``), the keras.applications twin, the reference
and its figures, the smallest and default input, the task, the backbone feature outputs and the
preprocessing the published weights expect. The builders, their argument checks, twin loading,
``dlcourse models``, the README table and the tests all read these rows, and the tests check every
figure against the built model. Plain data: importing this module imports no Keras.

``params`` is ``count_params()`` at the default configuration (batch norm's moving statistics
included, as Keras counts them); ``reference_params`` is the reference's own count where it differs
(torchvision counts trainable parameters only); ``macs`` are our multiply-adds for one image at
``default_input_shape``; ``reference_macs`` is the paper's figure (within 2%).

Example:
    >>> RESNET["resnet50"].keras_twin, RESNET["resnet50"].feature_outputs["P5"]
    ('ResNet50', FeatureOutput(layer='conv5_block3_out', stride=32))
"""

from __future__ import annotations

from dlcourse.models.registry import KERAS_BACKENDS, FeatureOutput, ModelEntry

IMAGENET_SHAPE = (224, 224, 3)  # the zoo's default input: ImageNet crops
ZOO_MIN_SIZE = 32  # five stride-2 steps: 32 -> 1 (ResNet, VGG, DenseNet, MobileNets, GoogLeNet)
# Keras layers and keras.ops only: TensorFlow and JAX (tests/test_backend_jax.py builds, compares and trains
# each family on JAX). The GANs' two-player train_step takes its gradients through one helper per backend
# (dlcourse/models/generative/base.py), so they claim both too.
ANY_BACKEND = KERAS_BACKENDS


def _pyramid(layers: dict, first_level: int = 2) -> dict:
    """``{"P2": FeatureOutput(layer, 4), "P3": ...}``: level ``Pk`` is at stride ``2**k`` (keras-hub's names)."""
    return {f"P{level}": FeatureOutput(layer, 2 ** level) for level, layer in enumerate(layers, start=first_level)}


# --- the notes' first models (dlcourse/models/perceptrons.py, notes.py) ---------------------------
BASICS = {
    "perceptron": ModelEntry(
        backends=ANY_BACKEND, name="perceptron", family="basics", module="perceptrons", default_input_shape=(2,),
        reference="Rosenblatt (1958): inputs + 1 weights", params=3, macs=2,
    ),
    "mlp": ModelEntry(
        backends=ANY_BACKEND, name="mlp", family="basics", module="perceptrons", default_input_shape=(28, 28, 1),
        reference="an MLP 784-128-10: 784 x 128 + 128 + 128 x 10 + 10 = 101,770", params=101_770, macs=101_632,
    ),
    "notes_cnn": ModelEntry(  # no feature outputs: its valid convs do not divide the input evenly
        backends=ANY_BACKEND, name="notes_cnn", family="basics", module="notes", default_input_shape=(28, 28, 1),
        min_size=18,  # 18 -> 16 -> 8 -> 6 -> 3 -> 1: the smallest input the three 3x3 convs fit
        reference="the notes' Sequential CNN: 93,322", params=93_322, macs=2_794_240,
    ),
}


# --- AlexNet (dlcourse/models/alexnets.py) ---------------------------------------------------------
ALEXNET = {
    "alexnet": ModelEntry(
        backends=ANY_BACKEND, name="alexnet", family="alexnet", module="alexnets", default_input_shape=IMAGENET_SHAPE,
        min_size=63,  # the smallest input whose third max-pool still has a 1x1 output
        reference="the paper's filters on one GPU: 62,378,344 (groups=2, its two GPUs: 60,965,224)", params=62_378_344, macs=1_135_256_096,
    ),
}


# --- VGG (dlcourse/models/vgg.py): 3x3 convs per block, the paper's Table 1 ------------------------
def _vgg(name, convs, params, macs, reference, *, batch_norm=False, keras_twin=None, reference_params=None,
         reference_macs=None):
    return ModelEntry(
        backends=ANY_BACKEND, name=name, family="vgg", module="vgg", default_input_shape=IMAGENET_SHAPE, min_size=ZOO_MIN_SIZE,
        reference=reference, params=params, macs=macs, reference_params=reference_params,
        reference_macs=reference_macs, keras_twin=keras_twin, preprocessing="caffe" if keras_twin else None,
        feature_outputs=_pyramid([f"block{i}_pool" for i in range(1, 6)], first_level=1),
        arch={"convs": convs, "batch_norm": batch_norm},
    )


VGG = {
    "vgg11": _vgg("vgg11", (1, 1, 2, 2, 2), 132_863_336, 7_609_090_048, "torchvision vgg11: 132,863,336"),
    "vgg11_bn": _vgg("vgg11_bn", (1, 1, 2, 2, 2), 132_874_344, 7_609_090_048,
                     "torchvision vgg11_bn: 132,868,840 trainable", batch_norm=True, reference_params=132_868_840),
    "vgg13": _vgg("vgg13", (2, 2, 2, 2, 2), 133_047_848, 11_308_466_176, "torchvision vgg13: 133,047,848"),
    "vgg13_bn": _vgg("vgg13_bn", (2, 2, 2, 2, 2), 133_059_624, 11_308_466_176,
                     "torchvision vgg13_bn: 133,053,736 trainable", batch_norm=True, reference_params=133_053_736),
    "vgg16": _vgg("vgg16", (2, 2, 3, 3, 3), 138_357_544, 15_470_264_320, "keras.applications.VGG16: 138,357,544",
                  keras_twin="VGG16"),
    "vgg16_bn": _vgg("vgg16_bn", (2, 2, 3, 3, 3), 138_374_440, 15_470_264_320,
                     "torchvision vgg16_bn: 138,365,992 trainable", batch_norm=True, reference_params=138_365_992),
    "vgg19": _vgg("vgg19", (2, 2, 4, 4, 4), 143_667_240, 19_632_062_464,
                  "keras.applications.VGG19: 143,667,240; 19.6G MACs (He et al.)", keras_twin="VGG19",
                  reference_macs=19.6e9),
    "vgg19_bn": _vgg("vgg19_bn", (2, 2, 4, 4, 4), 143_689_256, 19_632_062_464,
                     "torchvision vgg19_bn: 143,678,248 trainable", batch_norm=True, reference_params=143_678_248),
}


# --- GoogLeNet (dlcourse/models/inception.py) ------------------------------------------------------
INCEPTION = {
    "googlenet": ModelEntry(
        backends=ANY_BACKEND, name="googlenet", family="inception", module="inception", default_input_shape=IMAGENET_SHAPE,
        min_size=ZOO_MIN_SIZE, reference="torchvision googlenet: 6,624,904 + 380,928 (5x5) trainable",
        params=7_020_392, macs=1_582_671_872, reference_params=6_624_904 + 380_928,
        feature_outputs=_pyramid(["conv2_relu", "inception3b_concat", "inception4e_concat", "inception5b_concat"]),
    ),
}


# --- ResNet and SE-ResNet (dlcourse/models/resnet.py): He et al. Table 1 ---------------------------
def _resnet(name, block, stages, use_bias, params, macs, reference, *, family="resnet", keras_twin=None,
            reference_params=None, reference_macs=None):
    return ModelEntry(
        backends=ANY_BACKEND, name=name, family=family, module="resnet", default_input_shape=IMAGENET_SHAPE, min_size=ZOO_MIN_SIZE,
        reference=reference, params=params, macs=macs, reference_params=reference_params,
        reference_macs=reference_macs, keras_twin=keras_twin, preprocessing="caffe" if keras_twin else None,
        feature_outputs=_pyramid([f"conv{i}_block{n}_out" for i, n in enumerate(stages, start=2)]),
        arch={"block": block, "stages": stages, "use_bias": use_bias},
    )


RESNET = {
    "resnet18": _resnet("resnet18", "basic", (2, 2, 2, 2), False, 11_699_112, 1_814_073_344,
                        "torchvision resnet18: 11,689,512 trainable; He et al.: 1.8G MACs",
                        reference_params=11_689_512, reference_macs=1.8e9),
    "resnet34": _resnet("resnet34", "basic", (3, 4, 6, 3), False, 21_814_696, 3_663_761_408,
                        "torchvision resnet34: 21,797,672 trainable; He et al.: 3.6G MACs",
                        reference_params=21_797_672, reference_macs=3.6e9),
    "resnet50": _resnet("resnet50", "bottleneck", (3, 4, 6, 3), True, 25_636_712, 3_857_973_248,
                        "keras.applications.ResNet50: 25,636,712; He et al.: 3.8G MACs",
                        keras_twin="ResNet50", reference_macs=3.8e9),
    "resnet101": _resnet("resnet101", "bottleneck", (3, 4, 23, 3), True, 44_707_176, 7_570_194_432,
                         "keras.applications.ResNet101: 44,707,176; He et al.: 7.6G MACs",
                         keras_twin="ResNet101", reference_macs=7.6e9),
    "resnet152": _resnet("resnet152", "bottleneck", (3, 8, 36, 3), True, 60_419_944, 11_282_415_616,
                         "keras.applications.ResNet152: 60,419,944; He et al.: 11.3G MACs",
                         keras_twin="ResNet152", reference_macs=11.3e9),
    # ResNet-50 with squeeze-and-excitation (r = 16) in every block: the paper's +2.53M parameters
    "se_resnet50": _resnet("se_resnet50", "bottleneck", (3, 4, 6, 3), True, 28_167_704, 3_860_488_192,
                           "Hu et al. 2018: 28.09M without conv biases", family="senet"),
}


# --- DenseNet-BC (dlcourse/models/densenet.py): dense layers per block, Huang et al. Table 1 -------
def _densenet(name, blocks, keras_twin, params, macs):
    return ModelEntry(
        backends=ANY_BACKEND, name=name, family="densenet", module="densenet", default_input_shape=IMAGENET_SHAPE,
        min_size=ZOO_MIN_SIZE, reference=f"keras.applications.{keras_twin}: {params:,}", params=params,
        macs=macs, keras_twin=keras_twin, preprocessing="torch",
        # the last dense layer of blocks 2-4 (before each transition), then the final BN-ReLU
        feature_outputs=_pyramid([f"conv{i}_block{n}_concat" for i, n in enumerate(blocks[:3], start=2)] + ["relu"]),
        arch={"blocks": blocks},
    )


DENSENET = {
    "densenet121": _densenet("densenet121", (6, 12, 24, 16), "DenseNet121", 8_062_504, 2_834_161_664),
    "densenet169": _densenet("densenet169", (6, 12, 32, 32), "DenseNet169", 14_307_880, 3_359_843_328),
    "densenet201": _densenet("densenet201", (6, 12, 48, 32), "DenseNet201", 20_242_984, 4_291_365_888),
}


# --- MobileNet v1 and v2 (dlcourse/models/mobilenets.py) -------------------------------------------
MOBILENET = {
    "mobilenet": ModelEntry(
        backends=ANY_BACKEND, name="mobilenet", family="mobilenet", module="mobilenets", default_input_shape=IMAGENET_SHAPE,
        min_size=ZOO_MIN_SIZE, reference="keras.applications.MobileNet: 4,253,864; Howard et al.: 569M MACs",
        params=4_253_864, macs=568_740_352, reference_macs=569e6, keras_twin="MobileNet", preprocessing="tf",
        # the last separable conv before each stride-2 one, then the last (block13)
        feature_outputs=_pyramid([f"block{i}_pw_relu6" for i in (3, 5, 11, 13)]),
    ),
    "mobilenet_v2": ModelEntry(
        backends=ANY_BACKEND, name="mobilenet_v2", family="mobilenet", module="mobilenets", default_input_shape=IMAGENET_SHAPE,
        min_size=ZOO_MIN_SIZE, reference="keras.applications.MobileNetV2: 3,538,984; Sandler et al.: 300M MACs",
        params=3_538_984, macs=300_774_272, reference_macs=300e6, keras_twin="MobileNetV2", preprocessing="tf",
        # the last inverted residual before each stride-2 one, then the 1x1 conv to 1280 channels
        feature_outputs=_pyramid(["block2_add", "block5_add", "block12_add", "top_relu6"]),
    ),
}


# --- Sequences and attention (dlcourse/models/sequence/): an image read row by row, or in patches --
# Image classifiers, so task "classification" (`dlcourse train lstm_rows --data digits`). The papers'
# ViT-Ti/S/B/L-16 and distilled DeiT-Ti/S/B are builders in `sequence.vit` (``vit_base16()``), not rows
# here: at 224x224 each would be built, trained and saved by the registry-wide tests (5.7M-304M parameters).
def _rows(name, module, params, macs, reference):
    return ModelEntry(backends=ANY_BACKEND, name=name, family="sequence", module=f"sequence.{module}", default_input_shape=(28, 28, 1),
                      reference=reference, params=params, macs=macs)


SEQUENCE = {
    "rnn_rows": _rows("rnn_rows", "recurrent", 21_386, 560_384, "SimpleRNN(128) on 28 inputs: 20,096 + classifier"),
    "lstm_rows": _rows("lstm_rows", "recurrent", 81_674, 2_237_696, "LSTM(128) on 28 inputs: 80,384 + classifier"),
    "gru_rows": _rows("gru_rows", "recurrent", 61_962, 1_678_592, "GRU(128) on 28 inputs: 60,672 + classifier"),
    "attention_rows": _rows("attention_rows", "transformer", 37_898, 1_068_672,
                            "one pre-norm encoder block (Vaswani et al. 2017) over 28 rows"),
    "vit_tiny_digits": ModelEntry(
        backends=ANY_BACKEND, name="vit_tiny_digits", family="vit", module="sequence.vit", default_input_shape=(28, 28, 1), min_size=7,
        reference="keras-hub ViTBackbone(28x28x1, patch 7, 2 layers, 4 heads, D 64, MLP 128) + head: 72,074",
        params=72_074, macs=1_238_912,
    ),
    "deit_tiny_digits": ModelEntry(
        backends=ANY_BACKEND, name="deit_tiny_digits", family="vit", module="sequence.vit", default_input_shape=(28, 28, 1), min_size=7,
        reference="vit_tiny_digits with DeiT's distillation token and head_dist (Touvron et al. 2021), "
                  "heads averaged: 72,852",
        params=72_852, macs=1_314_048,
    ),
}


# --- Generative models (dlcourse/models/generative/): autoencoders, VAE, GANs ----------------------
# Trained as they are (task "generation": each overrides compute_loss or train_step); default input
# 8x8x1, scikit-learn's digits at their own size; params are count_params() at that input, both
# players together for the GANs. Their measured scores: README's "Generative models" section.
def _generative(name, module, params, reference, min_size=1):
    return ModelEntry(name=name, family="generative", module=f"generative.{module}", task="generation",
                      default_input_shape=(8, 8, 1), min_size=min_size, reference=reference, params=params,
                      backends=ANY_BACKEND)


GENERATIVE = {
    "autoencoder": _generative("autoencoder", "autoencoders", 1_096, "basic AE 64-8(ReLU)-64(sigmoid)"),
    "deep_autoencoder": _generative("deep_autoencoder", "autoencoders", 4_744, "deep AE 64-32-8-32-64"),
    "conv_autoencoder": _generative("conv_autoencoder", "autoencoders", 21_001, "conv AE, stride-2 16-32, code 8",
                                    min_size=4),
    "sparse_autoencoder": _generative("sparse_autoencoder", "autoencoders", 8_320,
                                      "sparse AE 64-64(sigmoid)-64, KL to rho 0.05 (Ng, CS294A)"),
    "denoising_autoencoder": _generative("denoising_autoencoder", "autoencoders", 24_928,
                                         "denoising AE 64-128-32-128-64, noise 0.5 clipped (Vincent et al. "
                                         "2008; Chollet 2016)"),
    "vae": _generative("vae", "vae", 17_476, "MLP VAE 64-128-2 (Kingma & Welling 2014)"),
    "gan": _generative("gan", "gans", 35_393, "MLP GAN: G 26,944 + D 8,449 (Goodfellow et al. 2014)"),
    "dcgan": _generative("dcgan", "gans", 76_258, "DCGAN, conv G and D (Radford et al. 2016)", min_size=4),
    "cgan": _generative("cgan", "gans", 37_953, "conditional MLP GAN (Mirza & Osindero 2014)"),
    "wgan_gp": _generative("wgan_gp", "gans", 35_393, "WGAN-GP, n_critic 5, lambda 10 (Gulrajani et al. 2017)"),
    "cyclegan": _generative("cyclegan", "cyclegan", 20_932, "small CycleGAN, 2 G + 2 PatchGAN D (Zhu et al. 2017)",
                            min_size=2),
}


# --- Segmentation (dlcourse/models/segmentation/): FCN and U-Net, task "segmentation" --------------
# FCN on VGG16 with 21 classes counts the Caffe reference's fixed bilinear deconvolutions; U-Net is
# the paper's valid 572x572x1 -> 388x388x2 network. The *_small rows train on 64x64 shapes on a CPU.
def _segmentation(name, module, default_input_shape, min_size, params, reference, *, reference_params=None):
    return ModelEntry(
        backends=ANY_BACKEND, name=name, family=module.split(".")[-1], module=module, task="segmentation",
        default_input_shape=default_input_shape, min_size=min_size, params=params,
        reference_params=reference_params, reference=reference,
    )


SEGMENTATION = {
    "fcn32s": _segmentation("fcn32s", "segmentation.fcn", (512, 512, 3), 32, 136_152_917,
                            "Caffe voc-fcn32s (VGG16, 21 classes): 136,152,917 with fixed deconvolutions",
                            reference_params=134_346_581),
    "fcn16s": _segmentation("fcn16s", "segmentation.fcn", (512, 512, 3), 32, 134_815_994,
                            "Caffe voc-fcn16s (VGG16, 21 classes): 134,815,994 with fixed deconvolutions",
                            reference_params=134_357_354),
    "fcn8s": _segmentation("fcn8s", "segmentation.fcn", (512, 512, 3), 32, 134_489_759,
                           "Caffe voc-fcn8s (VGG16, 21 classes): 134,489,759; 134,362,751 learned",
                           reference_params=134_362_751),
    "fcn32s_small": _segmentation("fcn32s_small", "segmentation.fcn", (64, 64, 3), 32, 809_332,
                                  "FCN-32s on vgg_small, 3x3 fc6 of 128"),
    "fcn16s_small": _segmentation("fcn16s_small", "segmentation.fcn", (64, 64, 3), 32, 760_952,
                                  "FCN-16s on vgg_small, 3x3 fc6 of 128"),
    "fcn8s_small": _segmentation("fcn8s_small", "segmentation.fcn", (64, 64, 3), 32, 749_180,
                                 "FCN-8s on vgg_small, 3x3 fc6 of 128"),
    "unet": _segmentation("unet", "segmentation.unet", (572, 572, 1), 188, 31_030_658,
                          "Ronneberger et al. 2015: 572x572x1 -> 388x388x2, 31,030,658"),
    "vgg_small": ModelEntry(  # the small FCNs' encoder: a classifier too, with VGG16's pool1-pool5 as P1-P5
        backends=ANY_BACKEND, name="vgg_small", family="small", module="segmentation.vgg_small", default_input_shape=(64, 64, 3),
        min_size=32, reference="VGG-style conv-BN-ReLU blocks (16-32-64-128-128; 1, 1, 2, 2, 2 convs)",
        params=580_474, macs=39_519_488, feature_outputs=_pyramid([f"block{i}_pool" for i in range(1, 6)], first_level=1),
    ),
    "unet_small": _segmentation("unet_small", "segmentation.unet", (64, 64, 3), 16, 1_945_572,
                                "U-Net, width 16, 'same' padding, batch norm (1,941,156 without)"),
}


# --- the transfer-learning lessons' small backbone (dlcourse/models/small.py) ----------------------
SMALL = {
    "small_cnn": ModelEntry(
        backends=ANY_BACKEND, name="small_cnn", family="small", module="small", default_input_shape=(28, 28, 1),
        min_size=8,  # three 2x2 max-pools: 8 -> 1
        reference="the course's conv-BN-ReLU-pool x3 (16-32-64): 24,282", params=24_282, macs=1_919_872,
        feature_outputs=_pyramid([f"block{i}_pool" for i in (1, 2, 3)], first_level=1),
    ),
}


# --- Detection (dlcourse/models/detection/): YOLOv1 and its variants ------------------------------
# Each builder returns a model with its own loss (task "detection"); parameters at the default
# configuration (S = 7, B = 2, C = 20 for the paper's networks; resnet18 at P4, C = 3 for the small one).
DETECTION = {
    "yolov1": ModelEntry(
        backends=ANY_BACKEND, name="yolov1", family="yolo", module="detection.yolo", default_input_shape=(448, 448, 3), task="detection",
        min_size=64, reference="Redmon et al. 2016, Figure 3: 265,680,960 + 4097 S^2(5B+C)",
        params=271_703_550, macs=20_285_153_280,
    ),
    "fast_yolo": ModelEntry(
        backends=ANY_BACKEND, name="fast_yolo", family="yolo", module="detection.yolo", default_input_shape=(448, 448, 3), task="detection",
        min_size=64, reference="Fast YOLO as darknet's yolo-tiny.cfg: 9 convolutions",
        params=45_089_374, macs=2_418_728_960,
    ),
    "yolov1_small": ModelEntry(
        backends=ANY_BACKEND, name="yolov1_small", family="yolo", module="detection.yolo", default_input_shape=(64, 64, 3),
        task="detection", min_size=16, reference="a YOLOv1 head (three 3x3 convs) on small_cnn's P3 (any backbone)",
        params=246_653, macs=25_442_304,
    ),
    # its multiply-adds depend on how many proposals survive NMS: no macs figure (not in the README's table)
    "faster_rcnn_small": ModelEntry(
        backends=ANY_BACKEND, name="faster_rcnn_small", family="rcnn", module="detection.faster_rcnn", default_input_shape=(64, 64, 3),
        task="detection", min_size=8,
        reference="Faster R-CNN (RPN, 9 anchors, RoIAlign 7x7, FC 256 x2) on small_cnn's P3",
        params=937_777,
    ),
    "mask_rcnn_small": ModelEntry(
        backends=ANY_BACKEND, name="mask_rcnn_small", family="rcnn", module="detection.mask_rcnn", default_input_shape=(64, 64, 3),
        task="detection", min_size=8,
        reference="faster_rcnn_small + a mask head (RoIAlign 14x14, two 3x3 convs of 64, 28x28 per class)",
        params=1_028_341,
    ),
}


# every table, once: the registry reads them in this order
FAMILY_TABLES = (BASICS, ALEXNET, VGG, INCEPTION, RESNET, DENSENET, MOBILENET, SMALL, SEQUENCE, SEGMENTATION, DETECTION,
                 GENERATIVE)
