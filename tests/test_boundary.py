"""Every public function checks its arguments once, and names itself and the argument."""

import inspect
import math
import random
import re
import typing

import pytest

import lecture_code
from lecture_code import dot, predict, scores, soft_gate_grad, softmax_gate

MODEL = {"a": {"b": 1}}

# One valid call per public function: 1 × 1 matrices and length-1 vectors, so that a
# single bad entry cannot also break a shape.
VALID = {
    "argmax": ([1.0],),
    "attention": ([[1.0]], [[1.0]], [[1.0]]),
    "attention_weights": ([[1.0]], [[1.0]]),
    "dot": ([1.0], [1.0]),
    "log_softmax": ([1.0],),
    "logsumexp": ([1.0],),
    "max_reduce": ([1.0],),
    "maximum": (1.0, 2.0),
    "next_token_distribution": (MODEL, "a", 1.0),
    "next_token_logits": (MODEL, "a"),
    "predict": ([1.0], [1.0], 0.0),
    "relu": (1.0,),
    "relu_back": (1.0, 1.0),
    "sample_continuation": (MODEL, "a", 2, random.Random(0), 1.0),
    "scores": ([1.0], [[1.0]]),
    "sigmoid": (1.0,),
    "sigmoid_back": (1.0, 1.0),
    "sigmoid_loss": ([[1.0]], [1], [1.0], 0.0),
    "soft_gate": (1.0, 2.0, 0.5),
    "soft_gate_grad": (1.0, 2.0, 0.5),
    "softmax": ([1.0], 1.0),
    "softmax_gate": ([[1.0]], [1.0]),
    "softplus": (1.0,),
    "step": (1.0,),
    "step_loss": ([[1.0]], [1], [1.0], 0.0),
    "tokenize": ("a b",),
    "train_bigram": ("a b",),
}

# For each kind of argument: (bad value, error, message after "<fn>: <name>").
FLOAT = [
    (math.nan, ValueError, " must be finite, got nan"),
    (math.inf, ValueError, " must be finite, got inf"),
    (-math.inf, ValueError, " must be finite, got -inf"),
    (True, TypeError, " must be a number, got True"),
    ("1", TypeError, " must be a number, got '1'"),
]
VECTOR = [
    ([], ValueError, " must not be empty"),
    ([math.nan], ValueError, "[0] must be finite, got nan"),
    ([math.inf], ValueError, "[0] must be finite, got inf"),
    ([False], TypeError, "[0] must be a number, got False"),
    (1.0, TypeError, " must be a list of numbers, got float"),
]
MATRIX = [
    ([], ValueError, " must not be empty"),
    ([[]], ValueError, "[0] must not be empty"),
    ([[math.nan]], ValueError, "[0][0] must be finite, got nan"),
    ([[-math.inf]], ValueError, "[0][0] must be finite, got -inf"),
    ([[True]], TypeError, "[0][0] must be a number, got True"),
    ("ab", TypeError, " must be a list of vectors, got str"),
]
OTHER = [(True, TypeError, " must be ")]
KINDS = {float: FLOAT, list[float]: VECTOR, list[list[float]]: MATRIX}


def bad_calls():
    """(function, argument index, argument name, bad value, error, expected message)."""
    assert sorted(VALID) == sorted(lecture_code.__all__)
    for name in sorted(VALID):
        fn = getattr(lecture_code, name)
        hints = typing.get_type_hints(fn)
        for i, arg in enumerate(inspect.signature(fn).parameters):
            for bad, error, problem in KINDS.get(hints[arg], OTHER):
                yield pytest.param(fn, i, bad, error, f"{name}: {arg}{problem}", id=f"{name}-{arg}")


def test_every_valid_call_works():
    for name, args in VALID.items():
        getattr(lecture_code, name)(*args)


@pytest.mark.parametrize(("fn", "index", "bad", "error", "message"), list(bad_calls()))
def test_every_public_function_rejects_bad_arguments_naming_itself(fn, index, bad, error, message):
    args = list(VALID[fn.__name__])
    args[index] = bad
    with pytest.raises(error) as info:
        fn(*args)
    assert str(info.value).startswith(message), str(info.value)
    assert "\n" not in str(info.value)


def test_inner_calls_report_the_outer_function():
    """soft_gate_grad calls sigmoid and sigmoid_back; scores calls dot; predict calls step."""
    with pytest.raises(ValueError, match=r"^soft_gate_grad: r must be finite, got nan$"):
        soft_gate_grad(1.0, 2.0, math.nan)
    with pytest.raises(ValueError, match=r"^scores: q · k_j is too large for a float$"):
        scores([1e308, 1e308], [[1e308, 1e308]])
    with pytest.raises(ValueError, match=r"^predict: point and w must have the same length"):
        predict([1.0, 2.0], [1.0], 0.0)
    assert predict([1e308], [1e308], 0.0) == 1.0  # z overflows a float, its sign does not


def test_shapes_are_checked_across_arguments():
    with pytest.raises(ValueError, match=re.escape("scores: K rows must all have length 2, row 0")):
        scores([1.0, 2.0], [[1.0]])
    with pytest.raises(
        ValueError, match=re.escape("dot: u and v must have the same length (1 != 2)")
    ):
        dot([1.0], [1.0, 2.0])
    with pytest.raises(
        ValueError, match=re.escape("softmax_gate: X and R must have the same length")
    ):
        softmax_gate([[1.0]], [1.0, 2.0])


def test_wrong_arity_names_the_function():
    with pytest.raises(TypeError, match="^relu: missing a required argument: 'x'$"):
        lecture_code.relu()


def test_ints_and_tuples_are_accepted_and_converted():
    assert lecture_code.relu(3) == 3.0 and isinstance(lecture_code.relu(3), float)
    assert dot((1, 2), (3, 4)) == 11.0


def test_the_source_is_the_functions_own():
    for name in lecture_code.__all__:
        fn = getattr(lecture_code, name)
        assert fn.__wrapped__.__name__ == name
        source = inspect.getsource(fn)
        assert f"def {name}(" in source and "check" not in source.split('"""')[-1], name
