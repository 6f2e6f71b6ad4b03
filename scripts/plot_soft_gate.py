r"""The soft gate and its gradients
===============================

The soft gate :math:`f(x, y, r) = x\,\sigma(r) + y\,(1 - \sigma(r))` chooses
:math:`x` when :math:`r` is large and :math:`y` when :math:`r` is very
negative. Left: :math:`f` as :math:`r` varies, for fixed :math:`x` and
:math:`y`. Right: its partial derivatives. The gradient reaching :math:`x` is
:math:`\sigma(r)`, the one reaching :math:`y` is :math:`1 - \sigma(r)`, and
:math:`r` itself only learns near :math:`r = 0`, where
:math:`|f'_r| = |x - y|\,\sigma'(r)` is large.
"""

import figstyle
import numpy as np

from lecture_code.gates import soft_gate, soft_gate_grad

FIGURE = "figs/Gates/soft_gate.png"

X, Y = 2.0, -1.0  # the two inputs the gate chooses between


def main():
    rs = np.linspace(-6, 6, 241).tolist()
    grads = [soft_gate_grad(X, Y, r) for r in rs]
    fig, (left, right) = figstyle.figure(900, 360, ncols=2, sharex=True)

    left.axhline(X, color=figstyle.BLUE, linestyle="--", linewidth=2)
    left.axhline(Y, color=figstyle.ORANGE, linestyle="--", linewidth=2)
    left.plot(rs, [soft_gate(X, Y, r) for r in rs], color=figstyle.BLACK)
    for value, name, color, where in [(X, "x", figstyle.BLUE, -1), (Y, "y", figstyle.ORANGE, 1)]:
        left.annotate(
            f"{name} = {figstyle.number(value)}",
            (6 * where, value),
            xytext=(0, -6 * where),
            textcoords="offset points",
            color=color,
            ha="left" if where < 0 else "right",
            va="bottom" if where < 0 else "top",
        )
    left.set(title="f(x, y, r)", xlabel="r", ylim=(Y - 0.6, X + 0.6))

    curves = [
        (0, r"$f'_x = \sigma(r)$", figstyle.BLUE),
        (1, r"$f'_y = 1 - \sigma(r)$", figstyle.ORANGE),
        (2, r"$|f'_r| = |x - y|\,\sigma'(r)$", figstyle.GREEN),
    ]
    for k, label, color in curves:
        right.plot(rs, [abs(g[k]) for g in grads], color=color, label=label)
    right.set(title="gradient magnitudes", xlabel="r", ylim=(0, 1.45), yticks=[0, 0.5, 1])
    right.legend(loc="upper center", ncols=1, frameon=False, borderaxespad=0.1)
    right.set_xticks([-6, -3, 0, 3, 6])
    figstyle.save(fig, FIGURE)


if __name__ == "__main__":
    main()
