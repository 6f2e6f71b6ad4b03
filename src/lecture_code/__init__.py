"""The code taught in the lectures: small, pure-Python, one module per idea.

Everything here uses only the standard library, so it also runs in the browser
(Pyodide). Import from the package top, e.g. ``from lecture_code import softmax``.
"""

from lecture_code.activations import relu, relu_back, sigmoid, sigmoid_back, softplus, step
from lecture_code.attention import attention, attention_weights, scores
from lecture_code.gates import soft_gate, soft_gate_grad, softmax_gate
from lecture_code.language import (
    next_token_distribution,
    next_token_logits,
    sample_continuation,
    tokenize,
    train_bigram,
)
from lecture_code.losses import predict, sigmoid_loss, step_loss
from lecture_code.reductions import (
    argmax,
    dot,
    log_softmax,
    logsumexp,
    max_reduce,
    maximum,
    softmax,
)

__all__ = [
    "argmax",
    "attention",
    "attention_weights",
    "dot",
    "log_softmax",
    "logsumexp",
    "max_reduce",
    "maximum",
    "next_token_distribution",
    "next_token_logits",
    "predict",
    "relu",
    "relu_back",
    "sample_continuation",
    "scores",
    "sigmoid",
    "sigmoid_back",
    "sigmoid_loss",
    "soft_gate",
    "soft_gate_grad",
    "softmax",
    "softmax_gate",
    "softplus",
    "step",
    "step_loss",
    "tokenize",
    "train_bigram",
]
