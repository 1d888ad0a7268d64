"""Sequence and attention models (순환 신경망, 트랜스포머, 비전 트랜스포머, 증류 학습).

- `recurrent`: SimpleRNN, LSTM and GRU classifiers reading an image row by row;
- `transformer`: the pre-norm Transformer encoder block, position embedding, class token, and a
  one-block attention classifier on rows;
- `vit`: the Vision Transformer and DeiT (patch embedding, class and distillation tokens, two heads);
- `distillation`: Hinton's soft-target loss, DeiT's hard distillation loss and the `Distiller` and
  `DeiTDistiller` models that train a student with a frozen teacher through `fit`.

Importing this package imports no Keras; its modules do.
"""
