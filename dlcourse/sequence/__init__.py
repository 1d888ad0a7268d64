"""dlcourse.sequence: recurrence and attention from their equations (순환 신경망, 어텐션).

- `cells`: SimpleRNN, LSTM and GRU steps in `keras.ops`, `unroll`, `recurrent_params`;
- `attention`: `scaled_dot_product_attention`, `multi_head_attention` (Keras' weights);
- `gradients`: `gradient_norms_per_step`, the vanishing gradient measured;
- `tasks`: `make_sequence_task`, small offline sequence classification tasks.

The models built from them (RNN/LSTM/GRU classifiers, Transformer blocks, ViT, DeiT, the distiller)
live in `dlcourse.models.sequence`.

Example:
    >>> from dlcourse.sequence import recurrent_params
    >>> recurrent_params("gru", 28, 128)
    60672
"""

from dlcourse.sequence.attention import multi_head_attention, scaled_dot_product_attention
from dlcourse.sequence.cells import CELLS, gru_cell, lstm_cell, recurrent_params, simple_rnn_cell, unroll
from dlcourse.sequence.gradients import gradient_norms_per_step
from dlcourse.sequence.tasks import SEQUENCE_TASKS, make_sequence_task

__all__ = [
    "CELLS", "SEQUENCE_TASKS", "gradient_norms_per_step", "gru_cell", "lstm_cell", "make_sequence_task",
    "multi_head_attention", "recurrent_params", "scaled_dot_product_attention", "simple_rnn_cell", "unroll",
]
