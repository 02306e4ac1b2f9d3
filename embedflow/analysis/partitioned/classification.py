"""Classifying a partitioned table: its labelled rows come here to be cross-validated and fitted; predictions
are made where the parts live and stay there (the fitted model is shared with every worker once)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from ...core.cluster import Cluster, part_starts
from ...core.table import Table
from ..classification import Classifier, TrainingRows, cross_validated_rows, join, predicted_rows, training_rows


class PartitionedClassification:
    """The data of a classifier held as parts: its labelled rows brought here, its rows predicted on the workers."""

    def __init__(self, cluster: Cluster, data_parts: list[Any]) -> None:
        self.cluster, self.parts = cluster, data_parts
        heads = cluster.gather([cluster.submit(part_head, part) for part in data_parts], "parts checked")
        self.first = part_starts(rows for rows, _ in heads)
        self.head: Table = heads[0][1]

    def head_of(self, part: Any) -> Table:
        """Another input's part without rows (its columns, provenance and vector length)."""
        return self.cluster.gather([self.cluster.submit(part_head, part)])[0][1]

    def training(self, label: str) -> tuple[TrainingRows, pd.DataFrame]:
        """The usable labelled rows of every part, and their feature and label columns (for the block's view)."""
        pieces = self.cluster.gather([self.cluster.submit(training_part, part, label, int(self.first[n]))
                                      for n, part in enumerate(self.parts)], "labelled rows brought")
        return join([piece for piece, _ in pieces]), pd.concat([columns for _, columns in pieces], ignore_index=True)

    def cross_validated(self, predictions: pd.DataFrame) -> Any:
        """Every data row with its cross-validated prediction (`predictions` indexed by row in the whole table),
        as an output whose parts stay on the workers."""
        rows = predictions.index.to_numpy()
        handles = []
        for n, part in enumerate(self.parts):
            inside = (rows >= self.first[n]) & (rows < self.first[n + 1])
            part_predictions = predictions[inside].set_axis(rows[inside] - self.first[n])
            handles.append(self.cluster.submit(cross_validated_rows, part, part_predictions))
        return self.cluster.output(handles)

    def predict(self, classifier: Classifier, test_parts: list[Any], test_rows: list[int],
                label: str) -> tuple[Any, np.ndarray, pd.DataFrame]:
        """The test rows with their predictions (an output left on the workers), the rows not predicted, and
        each test row's `label` and `predicted` (brought here, to score the test rows that carry a label)."""
        cluster = self.cluster
        shared = cluster.share(classifier)
        outcomes = [cluster.submit(predict_part, shared, part) for part in test_parts]
        test_first = part_starts(test_rows)
        skipped = np.concatenate([s + test_first[n] for n, s in enumerate(cluster.gather(
            [cluster.submit(outcome_skipped, o) for o in outcomes], "partitions predicted"))])
        tables = [cluster.submit(outcome_table, o) for o in outcomes]
        scored = pd.concat(cluster.gather([cluster.submit(labels_and_predictions, t, label) for t in tables],
                                          "test labels brought"), ignore_index=True)
        return cluster.output(tables), skipped, scored


# -- run on the workers ---------------------------------------------------------------------------

def part_head(part: Table) -> tuple[int, Table]:
    """The part's rows, and the part without rows (its columns, provenance and vector length)."""
    return len(part), part.take(np.zeros(0, dtype=np.int64))


def training_part(part: Table, label: str, first_row: int) -> tuple[TrainingRows, pd.DataFrame]:
    """The part's usable labelled rows, and their label and feature columns (for the block's view)."""
    training = training_rows(part_vectors(part), part.meta[label], first_row)
    columns = list(dict.fromkeys(c for c in (part.feature, label) if c in part.meta.columns))
    local = training.rows - first_row
    return training, part.meta[columns].iloc[local].reset_index(drop=True)


def part_vectors(part: Table) -> np.ndarray:
    """The vectors of a part known to hold some."""
    assert part.vectors is not None
    return part.vectors


def predict_part(classifier: Classifier, part: Table) -> tuple[Table, np.ndarray]:
    """The part's rows with their predictions, and the rows not predicted (NaN or infinite vectors)."""
    predicted = classifier.predict(part_vectors(part))
    return predicted_rows(part, predicted), predicted.skipped


def outcome_table(outcome: tuple[Table, np.ndarray]) -> Table:
    """The predicted rows of a part's outcome."""
    return outcome[0]


def outcome_skipped(outcome: tuple[Table, np.ndarray]) -> np.ndarray:
    """The rows a part's outcome did not predict."""
    return outcome[1]


def labels_and_predictions(predicted: Table, label: str) -> pd.DataFrame:
    """The test rows' `label` (None without the column) and `predicted`, for scoring where the labels are."""
    meta = predicted.meta
    labels = meta[label] if label in meta.columns else pd.Series([None] * len(meta), index=meta.index)
    return pd.DataFrame({"label": labels.to_numpy(dtype=object), "predicted": meta["predicted"].to_numpy(dtype=object)})
