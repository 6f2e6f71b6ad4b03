"""The one shared style for every lecture figure: projector-ready and colour-blind safe.

A figure is sized in *slide pixels*, the size it is shown at on a 1280 x 720
slide (``:width:`` in the RST). Text sizes are then true at slide scale:
14 pt text in the figure is 14 pt on the slide. Figures are saved at twice
that resolution (192 dpi), so they stay sharp on a projector.

:func:`figure` starts every figure from matplotlib's defaults plus :data:`STYLE`,
so no figure depends on what was drawn before it. The other helpers only
change the axes they are given, never the global settings.
"""

from __future__ import annotations

import os
from pathlib import Path

import matplotlib
import matplotlib.pyplot as plt

SLIDE_DPI = 96  # CSS pixels per inch
DPI = 2 * SLIDE_DPI  # saved resolution: 192 dpi
ROOT = Path(__file__).resolve().parent.parent
MIN_TEXT_PT = 14  # no text on a slide is smaller than this

# Okabe & Ito (2008), "Color Universal Design": distinguishable with any colour vision.
BLACK = "#000000"
ORANGE = "#E69F00"
SKY = "#56B4E9"
GREEN = "#009E73"
YELLOW = "#F0E442"
BLUE = "#0072B2"
VERMILION = "#D55E00"
PURPLE = "#CC79A7"
PALETTE = [BLUE, VERMILION, GREEN, ORANGE, PURPLE, SKY, YELLOW, BLACK]
HEATMAP = "cividis"  # perceptually uniform and colour-blind safe

STYLE = {
    "font.size": 15,
    "axes.titlesize": 16,
    "axes.labelsize": 15,
    "xtick.labelsize": 14,
    "ytick.labelsize": 14,
    "legend.fontsize": 14,
    "legend.title_fontsize": 14,
    "figure.titlesize": 16,
    "lines.linewidth": 3,
    "lines.markersize": 8,
    "axes.prop_cycle": matplotlib.cycler(color=PALETTE),
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.axisbelow": True,
    "axes.grid": True,
    "grid.alpha": 0.3,
    "figure.dpi": DPI,
    "savefig.dpi": DPI,
    "savefig.facecolor": "white",
    "figure.constrained_layout.use": True,
    "image.cmap": HEATMAP,
    "svg.hashsalt": "lecture",
}


def figure(width_px: int, height_px: int, **subplots):
    """Start a figure shown at ``width_px`` x ``height_px`` on the slide, in a fresh style.

    Returns ``(fig, axes)`` like :func:`matplotlib.pyplot.subplots`.
    """
    matplotlib.rcdefaults()
    plt.rcParams.update(STYLE)
    return plt.subplots(figsize=(width_px / SLIDE_DPI, height_px / SLIDE_DPI), **subplots)


def number(value: float, fmt: str = "{:g}") -> str:
    """Format a number for a label, with a true minus sign as on the axes: ``−0.5``."""
    return fmt.format(value).replace("-", "\N{MINUS SIGN}")


def heatmap(ax, matrix, rows, columns, fmt="{:.2f}", vmin=0.0, vmax=1.0):
    """Draw ``matrix`` as a heatmap with each cell's value written in it.

    ``rows`` and ``columns`` label the cells; the text is black on light cells
    and white on dark ones. Returns the image, for a colour bar.
    """
    cmap = plt.get_cmap(HEATMAP)
    image = ax.imshow(matrix, cmap=cmap, vmin=vmin, vmax=vmax, aspect="auto")
    for i, row in enumerate(matrix):
        for j, value in enumerate(row):
            r, g, b, _ = cmap((value - vmin) / (vmax - vmin))
            light = 0.2126 * r + 0.7152 * g + 0.0722 * b > 0.45
            ax.text(
                j,
                i,
                number(value, fmt),
                ha="center",
                va="center",
                color=BLACK if light else "white",
            )
    ax.set_xticks(range(len(columns)), columns)
    ax.set_yticks(range(len(rows)), rows)
    ax.tick_params(length=0)
    ax.grid(False)
    ax.spines[:].set_visible(False)
    return image


def save(fig, figure_path: str) -> Path:
    """Save ``fig`` as ``figure_path`` (e.g. ``figs/Graphs/sigmoid.png``), with no timestamps.

    The figure runner sets ``LECTUREDECK_FIG_OUT`` to a temporary folder and moves
    the file into place itself; run by hand, the script writes under the project root.
    The figure stays open, so that sphinx-gallery can show it too.
    """
    out = Path(os.environ.get("LECTUREDECK_FIG_OUT", ROOT)) / figure_path
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, dpi=DPI, metadata={"Software": None})
    return out
