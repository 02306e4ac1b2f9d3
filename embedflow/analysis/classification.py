"""Classifiers on vectors: stratified cross-validation and fit-then-predict, with scores a class can read.

Each row's prediction comes from the model trained on the other folds (it was held out of its own).
`probability` is the model's probability of the class it predicted: predict_proba for logistic
regression; for k-NN the share of the k neighbours that voted for it; for the linear SVM, which has
no probabilities, a softmax of its decision values (a confidence, not calibrated). Scores are the
mean over folds with their standard deviation, and beside each the same score of the majority-class
baseline (always predict the most frequent class of the data), scored on the same folds.
Test rows that carry a label are scored once more (`on` = "test"): the model fitted on all of the
data against the same majority-class baseline, with no spread (one measurement).
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any, Literal

import numpy as np
import pandas as pd

from ..core.table import Table
from .checks import (
    AnalysisError,
    CancelledCallback,
    ProgressCallback,
    as_matrix,
    checkpoint,
    describe_rows,
    non_finite_rows,
    zero_rows,
)

Model = Literal["logistic_regression", "knn", "linear_svm"]
MODELS = ("logistic_regression", "knn", "linear_svm")
PROBABILITY = {"logistic_regression": "predicted probability (predict_proba)",
               "knn": "share of the k nearest neighbours voting for the class",
               "linear_svm": "softmax of the decision values (not calibrated)"}
MAX_CLASSES = 1_000
KNN_NEIGHBOURS = 5
MAX_ITERATIONS = 1_000
SCORE_COLUMNS = ("on", "metric", "class", "value", "std", "baseline")
CROSS_VALIDATION, TEST = "cross-validation", "test"


@dataclass(frozen=True)
class ClassificationResult:
    """Cross-validated predictions and their scores.

    predictions: indexed by input row number (rows with a label only), columns `label`,
    `predicted`, `probability`, `fold` (1..folds, the fold the row was held out in), `correct`.
    scores: columns on ("cross-validation"), metric, class ("" for the whole), value (mean over folds),
    std (over folds), baseline (the majority-class baseline's value). confusion: true classes (rows) ×
    predicted. dropped: rows left out (no label, or NaN/inf in the vector); notes: (code, sentence) pairs;
    majority: the most frequent class of the data (what the baseline always predicts).
    """

    predictions: pd.DataFrame
    scores: pd.DataFrame
    confusion: pd.DataFrame
    classes: tuple
    model: str
    probability: str
    dropped: np.ndarray
    notes: tuple[tuple[str, str], ...]
    majority: Any = None


@dataclass(frozen=True)
class HeldOutScores:
    """The scores of test rows that carry a label: `scores` as ClassificationResult's with on = "test",
    `confusion` true × predicted over the data's classes and any the test adds (`unseen`), and notes."""

    scores: pd.DataFrame
    confusion: pd.DataFrame
    scored: int
    unseen: tuple
    notes: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class PredictionResult:
    """Predictions for test rows from a model fitted on every usable training row.

    predictions: indexed by test row number (rows with a usable vector), columns `predicted`,
    `probability`. skipped: test rows with NaN/inf vectors; dropped: training rows left out.
    """

    predictions: pd.DataFrame
    classes: tuple
    model: str
    probability: str
    skipped: np.ndarray
    dropped: np.ndarray
    notes: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class TrainingRows:
    """The rows a classifier can learn from, and the rows left out: made per partition, joined with `join`.

    vectors, labels: of the usable rows (a label and finite numbers), in order; rows: their row numbers;
    no_label, bad: the row numbers left out for having no label, or NaN/inf in the vector; total: all rows.
    """

    vectors: np.ndarray
    labels: np.ndarray
    rows: np.ndarray
    no_label: np.ndarray
    bad: np.ndarray
    total: int

    @property
    def nbytes(self) -> int:
        """Memory of the arrays, roughly (labels counted as 8 bytes of pointer and 50 of text each)."""
        return int(self.vectors.nbytes + self.rows.nbytes + self.no_label.nbytes + self.bad.nbytes
                   + 58 * len(self.labels))


def training_rows(vectors: np.ndarray, labels: pd.Series | Sequence, first_row: int = 0) -> TrainingRows:
    """The usable rows of a table (or of a partition whose first row is `first_row`)."""
    data = as_matrix(vectors)
    y = pd.Series(labels).reset_index(drop=True)
    if len(y) != len(data):
        raise AnalysisError(f"There are {len(data)} vectors but {len(y)} labels.", "label-length-mismatch")
    no_label = np.flatnonzero(y.isna().to_numpy())
    bad = np.setdiff1d(non_finite_rows(data), no_label)
    usable = np.setdiff1d(np.arange(len(data)), np.union1d(no_label, bad))
    kept = data if len(usable) == len(data) else data[usable]
    return TrainingRows(kept, y.to_numpy(dtype=object)[usable], usable + first_row, no_label + first_row,
                        bad + first_row, len(data))


def join(parts: Sequence[TrainingRows]) -> TrainingRows:
    """The training rows of partitions, in order, as one (row numbers already count from the whole table)."""
    if len(parts) == 1:
        return parts[0]
    return TrainingRows(np.concatenate([p.vectors for p in parts]), np.concatenate([p.labels for p in parts]),
                        np.concatenate([p.rows for p in parts]), np.concatenate([p.no_label for p in parts]),
                        np.concatenate([p.bad for p in parts]), sum(p.total for p in parts))


@dataclass(frozen=True)
class Classifier:
    """A model fitted on every usable training row; it pickles, so other machines can predict with it."""

    estimator: Any
    model: str
    classes: tuple
    dimensions: int
    dropped: np.ndarray
    notes: tuple[tuple[str, str], ...]

    def predict(self, vectors: np.ndarray) -> PredictionResult:
        """The class and its probability for every row with usable numbers; the others are `skipped`."""
        test = as_matrix(vectors)
        if test.shape[1] != self.dimensions:
            raise AnalysisError(f"The test vectors have {test.shape[1]} numbers each but the training vectors "
                                f"{self.dimensions}: embed both with the same model.", "dimension-mismatch")
        skipped = non_finite_rows(test)
        notes = list(self.notes) + ([untested_note(skipped)] if len(skipped) else [])
        usable = np.setdiff1d(np.arange(len(test)), skipped)
        predicted, probability = (_predict(self.model, self.estimator, test[usable]) if len(usable)
                                  else (np.zeros(0, dtype=np.int64), np.zeros(0)))
        names = np.asarray(self.classes, dtype=object)
        predictions = pd.DataFrame({"predicted": names[predicted], "probability": probability},
                                   index=pd.Index(usable, name="row"))
        return PredictionResult(predictions, self.classes, self.model, PROBABILITY[self.model], skipped,
                                self.dropped, tuple(notes))


def untested_note(skipped: np.ndarray) -> tuple[str, str]:
    """The note on test rows not predicted because their vectors hold NaN or infinite values."""
    return ("nan-vectors", f"Did not predict {describe_rows(skipped)} of the test input whose vectors "
                           "hold NaN or infinite values.")


def cross_validate(vectors: np.ndarray, labels: pd.Series | Sequence, model: Model = "logistic_regression",
                   folds: int = 5, seed: int = 0, progress: ProgressCallback | None = None,
                   cancelled: CancelledCallback | None = None) -> ClassificationResult:
    """Stratified k-fold cross-validation of `model` predicting `labels` from `vectors`."""
    _check_model(model)
    _check_folds(folds)
    return cross_validate_rows(training_rows(vectors, labels), model, folds, seed, progress, cancelled)


def cross_validate_rows(training: TrainingRows, model: Model = "logistic_regression", folds: int = 5,
                        seed: int = 0, progress: ProgressCallback | None = None,
                        cancelled: CancelledCallback | None = None) -> ClassificationResult:
    """cross_validate of rows already sorted out (as `training_rows` and `join` give them)."""
    from sklearn.model_selection import StratifiedKFold
    _check_model(model)
    _check_folds(folds)
    data, y, rows, dropped, notes = _usable(training)
    classes, codes = _classes(y)
    _check_classes(classes, codes, folds)
    held_out_in = np.zeros(len(y), dtype=np.int64)
    predicted = np.zeros(len(y), dtype=np.int64)
    probability = np.zeros(len(y))
    # The majority-class baseline: always the most frequent class of the data (the first on a tie).
    baseline = np.full(len(y), np.bincount(codes).argmax(), dtype=np.int64)
    splits = StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed).split(data, codes)
    for fold, (train, test) in enumerate(splits, start=1):
        checkpoint(progress, cancelled, (fold - 1) / folds, f"fold {fold} of {folds}")
        fitted = _fit(model, data[train], codes[train], seed)
        predicted[test], probability[test] = _predict(model, fitted, data[test])
        held_out_in[test] = fold
    checkpoint(progress, cancelled, 1.0, "scoring")
    names = np.asarray(classes, dtype=object)
    predictions = pd.DataFrame({"label": names[codes], "predicted": names[predicted], "probability": probability,
                                "fold": held_out_in, "correct": predicted == codes}, index=pd.Index(rows, name="row"))
    scores = _scores(codes, predicted, baseline, held_out_in, classes)
    return ClassificationResult(predictions, scores, _confusion(names[codes], names[predicted], classes),
                                tuple(classes), model, PROBABILITY[model], dropped, tuple(notes),
                                names[baseline[0]])


def score_test(result: ClassificationResult, truth: pd.Series | Sequence,
               predicted: pd.Series | Sequence) -> HeldOutScores | None:
    """Scores of the test rows whose label (`truth`) and prediction are both known; None when none is.

    A test label the data does not have is a class of its own (never predicted right); the baseline
    always predicts the data's most frequent class, as in cross-validation."""
    truth, predicted = pd.Series(truth).reset_index(drop=True), pd.Series(predicted).reset_index(drop=True)
    labelled = truth.notna().to_numpy()
    known = labelled & predicted.notna().to_numpy()
    if not known.any():
        return None
    lookup = {c: i for i, c in enumerate(result.classes)} | {str(c): i for i, c in enumerate(result.classes)}
    unseen = sorted({str(t) for t in truth[known] if t not in lookup and str(t) not in lookup})
    classes = [*result.classes, *unseen]
    lookup |= {c: len(result.classes) + i for i, c in enumerate(unseen)}
    codes = np.array([lookup.get(t, lookup.get(str(t))) for t in truth[known]], dtype=np.int64)
    guesses = np.array([lookup[p] for p in predicted[known]], dtype=np.int64)
    majority = np.full(len(codes), lookup[result.majority], dtype=np.int64)
    scores = _scores(codes, guesses, majority, np.zeros(len(codes), dtype=np.int64), classes, TEST)
    scores["std"] = np.nan
    names = np.asarray(classes, dtype=object)
    notes = []
    if unseen:
        notes.append(("unseen-test-classes", f"The test labels hold {len(unseen)} class(es) the data does not have "
                                             f"({', '.join(repr(c) for c in unseen[:10])}): the model cannot predict "
                                             "them, so their rows count as mistakes."))
    unscored = np.flatnonzero(~labelled)
    if len(unscored):
        notes.append(("unlabelled-test-rows", f"Scored the {int(known.sum()):,} test rows that have a label; "
                                              f"{describe_rows(unscored)} without one were predicted, not scored."))
    return HeldOutScores(scores, _confusion(names[codes], names[guesses], classes), int(known.sum()), tuple(unseen),
                      tuple(notes))


def _confusion(truth: np.ndarray, predicted: np.ndarray, classes: Sequence) -> pd.DataFrame:
    """Counts of true classes (rows) × predicted classes (columns), every class on both axes."""
    return pd.crosstab(pd.Categorical(truth, categories=classes), pd.Categorical(predicted, categories=classes),
                       rownames=["true"], colnames=["predicted"], dropna=False)


def fit(training: TrainingRows, model: Model = "logistic_regression", seed: int = 0) -> Classifier:
    """`model` fitted on every usable training row (`training_rows(vectors, labels)`)."""
    _check_model(model)
    data, y, _, dropped, notes = _usable(training)
    classes, codes = _classes(y)
    _check_classes(classes, codes, folds=1)
    return Classifier(_fit(model, data, codes, seed), model, tuple(classes), int(data.shape[1]), dropped,
                      tuple(notes))


def fit_predict(train_vectors: np.ndarray, train_labels: pd.Series | Sequence, test_vectors: np.ndarray,
                model: Model = "logistic_regression", seed: int = 0, progress: ProgressCallback | None = None,
                cancelled: CancelledCallback | None = None) -> PredictionResult:
    """Fit `model` on every usable training row and predict the test rows."""
    checkpoint(progress, cancelled, 0.0, "training")
    result = fit(training_rows(train_vectors, train_labels), model, seed).predict(test_vectors)
    checkpoint(progress, cancelled, 1.0, "done")
    return result


def check_labels(labels: pd.Series | Sequence, folds: int) -> None:
    """Raise AnalysisError when the labels (missing ones ignored) cannot be learned with `folds` folds."""
    present = pd.Series(labels).dropna().to_numpy(dtype=object)
    if len(present):
        _check_classes(*_classes(present), folds)


def _check_model(model: str) -> None:
    if model not in MODELS:
        raise ValueError(f"unknown model {model!r}; use one of {', '.join(MODELS)}")


def _check_folds(folds: int) -> None:
    if isinstance(folds, bool) or not isinstance(folds, (int, np.integer)) or folds < 2:
        raise AnalysisError(f"The number of folds must be a whole number of at least 2; it is {folds!r}.",
                            "invalid-folds")


def _usable(training: TrainingRows
            ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, list[tuple[str, str]]]:
    """Vectors and labels of the usable rows, their row numbers, the rows dropped, and notes on them."""
    if training.total == 0:
        raise AnalysisError("There are no rows to learn from.", "too-few-rows")
    notes = []
    no_label, bad = training.no_label, training.bad
    if len(no_label):
        notes.append(("missing-labels", f"Left out {describe_rows(no_label)} with no label."))
    if len(bad):
        notes.append(("nan-vectors", f"Left out {describe_rows(bad)} whose vectors hold NaN or infinite values."))
    if len(training.rows) == 0:
        raise AnalysisError(f"No row has both a label and a usable vector ({describe_rows(no_label)} have no "
                            "label). Choose the label column with the classes to learn.", "too-few-rows")
    if len(training.rows) == 1:
        raise AnalysisError("There is only one labelled row; a classifier needs at least two classes with several "
                            "rows each.", "too-few-rows")
    if len(zero_rows(training.vectors)) == len(training.rows):
        raise AnalysisError("Every vector is all zeros, so there is nothing to learn from (e.g. texts with no "
                            "known word). Check the block that made the vectors.", "zero-vectors")
    return training.vectors, training.labels, training.rows, np.union1d(no_label, bad), notes


def _classes(y: np.ndarray) -> tuple[list, np.ndarray]:
    """The sorted distinct labels (as text when they cannot be sorted) and each row's class number."""
    try:
        codes, classes = pd.factorize(y, sort=True)
    except TypeError:  # mixed types such as 1 and "a"
        codes, classes = pd.factorize(y.astype(str), sort=True)
    return list(classes), codes.astype(np.int64)


def _check_classes(classes: list, codes: np.ndarray, folds: int) -> None:
    if len(classes) > MAX_CLASSES:
        raise AnalysisError(f"The label column has {len(classes):,} different values; the classifier learns at "
                            f"most {MAX_CLASSES:,} classes. Choose a column of categories, not of names or ids.",
                            "too-many-classes")
    if len(classes) < 2:
        raise AnalysisError(f"Every labelled row has the same label ({classes[0]!r}); a classifier needs at least "
                            "two classes.", "too-few-classes")
    counts = np.bincount(codes, minlength=len(classes))
    small = [f"{classes[i]!r} ({counts[i]})" for i in np.flatnonzero(counts < folds)]
    if small:
        shown = ", ".join(small[:10]) + (f" and {len(small) - 10} more" if len(small) > 10 else "")
        raise AnalysisError(f"Each class needs at least as many rows as there are folds ({folds}); these have fewer: "
                            f"{shown}. Add rows, lower the folds, or leave those classes out.", "class-too-small")


def _fit(model: str, train: np.ndarray, y: np.ndarray, seed: int) -> Any:
    """The scikit-learn estimator of `model` fitted on class numbers `y`."""
    from sklearn.exceptions import ConvergenceWarning
    with warnings.catch_warnings():
        # A fit that stops at MAX_ITERATIONS still predicts well on embeddings; not the user's problem.
        warnings.simplefilter("ignore", ConvergenceWarning)
        return _estimator(model, len(train), seed).fit(train, y)


def _predict(model: str, fitted: Any, test: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Class numbers predicted for `test` and the probability of each prediction."""
    from scipy.special import softmax
    if model == "linear_svm":
        decision = fitted.decision_function(test)
        if decision.ndim == 1:  # two classes: one value, positive for the second
            decision = np.column_stack([np.zeros_like(decision), decision])
        probabilities = softmax(decision, axis=1)
    else:
        probabilities = fitted.predict_proba(test)
    best = probabilities.argmax(axis=1)
    return fitted.classes_[best].astype(np.int64), probabilities[np.arange(len(test)), best]


def _estimator(model: str, rows: int, seed: int):
    from sklearn.linear_model import LogisticRegression
    from sklearn.neighbors import KNeighborsClassifier
    from sklearn.svm import LinearSVC
    if model == "logistic_regression":
        return LogisticRegression(max_iter=MAX_ITERATIONS, random_state=seed)
    if model == "knn":
        return KNeighborsClassifier(n_neighbors=min(KNN_NEIGHBOURS, rows), metric="cosine", algorithm="brute")
    return LinearSVC(random_state=seed, max_iter=MAX_ITERATIONS)


def _scores(y: np.ndarray, predicted: np.ndarray, baseline: np.ndarray, folds: np.ndarray,
            classes: list, on: str = CROSS_VALIDATION) -> pd.DataFrame:
    """One row per score: mean and std over folds of the model, and the baseline's mean."""
    model = np.array([_fold_scores(y[folds == f], predicted[folds == f], len(classes)) for f in np.unique(folds)])
    majority = np.array([_fold_scores(y[folds == f], baseline[folds == f], len(classes)) for f in np.unique(folds)])
    names = [str(c) for c in classes]
    keys = [("accuracy", ""), ("macro F1", "")] + [("precision", c) for c in names] + [("recall", c) for c in names]
    return pd.DataFrame({"on": on, "metric": [k[0] for k in keys], "class": [k[1] for k in keys],
                         "value": model.mean(axis=0), "std": model.std(axis=0), "baseline": majority.mean(axis=0)},
                        columns=list(SCORE_COLUMNS))


def _fold_scores(truth: np.ndarray, guess: np.ndarray, n_classes: int) -> np.ndarray:
    """Accuracy, macro F1, then precision and recall of every class, from one fold's confusion counts.

    As scikit-learn's with zero_division=0: a class never predicted has precision 0, one absent
    from the fold recall 0, and macro F1 averages over every class."""
    counts = np.bincount(truth * n_classes + guess, minlength=n_classes * n_classes).reshape(n_classes, n_classes)
    hits = np.diag(counts).astype(np.float64)
    predicted, actual = counts.sum(axis=0), counts.sum(axis=1)
    precision = np.divide(hits, predicted, out=np.zeros(n_classes), where=predicted > 0)
    recall = np.divide(hits, actual, out=np.zeros(n_classes), where=actual > 0)
    f1 = np.divide(2 * hits, predicted + actual, out=np.zeros(n_classes), where=predicted + actual > 0)
    return np.concatenate([[hits.sum() / len(truth), f1.mean()], precision, recall])


def cross_validated_rows(data: Table, predictions: pd.DataFrame) -> Table:
    """The data rows with `predicted`, `probability`, `fold` and `correct` of `predictions` (indexed by row
    number in `data`; empty for the rows it does not have)."""
    meta = data.meta.copy()
    rows = predictions.index.to_numpy()
    predicted = np.full(len(meta), None, dtype=object)
    predicted[rows] = predictions["predicted"].to_numpy(dtype=object)
    probability = np.full(len(meta), np.nan)
    probability[rows] = predictions["probability"].to_numpy()
    fold = pd.array([pd.NA] * len(meta), dtype="Int64")
    fold[rows] = predictions["fold"].to_numpy()
    correct = pd.array([pd.NA] * len(meta), dtype="boolean")
    correct[rows] = predictions["correct"].to_numpy()
    for name, values in (("predicted", predicted), ("probability", probability), ("fold", fold),
                         ("correct", correct)):
        meta[name] = pd.Series(values, index=meta.index)
    return replace(data, meta=meta)


def predicted_rows(test: Table, predicted: PredictionResult) -> Table:
    """The test rows with `predicted` and `probability` (empty for rows it could not predict)."""
    meta = test.meta.copy()
    rows = range(len(meta))
    meta["predicted"] = predicted.predictions["predicted"].reindex(rows).to_numpy(dtype=object)
    meta["probability"] = predicted.predictions["probability"].reindex(rows).to_numpy()
    return replace(test, meta=meta)
