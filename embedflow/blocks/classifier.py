"""Classifier block: learns a label column from the vectors, scored honestly by stratified cross-validation."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any, Iterable, Mapping

import numpy as np
import pandas as pd

from ..analysis.checks import AnalysisError
from ..analysis.classification import (
    MODELS,
    ClassificationResult,
    Classifier,
    HeldOutScores,
    PredictionResult,
    TrainingRows,
    check_labels,
    cross_validate,
    cross_validate_rows,
    fit,
    fit_predict,
    join,
    score_test,
    training_rows,
    untested_note,
)
from ..analysis.spaces import space_mismatch, table_space, upstream_space
from ..core.cluster import Cluster, part_starts
from ..core.context import NodeContext
from ..core.diagnostics import Diagnostic, Severity, ValidationContext, error
from ..core.errors import NodeError
from ..core.ports import EMBEDDINGS, TABLE
from ..core.specs import NodeSpec, OutputDescription, Port, Setting
from ..core.table import Table
from ..core.workflow import Node
from ..io.outputs import format_size

TYPE = "classifier"


@dataclass(frozen=True)
class ClassifierView:
    """What the editor shows beside the outputs: every data row with its cross-validated prediction, and the
    labelled test rows with theirs when the test input carries the label."""

    rows: Table
    label: str
    classes: tuple[str, ...]
    test: Table | None = None


MISMATCH_USE = "a model trained on one embedding space cannot read vectors of another"
HINTS = {
    "too-few-rows": "Give it more rows that have a label.",
    "too-few-classes": "Choose a column with at least two different values, or add rows of another class.",
    "class-too-small": "Add rows to those classes, lower the folds, or leave those classes out.",
    "too-many-classes": "Choose a column of categories, not of names or ids.",
    "zero-vectors": "Check the block that made the vectors.",
    "invalid-folds": "Set the folds to 2 or more.",
    "dimension-mismatch": "Embed data and test with the same model.",
    "label-length-mismatch": "",
    "no-vectors": "Link the output of an embedding block (Text Embedding or Image Embedding).",
}


def columns_text(columns: Iterable[Any]) -> str:
    """The column names as a user reads them in a message."""
    return ", ".join(f"'{c}'" for c in columns) or "none"


def label_problem(table: Table, label: str) -> tuple[str, str, str] | None:
    """(code, message, hint) when `label` cannot be the column to learn in `table`, else None."""
    if not label:
        return ("label-not-set", f"no label column is chosen (the input's columns: {columns_text(table.columns)}).",
                "Choose the column with the classes to learn in the block's settings.")
    if label not in table.meta.columns:
        return ("label-not-a-column", f"the label '{label}' is not a column of its data; the columns there are "
                                      f"{columns_text(table.columns)}.", "Choose one of those columns as the label.")
    return None


def confusion_table(result: ClassificationResult, held_out: HeldOutScores | None = None) -> Table:
    """The confusion matrices as a table: `on` (cross-validation, then test), `true`, then one column of counts
    per predicted class."""
    frames = []
    for on, confusion in (("cross-validation", result.confusion),
                          ("test", None if held_out is None else held_out.confusion)):
        if confusion is None:
            continue
        frame = confusion.copy()
        frame.columns = [str(c) for c in frame.columns]
        frame.insert(0, "true", [str(c) for c in frame.index])
        frame.insert(0, "on", on)
        frames.append(frame.reset_index(drop=True))
    frame = pd.concat(frames, ignore_index=True).fillna(0)
    classes = frame.columns[2:]
    frame[classes] = frame[classes].astype(np.int64)
    return Table(frame, feature="true")


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


def score_sentence(scores: pd.DataFrame, folds: int) -> str:
    """'accuracy 0.95 ± 0.03 (baseline 0.20), macro F1 …' from the scores table."""
    parts = []
    for metric in ("accuracy", "macro F1"):
        row = scores[(scores["metric"] == metric) & (scores["class"] == "")].iloc[0]
        parts.append(f"{metric} {row['value']:.2f} ± {row['std']:.2f} (baseline {row['baseline']:.2f})")
    return f"{', '.join(parts)}, over {folds} folds"


def held_out_sentence(held_out: HeldOutScores) -> str:
    """'test (120 labelled rows): accuracy 0.93 (baseline 0.25), macro F1 …' from the test scores."""
    parts = []
    for metric in ("accuracy", "macro F1"):
        row = held_out.scores[(held_out.scores["metric"] == metric) & (held_out.scores["class"] == "")].iloc[0]
        parts.append(f"{metric} {row['value']:.2f} (baseline {row['baseline']:.2f})")
    return f"test ({held_out.scored:,} labelled rows): {', '.join(parts)}"


def held_out_scores(ctx: NodeContext, result: ClassificationResult, truth: pd.Series,
                    predicted: pd.Series) -> HeldOutScores | None:
    """The test scores when some test rows carry a label (`truth`), with their notes reported; else None."""
    held_out = score_test(result, truth, predicted)
    if held_out is not None:
        for code, note in held_out.notes:
            ctx.report(Severity.WARNING if code == "unseen-test-classes" else Severity.INFO, code, note)
        ctx.summary = f"{held_out_sentence(held_out)}; cross-validation: {ctx.summary}"  # the test leads
    return held_out


def _analysis_error(ctx: NodeContext, exc: AnalysisError, label: str) -> NodeError:
    return NodeError(f"{ctx.title}: {exc} (label column '{label}')", exc.code, HINTS.get(exc.code, ""))


def _vectors(ctx: NodeContext, table: Table, name: str) -> np.ndarray:
    if table.vectors is None:
        raise NodeError(f"{ctx.title}: its {name} input has no vectors.", "no-vectors", HINTS["no-vectors"])
    return table.vectors


def run(ctx: NodeContext) -> dict[str, Any]:
    """Cross-validate the classifier on `data`; with `test`, also fit on all of `data` and predict `test`."""
    data: Table = ctx.inputs["data"]
    test: Table | None = ctx.inputs.get("test")
    label, model, folds, seed = (ctx.settings["label"], ctx.settings["model"], int(ctx.settings["folds"]),
                                 int(ctx.settings["seed"]))
    vectors = _vectors(ctx, data, "data")
    problem = label_problem(data, label)
    if problem:
        code, message, hint = problem
        raise NodeError(f"{ctx.title}: {message}", code, hint)
    if test is not None:
        test_vectors = _vectors(ctx, test, "test")
        mismatch = space_mismatch(table_space(data), table_space(test), "data", "test", MISMATCH_USE)
        if mismatch:
            code, message, hint = mismatch
            raise NodeError(f"{ctx.title}: {message}", code, hint)
    share = 0.8 if test is not None else 1.0
    try:
        result = cross_validate(vectors, data.meta[label], model, folds, seed,
                                progress=lambda f, m: ctx.progress(share * f, m), cancelled=lambda: ctx.cancelled)
        predicted = None if test is None else fit_predict(
            vectors, data.meta[label], test_vectors, model, seed,
            progress=lambda f, m: ctx.progress(share + (1 - share) * f, f"test: {m}"), cancelled=lambda: ctx.cancelled)
    except AnalysisError as exc:
        raise _analysis_error(ctx, exc, label) from None
    for code, note in result.notes:
        ctx.report(Severity.WARNING, code, note, "Rows without a label can be predicted through the test input."
                   if code == "missing-labels" else "")
    if predicted is not None:
        for code, note in predicted.notes:
            if code == "nan-vectors" and len(predicted.skipped):
                ctx.report(Severity.WARNING, code, note)
    ctx.summary = f"{len(result.classes)} classes: {score_sentence(result.scores, folds)}"
    cross_validated = cross_validated_rows(data, result.predictions)
    classes = tuple(str(c) for c in result.classes)
    if predicted is None or test is None:
        ctx.view = ClassifierView(cross_validated, label, classes)
        return {"predictions": cross_validated, **_score_tables(result, model)}
    predictions = predicted_rows(test, predicted)
    ctx.summary += f"; {len(predicted.predictions):,} test rows predicted"
    scored = _labels_and_predictions(predictions, label)
    held_out = held_out_scores(ctx, result, scored["label"], scored["predicted"])
    ctx.view = ClassifierView(cross_validated, label, classes, predictions if held_out is not None else None)
    return {"predictions": predictions, **_score_tables(result, model, held_out)}


def predicted_rows(test: Table, predicted: PredictionResult) -> Table:
    """The test rows with `predicted` and `probability` (empty for rows it could not predict)."""
    meta = test.meta.copy()
    rows = range(len(meta))
    meta["predicted"] = predicted.predictions["predicted"].reindex(rows).to_numpy(dtype=object)
    meta["probability"] = predicted.predictions["probability"].reindex(rows).to_numpy()
    return replace(test, meta=meta)


def _score_tables(result: ClassificationResult, model: str,
                  held_out: HeldOutScores | None = None) -> dict[str, Table]:
    frame = result.scores if held_out is None else pd.concat([result.scores, held_out.scores], ignore_index=True)
    scores = Table(frame, provenance={"model": model, "probability": result.probability})
    return {"scores": scores, "confusion": confusion_table(result, held_out)}


def check(context: ValidationContext, node: Node) -> Iterable[Diagnostic]:
    """Data and test from one model; once the data is known, `label` is one of its columns with learnable classes."""
    settings = context.settings(node)
    if context.source_of(node, "test") is not None:
        found = space_mismatch(upstream_space(context, node, "data"), upstream_space(context, node, "test"),
                               "data", "test", MISMATCH_USE)
        if found:
            code, message, hint = found
            link = context.link_into(node, "test")
            yield error(code, f"“{node.title}”: {message}", hint, node_id=node.id,
                        link_id=link.id if link is not None else None)
    source = context.source_of(node, "data")
    value = context.output_of(*source) if source else None
    label = str(settings.get("label") or "")
    if not isinstance(value, Table):
        if not label:
            yield error("label-not-set", f"“{node.title}”: no label column is chosen.",
                        "Choose the column with the classes to learn in the block's settings.", node_id=node.id)
        return
    problem = label_problem(value, label)
    if problem:
        code, message, hint = problem
        yield error(code, f"“{node.title}”: {message}", hint, node_id=node.id)
        return
    folds = settings.get("folds")
    try:
        check_labels(value.meta[label], folds if isinstance(folds, int) and folds >= 2 else 2)
    except AnalysisError as exc:
        yield error(exc.code, f"“{node.title}”: {exc} (label column '{label}')", HINTS.get(exc.code, ""),
                    node_id=node.id)


def describe(settings: Mapping[str, Any], port: str, upstream: Any) -> OutputDescription | None:
    """Predictions keep the vectors of the rows they predict (test when linked, else data)."""
    if port != "predictions":
        return None
    return upstream("test") or upstream("data")


# -- on a Dask cluster (NodeSpec.on_cluster; docs/analysis.md) ------------------------------------------
def _head(part: Table) -> tuple[int, Table]:
    """The part's rows, and the part without rows (its columns, provenance and vector length)."""
    return len(part), part.take(np.zeros(0, dtype=np.int64))


def _training_part(part: Table, label: str, first_row: int) -> tuple[TrainingRows, pd.DataFrame]:
    """The part's usable labelled rows, and their label and feature columns (for the block's view)."""
    training = training_rows(_vectors_of(part), part.meta[label], first_row)
    columns = list(dict.fromkeys(c for c in (part.feature, label) if c in part.meta.columns))
    local = training.rows - first_row
    return training, part.meta[columns].iloc[local].reset_index(drop=True)


def _vectors_of(part: Table) -> np.ndarray:
    assert part.vectors is not None
    return part.vectors


def _predict_part(classifier: Classifier, part: Table) -> tuple[Table, np.ndarray]:
    predicted = classifier.predict(_vectors_of(part))
    return predicted_rows(part, predicted), predicted.skipped


def _table(outcome: tuple[Table, np.ndarray]) -> Table:
    return outcome[0]


def _skipped(outcome: tuple[Table, np.ndarray]) -> np.ndarray:
    return outcome[1]


def run_on_cluster(ctx: NodeContext, cluster: Cluster) -> dict[str, Any] | None:
    """Cross-validate and fit here on the labelled rows brought from the workers; predict every partition
    where it lives, so the predictions stay on the workers."""
    data: Table | None = ctx.inputs.get("data")
    test: Table | None = ctx.inputs.get("test")
    label, model, folds, seed = (ctx.settings["label"], ctx.settings["model"], int(ctx.settings["folds"]),
                                 int(ctx.settings["seed"]))
    data_parts = cluster.parts("data") or [cluster.share(data)]
    test_parts = cluster.parts("test")
    data_heads = cluster.gather([cluster.submit(_head, part) for part in data_parts], "parts checked")
    first = part_starts(rows for rows, _ in data_heads)
    head = data_heads[0][1]
    _vectors(ctx, head, "data")
    problem = label_problem(head, label)
    if problem:
        code, message, hint = problem
        raise NodeError(f"{ctx.title}: {message}", code, hint)
    test_head = None
    if test is not None:
        test_head = test if test_parts is None else cluster.gather([cluster.submit(_head, test_parts[0])])[0][1]
        _vectors(ctx, test_head, "test")
        mismatch = space_mismatch(table_space(head), table_space(test_head), "data", "test", MISMATCH_USE)
        if mismatch:
            code, message, hint = mismatch
            raise NodeError(f"{ctx.title}: {message}", code, hint)
    pieces = cluster.gather([cluster.submit(_training_part, part, label, int(first[n]))
                             for n, part in enumerate(data_parts)], "labelled rows brought")
    training = join([piece for piece, _ in pieces])
    shown = pd.concat([columns for _, columns in pieces], ignore_index=True)
    share = 0.7 if test is not None else 0.9
    try:
        result = cross_validate_rows(training, model, folds, seed, progress=lambda f, m: ctx.progress(share * f, m),
                                     cancelled=lambda: ctx.cancelled)
        classifier = fit(training, model, seed) if test is not None else None
    except AnalysisError as exc:
        raise _analysis_error(ctx, exc, label) from None
    for code, note in result.notes:
        ctx.report(Severity.WARNING, code, note, "Rows without a label can be predicted through the test input."
                   if code == "missing-labels" else "")
    brought = training.nbytes + int(shown.memory_usage(index=False, deep=True).sum())
    ctx.report(Severity.INFO, "gathered-from-cluster",
               f"“{ctx.title}” brought the {len(training.rows):,} labelled rows of its data (of {training.total:,}: "
               f"their vectors, labels and the rows left out, {format_size(brought)}) to this computer to "
               f"cross-validate{' and fit' if classifier else ''}; the predictions were made on the workers and "
               "stayed there.")
    ctx.summary = f"{len(result.classes)} classes: {score_sentence(result.scores, folds)}"
    ctx.view = ClassifierView(cross_validated_rows(Table(shown, feature=head.feature),
                                                   result.predictions.reset_index(drop=True)),
                              label, tuple(str(c) for c in result.classes))
    ctx.progress(share, "predicting on the cluster")
    if classifier is None:
        rows = result.predictions.index.to_numpy()
        handles = []
        for n, part in enumerate(data_parts):
            inside = (rows >= first[n]) & (rows < first[n + 1])
            part_predictions = result.predictions[inside].set_axis(rows[inside] - first[n])
            handles.append(cluster.submit(cross_validated_rows, part, part_predictions))
        return {"predictions": cluster.output(handles), **_score_tables(result, model)}
    if test_parts is None:
        assert test is not None
        predicted = classifier.predict(_vectors(ctx, test, "test"))
        outputs: Any = predicted_rows(test, predicted)
        skipped, predicted_count = predicted.skipped, len(predicted.predictions)
        scored = _labels_and_predictions(outputs, label)
    else:
        shared = cluster.share(classifier)
        outcomes = [cluster.submit(_predict_part, shared, part) for part in test_parts]
        test_rows = cluster.rows("test")
        test_first = part_starts(test_rows)
        skipped = np.concatenate([s + test_first[n] for n, s in enumerate(cluster.gather(
            [cluster.submit(_skipped, o) for o in outcomes], "partitions predicted"))])
        outputs = cluster.output([cluster.submit(_table, o) for o in outcomes])
        predicted_count = int(test_first[-1]) - len(skipped)
        scored = pd.concat(cluster.gather([cluster.submit(_labels_and_predictions, cluster.submit(_table, o), label)
                                           for o in outcomes], "test labels brought"), ignore_index=True)
    if len(skipped):
        ctx.report(Severity.WARNING, *untested_note(skipped))
    ctx.summary += f"; {predicted_count:,} test rows predicted"
    held_out = held_out_scores(ctx, result, scored["label"], scored["predicted"])
    return {"predictions": outputs, **_score_tables(result, model, held_out)}


def _labels_and_predictions(predicted: Table, label: str) -> pd.DataFrame:
    """The test rows' `label` (None without the column) and `predicted`, for scoring where the labels are."""
    meta = predicted.meta
    labels = meta[label] if label in meta.columns else pd.Series([None] * len(meta), index=meta.index)
    return pd.DataFrame({"label": labels.to_numpy(dtype=object), "predicted": meta["predicted"].to_numpy(dtype=object)})


SPEC = NodeSpec(
    type=TYPE,
    title="Classifier",
    category="Analysis",
    description="Learn a label column from the vectors (logistic regression, k-NN or a linear SVM), tested by "
                "cross-validation against the majority-class baseline; optionally predict new rows.",
    icon="classifier",
    inputs=(
        Port("data", EMBEDDINGS, description="The rows to learn from, with a label column."),
        Port("test", EMBEDDINGS, required=False,
             description="Rows to predict with a model fitted on all of data (same embedding model)."),
    ),
    outputs=(
        Port("predictions", EMBEDDINGS, description="Every row with predicted, probability, fold and correct "
                                                    "(with test: the test rows with predicted and probability)."),
        Port("scores", TABLE, description="on, metric, class, value, std, baseline: accuracy, macro F1, per-class "
                                          "precision and recall, on cross-validation and, when the test rows "
                                          "carry the label, on the test rows."),
        Port("confusion", TABLE, description="The confusion matrices (on: cross-validation, test): one row per "
                                             "true class, one column per predicted class."),
    ),
    settings=(
        Setting("label", "column", "", label="Label", help="The column to learn (required)."),
        Setting("model", "choice", "logistic_regression", label="Model", choices=MODELS,
                help="logistic_regression: linear, with probabilities; knn: the label of most of the 5 nearest "
                     "rows (cosine); linear_svm: a linear support vector machine."),
        Setting("folds", "int", 5, label="Folds", minimum=2, maximum=100, code="invalid-folds",
                help="Stratified cross-validation: each row is predicted by a model trained on the other folds."),
        Setting("seed", "int", 0, label="Seed", minimum=0, maximum=2**31 - 1,
                help="How the rows are shuffled into folds; the same seed gives the same folds."),
    ),
    run=run,
    on_cluster=run_on_cluster,
    check=check,
    describes_output=describe,
    preload=("sklearn.exceptions", "sklearn.linear_model", "sklearn.model_selection", "sklearn.neighbors",
             "sklearn.svm", "scipy.special"),
    help_page="classifier",
)
