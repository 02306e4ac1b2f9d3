"""The scatter view of degenerate maps: a single point sits in the middle of a readable range."""

from __future__ import annotations

import numpy as np
import pandas as pd
from embedflow_canvas.views.scatter_plot import ScatterPlot

from embedflow.blocks.scatter.style import color_mapping, point_sizes


def test_a_single_point_is_centred_in_a_unit_range(qtbot):
    plot = ScatterPlot()
    qtbot.addWidget(plot)
    plot.resize(500, 400)
    plot.show()
    qtbot.waitExposed(plot)
    meta = pd.DataFrame({"name": ["only"]})
    plot.set_data(np.array([[3.0, -2.0]], dtype=np.float32), color_mapping(meta, ""), point_sizes(meta, ""),
                  meta["name"].to_numpy(), None, None)
    plot.reset_range()
    (x0, x1), (y0, y1) = plot.view_box.viewRange()
    assert x1 - x0 > 0.9 and y1 - y0 > 0.9
    assert abs((x0 + x1) / 2 - 3.0) < 1e-6 and abs((y0 + y1) / 2 + 2.0) < 1e-6
