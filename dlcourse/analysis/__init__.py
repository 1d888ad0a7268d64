"""Analysis of a model's cost and view: parameters (파라미터) and multiply-adds (곱셈-누산) per layer,
and the receptive field (수용 영역) of its feature maps.

Example:
    >>> from dlcourse.analysis import conv_params, count_macs, receptive_field
    >>> conv_params(3, 3, 128, 64)
    73728
"""

from dlcourse.analysis.counting import (
    CountTable,
    LayerCount,
    conv_output_size,
    conv_params,
    count_macs,
    count_params,
    dense_params,
)
from dlcourse.analysis.formulas import cross_entropy, init_std
from dlcourse.analysis.published import ILSVRC_TOP5_ERROR, googlenet_parameter_parts
from dlcourse.analysis.receptive_field import receptive_field

__all__ = [
    "CountTable", "ILSVRC_TOP5_ERROR", "LayerCount", "conv_output_size", "conv_params", "count_macs", "count_params", "cross_entropy",
    "dense_params", "googlenet_parameter_parts", "init_std", "receptive_field",
]
