"""The Scatter's PNG writes its labels where they can be read: none covers another or a cluster name,
none crosses the plot's frame, and a sentence is shortened at a word."""

from __future__ import annotations

import numpy as np
import pandas as pd
from PIL import Image, ImageDraw

from embedflow.blocks.scatter.png import (
    cluster_name_boxes,
    font,
    point_label_boxes,
    render_scatter,
)
from embedflow.blocks.scatter.style import color_mapping, point_sizes

FRAME = (80.0, 48.0, 770.0, 656.0)


def overlapping(a, b):
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def test_point_labels_of_a_crowd_cover_neither_each_other_nor_a_cluster_name_and_stay_in_the_frame():
    draw = ImageDraw.Draw(Image.new("RGB", (1000, 720)))
    rng = np.random.default_rng(0)
    at = np.column_stack([rng.uniform(80, 770, 150), rng.uniform(48, 656, 150)])
    at[:40] = rng.normal((100, 300), 8, (40, 2))  # a crowd at the left edge
    texts = [f"The sentence number {i} about topics" for i in range(150)]
    names = cluster_name_boxes(draw, [("mango · peach · pear", 90.0, 300.0)], font(15), FRAME)
    boxes = point_label_boxes(draw, texts, at, np.arange(150), [box for _, box in names], FRAME, font(10))
    assert 10 < len(boxes) < 150
    for i, (_, box) in enumerate(boxes):
        assert box[0] >= FRAME[0] and box[2] <= FRAME[2]
        assert not overlapping(box, names[0][1])
        assert not any(overlapping(box, other) for _, other in boxes[i + 1:])


def test_cluster_names_at_one_place_are_moved_apart_and_inside_the_frame():
    draw = ImageDraw.Draw(Image.new("RGB", (1000, 720)))
    names = cluster_name_boxes(draw, [("blue · red · purple", 765.0, 400.0), ("four · three · five", 760.0, 405.0)],
                               font(15), FRAME)
    (_, first), (_, second) = names
    assert not overlapping(first, second)
    for box in (first, second):
        assert FRAME[0] <= box[0] and box[2] <= FRAME[2] and FRAME[1] <= box[1] and box[3] <= FRAME[3]


def test_a_sentence_label_in_the_picture_is_written_shortened_at_a_word():
    meta = pd.DataFrame({"g": ["a", "b", "c"]})
    coords = np.array([[0.0, 0.0], [1.0, 1.0], [2.0, 0.5]])
    sentence = "The goalkeeper dived and saved the shot in the last minute of the game."

    def picture(label):
        return np.asarray(render_scatter(coords, color_mapping(meta, "g"), point_sizes(meta, ""),
                                         point_labels=np.array([label, "b", "c"], dtype=object)))

    assert np.array_equal(picture(sentence), picture("The goalkeeper dived and saved…"))
    assert not np.array_equal(picture(sentence), picture("The goalkeeper dived and saved"))
