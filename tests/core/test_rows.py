"""RowSet: row numbers as sorted ranges, saved as ranges or a compressed bitmap."""

import copy
import json

import numpy as np
import pytest

from embedflow.core.rows import RowSet


def test_rows_become_merged_sorted_ranges():
    rows = RowSet.of([9, 1, 2, 3, 5, 2])
    assert rows.ranges.tolist() == [[1, 4], [5, 6], [9, 10]]
    assert rows.rows().tolist() == [1, 2, 3, 5, 9] and len(rows) == 5


def test_overlapping_ranges_are_merged():
    assert RowSet.from_ranges([[3, 5], [0, 2], [1, 4], [10, 10], [8, 9]]).ranges.tolist() == [[0, 5], [8, 9]]


@pytest.mark.parametrize("rows", [[], [0], list(range(0, 20_000, 2)), list(range(5, 100_000))])
def test_saved_rows_read_back_the_same(rows):
    saved = RowSet.of(rows)
    assert RowSet.from_json(json.loads(json.dumps(saved.to_json()))) == saved


def test_scattered_rows_are_saved_as_a_bitmap_and_runs_as_ranges():
    assert set(RowSet.of(range(0, 20_000, 2)).to_json()) == {"bits", "length"}
    assert RowSet.of(range(1_000_000)).to_json() == {"ranges": [[0, 1_000_000]]}


def test_copying_shares_the_immutable_rows():
    rows = RowSet.of(range(1_000_000))
    assert copy.deepcopy({"selection": rows})["selection"] is rows
    with pytest.raises(ValueError):
        rows.ranges[0, 0] = 7


@pytest.mark.parametrize("value", [[1, 2], {"ranges": [[2, 1]]}, {"ranges": [[-1, 3]]}, {"ranges": [[0, True]]},
                                   {"ranges": [[0, 10**12]]}, {"bits": "!!", "length": 8},
                                   {"bits": "", "length": 10**12}, {"ranges": [], "extra": 1}])
def test_what_is_not_rows_is_refused(value):
    with pytest.raises(ValueError):
        RowSet.from_json(value)


def test_a_bitmap_longer_than_its_length_is_refused():
    import base64
    import zlib

    packed = base64.b64encode(zlib.compress(np.packbits(np.ones(64, bool)).tobytes())).decode()
    with pytest.raises(ValueError, match="does not match"):
        RowSet.from_json({"bits": packed, "length": 16})
