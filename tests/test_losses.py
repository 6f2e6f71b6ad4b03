"""Properties of the step loss and the sigmoid (cross-entropy) loss."""

import math

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st
from strategies import assert_close, finite

from lecture_code import predict, sigmoid_loss, step_loss


@st.composite
def datasets(draw, coordinates=None):
    """Draw (points, labels, w, b) for a linear classifier in d dimensions."""
    if coordinates is None:
        coordinates = st.integers(-5, 5)
    d = draw(st.integers(1, 3))
    n = draw(st.integers(1, 10))
    vector = st.lists(coordinates, min_size=d, max_size=d)
    points = draw(st.lists(vector, min_size=n, max_size=n))
    labels = draw(st.lists(st.sampled_from([0, 1]), min_size=n, max_size=n))
    return points, labels, draw(vector), draw(coordinates)


def numpy_z(points, w, b):
    return np.asarray(points, dtype=float) @ np.asarray(w, dtype=float) + b


# Integer coordinates make w · p + b exact, so numpy and lecture_code agree on its sign.
@given(datasets())
def test_step_loss_counts_misclassified_points(data):
    points, labels, w, b = data
    predictions = (numpy_z(points, w, b) > 0).astype(float)
    expected = int(np.sum(predictions != np.asarray(labels, dtype=float)))
    loss = step_loss(points, labels, w, b)
    assert type(loss) is int
    assert loss == expected
    assert 0 <= loss <= len(points)


@given(datasets())
def test_predict_is_heaviside_of_the_numpy_score(data):
    points, _, w, b = data
    for p, z in zip(points, numpy_z(points, w, b), strict=True):
        assert predict(p, w, b) == np.heaviside(z, 0.0)


@given(datasets(finite(2.0)))
def test_sigmoid_loss_matches_numpy_cross_entropy(data):
    points, labels, w, b = data
    y = np.asarray(labels, dtype=float)
    p = 1.0 / (1.0 + np.exp(-numpy_z(points, w, b)))
    expected = float(-np.mean(y * np.log(p) + (1 - y) * np.log(1 - p)))
    assert_close(sigmoid_loss(points, labels, w, b), expected, 1e-6)


@given(datasets(finite(2.0)))
def test_sigmoid_loss_is_positive(data):
    assert sigmoid_loss(*data) > 0.0


@given(datasets())
def test_sigmoid_loss_decreases_as_a_correct_classifier_is_scaled_up(data):
    points, _, w, b = data
    z = numpy_z(points, w, b)
    points = [p for p, zi in zip(points, z, strict=True) if zi != 0]
    assume(points)
    labels = [predict(p, w, b) for p in points]  # the classifier is correct on every point
    assert step_loss(points, labels, w, b) == 0
    losses = [sigmoid_loss(points, labels, [c * wi for wi in w], c * b) for c in (1, 2, 4, 8)]
    assert all(a > b for a, b in zip(losses, losses[1:], strict=False))


def test_sigmoid_loss_of_a_perfect_confident_classifier_is_zero_without_overflow():
    points = [[1.0], [-1.0]]
    assert sigmoid_loss(points, [1, 0], [1e4], 0.0) == 0.0
    assert sigmoid_loss(points, [0, 1], [1e4], 0.0) == 1e4


def test_sigmoid_loss_at_zero_weights_is_log_two():
    assert_close(sigmoid_loss([[1.0, 2.0], [3.0, 4.0]], [0, 1], [0.0, 0.0], 0.0), math.log(2))


@pytest.mark.parametrize("fn", [step_loss, sigmoid_loss], ids=lambda f: f.__name__)
@pytest.mark.parametrize(
    ("points", "labels", "w", "b", "error", "message"),
    [
        ([], [], [1.0], 0.0, ValueError, "points must not be empty"),
        ([[1.0]], [0.5], [1.0], 0.0, ValueError, r"labels\[0\] must be 0 or 1, got 0.5"),
        ([[1.0], [2.0]], [0, 2], [1.0], 0.0, ValueError, r"labels\[1\] must be 0 or 1"),
        ([[1.0], [2.0]], [0], [1.0], 0.0, ValueError, r"points and labels .* \(2 != 1\)"),
        (
            [[1.0, 2.0], [1.0]],
            [0, 1],
            [1.0, 1.0],
            0.0,
            ValueError,
            "points rows must all have length 2, row 1 has length 1",
        ),
        ([[1.0]], [1], [], 0.0, ValueError, "w must not be empty"),
        ([[1.0]], [1], [1.0], math.nan, ValueError, "b must be finite, got nan"),
        ([[math.inf]], [1], [1.0], 0.0, ValueError, r"points\[0\]\[0\] must be finite, got inf"),
        ([[1.0]], [True], [1.0], 0.0, TypeError, r"labels\[0\] must be a number, got True"),
        ("abc", [1], [1.0], 0.0, TypeError, "points must be a list of vectors, got str"),
    ],
)
def test_losses_reject_bad_input(fn, points, labels, w, b, error, message):
    with pytest.raises(error, match=f"^{fn.__name__}: {message}"):
        fn(points, labels, w, b)


def test_predict_rejects_mismatched_lengths():
    with pytest.raises(
        ValueError, match=r"^predict: point and w must have the same length \(2 != 1\)"
    ):
        predict([1.0, 2.0], [1.0], 0.0)
