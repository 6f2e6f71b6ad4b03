"""Explorable figures: what a slide draws for one setting of its controls.

Each function takes the controls a slide declares (``T``, ``r``, ``query``) and returns
the chart as plain data: axis labels, the y range, and marks, each a kind (``bar``,
``outline``, ``rule``, ``label``), a colour name and columns of values. The deck draws
that data; the values are exactly what the lecture's functions compute.
"""

from lecture_code._checks import checked, fail
from lecture_code.attention import attention_weights
from lecture_code.gates import soft_gate, soft_gate_grad
from lecture_code.reductions import argmax, softmax

VALUES = [1.0, 3.0, -0.5, 2.0, 0.5]  # the scores of the temperature figure
GATE_X, GATE_Y = 2.0, -1.0  # the two inputs the soft gate chooses between
KEYS = {"k1": [2.0, 0.0], "k2": [0.0, 2.0], "k3": [-2.0, 0.0], "k4": [1.0, 1.0]}
QUERIES = {"q = (2, 0)": [2.0, 0.0], "q = (0, 2)": [0.0, 2.0], "q = (1, 1)": [1.0, 1.0]}


@checked(positive=("T",))
def softmax_temperature(T: float) -> dict:
    """softmax(x / T) of five scores, with argmax(x), its T → 0 limit, as an outline.

    Args:
        T: The temperature.

    Returns:
        The chart: one bar per score, the argmax outline, the largest share's value.
    """
    positions = [str(i) for i in range(len(VALUES))]
    shares = softmax(VALUES, temperature=T)
    one_hot = argmax(VALUES)
    best = one_hot.index(1.0)
    return {
        "x": "i",
        "y": "softmax(x / T)",
        "y_domain": [0.0, 1.15],
        "marks": [
            {"mark": "bar", "color": "green", "x": positions, "y": shares},
            {"mark": "outline", "color": "black", "x": positions, "y": one_hot},
            {
                "mark": "label",
                "color": "black",
                "x": [positions[best]],
                "y": [shares[best]],
                "text": [f"{shares[best]:.2f}"],
            },
        ],
    }


@checked
def soft_gate_explorer(r: float) -> dict:
    """The soft gate f(x, y, r) and its three partial derivatives at one r.

    Args:
        r: The gate score.

    Returns:
        The chart: f and ∂f/∂x, ∂f/∂y, ∂f/∂r as bars, with a rule at 0.
    """
    value = soft_gate(GATE_X, GATE_Y, r)
    dx, dy, dr = soft_gate_grad(GATE_X, GATE_Y, r)
    names = ["f(x, y, r)", "∂f/∂x", "∂f/∂y", "∂f/∂r"]
    heights = [value, dx, dy, dr]
    return {
        "x": f"x = {GATE_X:g}, y = {GATE_Y:g}",
        "y": "value",
        "y_domain": [-1.2, 2.2],
        "marks": [
            {
                "mark": "bar",
                "color": ["black", "blue", "orange", "green"],
                "x": names,
                "y": heights,
            },
            {"mark": "rule", "color": "black", "y": [0.0]},
            {
                "mark": "label",
                "color": "black",
                "x": names,
                "y": heights,
                "text": [f"{h:.2f}" for h in heights],
            },
        ],
    }


@checked
def attention_explorer(query: str) -> dict:
    """The attention weights of one query over four keys.

    Args:
        query: One of the names in ``QUERIES``.

    Returns:
        The chart: one bar per key, its weight, summing to 1.
    """
    if query not in QUERIES:
        fail(f"query must be one of {', '.join(QUERIES)}, not {query!r}")
    names = list(KEYS)
    weights = attention_weights([QUERIES[query]], list(KEYS.values()))[0]
    return {
        "x": "key",
        "y": "attention weight",
        "y_domain": [0.0, 1.15],
        "marks": [
            {"mark": "bar", "color": "blue", "x": names, "y": weights},
            {
                "mark": "label",
                "color": "black",
                "x": names,
                "y": weights,
                "text": [f"{w:.2f}" for w in weights],
            },
        ],
    }
