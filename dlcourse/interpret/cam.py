"""Where a CNN looks: Grad-CAM, saliency (입력 기울기), feature maps (특징 맵) and first-layer filters (필터).

Selvaraju et al., "Grad-CAM: Visual Explanations from Deep Networks via Gradient-based
Localization", ICCV 2017; Simonyan, Vedaldi & Zisserman, "Deep Inside Convolutional Networks:
Visualising Image Classification Models and Saliency Maps", ICLR 2014 workshop.

Grad-CAM weighs each channel of the last convolutional stage by the mean gradient of the class
score with respect to it. The stage comes from the registry (the last of the model's
``feature_outputs``), so a zoo model, and a transfer model whose base is nested inside it, work
without the "graph disconnected" error that ``keras.Model(model.inputs, nested.get_layer(...).output)``
gives. Gradients are taken with TensorFlow's ``GradientTape`` here, in this one place.

Example:
    >>> import numpy as np
    >>> from dlcourse.models import get_model
    >>> model = get_model("small_cnn", input_shape=(16, 16, 1), classes=3)
    >>> gradcam(model, np.random.rand(2, 16, 16, 1).astype("float32")).shape
    (2, 16, 16)
"""

from __future__ import annotations

import keras
import numpy as np

from dlcourse.models import list_models, model_entry


def _is_conv(layer) -> bool:
    return isinstance(layer, keras.layers.Conv2D)  # DepthwiseConv2D and SeparableConv2D are not, but come in pairs


def _nested_base(model):
    """The one nested registered backbone of `model`, or None."""
    nested = [layer for layer in model.layers if isinstance(layer, keras.Model)]
    return nested[0] if len(nested) == 1 and nested[0].name in list_models() else None


def last_conv_layer(model) -> tuple:
    """``(owner, layer name)``: the model (itself, or its nested base) and its last convolutional stage.

    A registered model's stage is its last ``feature_outputs`` layer; another model's, its last
    layer with a 4-d output after a convolution.
    """
    base = _nested_base(model)
    owner = base if base is not None else model
    if owner.name in list_models() and model_entry(owner.name).feature_outputs:
        return owner, list(model_entry(owner.name).feature_outputs.values())[-1].layer
    seen_conv, last = False, None
    for layer in owner.layers:
        seen_conv = seen_conv or _is_conv(layer)
        if seen_conv and not isinstance(layer, keras.layers.InputLayer) and len(layer.output.shape) == 4:
            last = layer.name
    if last is None:
        raise ValueError(f"model: {model.name} has no convolutional layer, so Grad-CAM has no map to weigh")
    return owner, last


def _feature_and_output_model(model, layer_name=None):
    """A model from the image to ``[the stage's feature map, the class scores]``, nested bases unrolled."""
    if layer_name is None:
        owner, layer_name = last_conv_layer(model)
    else:
        owner = _nested_base(model) if _nested_base(model) is not None and layer_name not in [
            lay.name for lay in model.layers] else model
        try:
            owner.get_layer(layer_name)
        except ValueError:
            raise ValueError(f"layer: {model.name} has no layer {layer_name!r}") from None
    if owner is model:
        return keras.Model(model.input, [model.get_layer(layer_name).output, model.output])
    inner = keras.Model(owner.input, [owner.get_layer(layer_name).output, owner.output])
    inputs = keras.Input(shape=model.input_shape[1:])
    feature, x = inner(inputs)
    for layer in model.layers[model.layers.index(owner) + 1:]:  # the head, a chain after the base
        x = layer(x)
    return keras.Model(inputs, [feature, x])


def _class_scores(outputs, class_index):
    import tensorflow as tf

    if class_index is None:
        class_index = tf.argmax(outputs, axis=-1)
    class_index = tf.broadcast_to(tf.cast(class_index, tf.int32), tf.shape(outputs)[:1])
    return tf.gather(outputs, class_index, axis=1, batch_dims=1), class_index


def _check_images(model, images):
    images = np.asarray(images, dtype=np.float32)
    if images.ndim == len(model.input_shape) - 1:
        images = images[None]
    if images.shape[1:] != tuple(d if d is not None else s for d, s in zip(model.input_shape[1:], images.shape[1:])):
        raise ValueError(f"images must have shape (batch, {', '.join(map(str, model.input_shape[1:]))}); "
                         f"got {images.shape}")
    return images


def gradcam(model, images, class_index=None, layer: str | None = None) -> np.ndarray:
    """Grad-CAM heat maps in [0, 1], one per image, at the images' size.

    Args:
        model: a classifier with convolutions (a zoo model, a transfer model, or your own).
        images: ``(batch, height, width, channels)`` (or one image).
        class_index: the class to explain (an int, or one per image); None takes the predicted one.
        layer: the layer whose map is weighed; None takes the registry's last convolutional stage.

    Returns:
        float32 ``(batch, height, width)``.
    """
    import tensorflow as tf

    images = _check_images(model, images)
    grad_model = _feature_and_output_model(model, layer)
    x = tf.convert_to_tensor(images)
    with tf.GradientTape() as tape:
        feature, outputs = grad_model(x, training=False)
        scores, _ = _class_scores(outputs, class_index)
    grads = tape.gradient(scores, feature)
    weights = tf.reduce_mean(grads, axis=(1, 2), keepdims=True)  # alpha_k: the mean gradient per channel
    cam = tf.nn.relu(tf.reduce_sum(weights * feature, axis=-1))[..., None]
    cam = tf.image.resize(cam, images.shape[1:3], method="bilinear")[..., 0].numpy()
    top = cam.reshape(len(cam), -1).max(axis=1).reshape(-1, 1, 1)
    return (cam / np.where(top > 0, top, 1)).astype(np.float32)


def saliency(model, images, class_index=None) -> np.ndarray:
    """Saliency maps: the largest absolute gradient of the class score over each pixel's channels.

    Args:
        model: a differentiable classifier.
        images: ``(batch, height, width, channels)`` (or one image).
        class_index: the class to explain; None takes the predicted one.

    Returns:
        float32 ``(batch, height, width)``, each map scaled to a maximum of 1.
    """
    import tensorflow as tf

    images = _check_images(model, images)
    x = tf.convert_to_tensor(images)
    with tf.GradientTape() as tape:
        tape.watch(x)
        scores, _ = _class_scores(model(x, training=False), class_index)
    grads = tf.reduce_max(tf.abs(tape.gradient(scores, x)), axis=-1).numpy()
    top = grads.reshape(len(grads), -1).max(axis=1).reshape(-1, 1, 1)
    return (grads / np.where(top > 0, top, 1)).astype(np.float32)


def _conv_layers(model):
    from dlcourse.transfer.core import all_layers

    return [layer for layer in all_layers(model) if _is_conv(layer)]


def first_layer_filters(model) -> np.ndarray:
    """The first convolution's kernel, ``(height, width, input channels, filters)`` (nested bases searched).

    Example:
        >>> from dlcourse.models import get_model
        >>> first_layer_filters(get_model("notes_cnn")).shape
        (3, 3, 1, 32)
    """
    convs = _conv_layers(model)
    if not convs:
        raise ValueError(f"model: {model.name} has no convolutional layer")
    return np.array(convs[0].kernel)


def feature_maps(model, image, layer: str | None = None) -> np.ndarray:
    """The feature maps of one image at `layer` (default: the first convolution), ``(height, width, channels)``.

    Args:
        model: a model with convolutions; `layer` may be in its nested base.
        image: one image ``(height, width, channels)``.
        layer: a layer name; None takes the first convolution.
    """
    image = _check_images(model, image)
    if len(image) != 1:
        raise ValueError(f"image must be one image; got a batch of {len(image)}")
    base = _nested_base(model)
    owner = base if base is not None and (layer is None or layer not in [lay.name for lay in model.layers]) else model
    if layer is None:
        convs = _conv_layers(owner)
        if not convs:
            raise ValueError(f"model: {model.name} has no convolutional layer")
        layer = convs[0].name
    try:
        output = owner.get_layer(layer).output
    except ValueError:
        raise ValueError(f"layer: {model.name} has no layer {layer!r}") from None
    probe = keras.Model(owner.input, output)
    return np.asarray(probe(image, training=False))[0]


def plot_maps(images, maps, *, titles=None, path=None, alpha: float = 0.5):
    """Each image with its heat map (Grad-CAM or saliency, scaled to [0, 1]) over it, side by side, and
    one colour bar for the heat; saved to `path` if given.

    Returns:
        The matplotlib Figure.
    """
    from dlcourse.plotting import save_figure, setup_matplotlib

    images = np.asarray(images)
    count = len(maps)
    fig = setup_matplotlib().figure(figsize=(2.2 * count + 0.9, 2.5))
    grid = fig.add_gridspec(1, count + 1, width_ratios=[1] * count + [0.08])  # the last column: the colour bar
    for i, (image, heat) in enumerate(zip(images, maps)):
        ax = fig.add_subplot(grid[0, i])
        ax.imshow(image[..., 0] if image.shape[-1] == 1 else np.clip(image, 0, 1), cmap="gray")
        shown = ax.imshow(heat, cmap="jet", alpha=alpha, vmin=0, vmax=1)
        ax.set_axis_off()
        if titles is not None:
            ax.set_title(str(titles[i]))
    fig.colorbar(shown, cax=fig.add_subplot(grid[0, count]), label="relevance (0-1)")
    if path is not None:
        save_figure(fig, path)
    return fig


def plot_grid(arrays, *, title: str = "", path=None, max_panels: int = 32, label: str | None = None):
    """A grid of 2-d arrays (feature maps ``(h, w, c)`` or filters ``(h, w, in, out)``, channel by channel).

    All panels share one colour scale, drawn as a colour bar, so that their strengths compare: grey from
    0 for feature maps (after ReLU), blue-white-red around 0 for signed arrays such as filters.

    Args:
        arrays: feature maps ``(h, w, c)`` or filters ``(h, w, in, out)`` (drawn as their mean over ``in``).
        title: the figure's title.
        path: where to save it, if given.
        max_panels: at most this many channels, the first ones.
        label: the colour bar's label; by default "activation" for feature maps and "weight (mean over
            input channels)" for filters.

    Returns:
        The matplotlib Figure.

    Example:
        >>> fig = plot_grid(np.random.default_rng(0).random((5, 5, 3)), title="three maps")
        >>> fig.axes[-1].get_ylabel()
        'activation'
    """
    from dlcourse.plotting import save_figure, setup_matplotlib

    arrays = np.asarray(arrays)
    panels = arrays.mean(axis=2) if arrays.ndim == 4 else arrays  # a filter: mean over input channels
    count = min(panels.shape[-1], max_panels)
    shown = panels[..., :count]
    limit = float(np.abs(shown).max()) or 1.0
    signed = float(shown.min()) < 0
    vmin, cmap = (-limit, "RdBu_r") if signed else (0.0, "gray")
    cols = min(8, count)
    rows = -(-count // cols)
    fig = setup_matplotlib().figure(figsize=(1.3 * cols + 0.9, 1.45 * rows + 0.4))
    grid = fig.add_gridspec(rows, cols + 1, width_ratios=[1] * cols + [0.12])  # the last column: the colour bar
    kind = "filter" if arrays.ndim == 4 else "channel"
    for i in range(rows * cols):
        ax = fig.add_subplot(grid[i // cols, i % cols])
        ax.set_axis_off()
        if i < count:
            image = ax.imshow(shown[..., i], cmap=cmap, vmin=vmin, vmax=limit)
            ax.set_title(f"{kind} {i + 1}", fontsize=7)
    default = "weight (mean over input channels)" if arrays.ndim == 4 else "activation"
    fig.colorbar(image, cax=fig.add_subplot(grid[:, cols]), label=label or default)
    if title:
        fig.suptitle(title)
    if path is not None:
        save_figure(fig, path)
    return fig
