"""Classifier block: learns a label column from the vectors, scored honestly by stratified cross-validation."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ..analysis.checks import AnalysisError
from ..analysis.classification import (
    MODELS,
    ClassificationResult,
    HeldOutScores,
    check_labels,
    cross_validate,
    cross_validate_rows,
    cross_validated_rows,
    fit,
    fit_predict,
    predicted_rows,
    score_test,
    untested_note,
)
from ..analysis.partitioned.classification import PartitionedClassification, labels_and_predictions
from ..analysis.spaces import space_mismatch, table_space, upstream_space
from ..core.cluster import Cluster
from ..core.context import NodeContext
from ..core.diagnostics import Diagnostic, Severity, ValidationContext, error
from ..core.errors import NodeError
from ..core.ports import EMBEDDINGS, TABLE
from ..core.sizes import format_size
from ..core.specs import Execution, NodeSpec, OutputDescription, Port, Setting
from ..core.table import Table
from ..core.workflow import Node

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
    _check_label(ctx, data, label)
    if test is not None:
        test_vectors = _vectors(ctx, test, "test")
        _check_spaces(ctx, data, test)
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
    scored = labels_and_predictions(predictions, label)
    held_out = held_out_scores(ctx, result, scored["label"], scored["predicted"])
    ctx.view = ClassifierView(cross_validated, label, classes, predictions if held_out is not None else None)
    return {"predictions": predictions, **_score_tables(result, model, held_out)}


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


def _check_label(ctx: NodeContext, data: Table, label: str) -> None:
    problem = label_problem(data, label)
    if problem:
        code, message, hint = problem
        raise NodeError(f"{ctx.title}: {message}", code, hint)


def _check_spaces(ctx: NodeContext, data: Table, test: Table) -> None:
    mismatch = space_mismatch(table_space(data), table_space(test), "data", "test", MISMATCH_USE)
    if mismatch:
        code, message, hint = mismatch
        raise NodeError(f"{ctx.title}: {message}", code, hint)


# -- on a Dask cluster: the kernel of analysis/partitioned/classification.py; docs/analysis.md ------------
def run_on_cluster(ctx: NodeContext, cluster: Cluster) -> dict[str, Any] | None:
    """Cross-validate and fit here on the labelled rows brought from the workers; predict every partition
    where it lives, so the predictions stay on the workers."""
    test: Table | None = ctx.inputs.get("test")
    label, model, folds, seed = (ctx.settings["label"], ctx.settings["model"], int(ctx.settings["folds"]),
                                 int(ctx.settings["seed"]))
    on_parts = PartitionedClassification(cluster, cluster.parts("data") or [cluster.share(ctx.inputs.get("data"))])
    _vectors(ctx, on_parts.head, "data")
    _check_label(ctx, on_parts.head, label)
    test_parts = cluster.parts("test")
    if test is not None:
        test_head = test if test_parts is None else on_parts.head_of(test_parts[0])
        _vectors(ctx, test_head, "test")
        _check_spaces(ctx, on_parts.head, test_head)
    training, shown = on_parts.training(label)
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
    ctx.view = ClassifierView(cross_validated_rows(Table(shown, feature=on_parts.head.feature),
                                                   result.predictions.reset_index(drop=True)),
                              label, tuple(str(c) for c in result.classes))
    ctx.progress(share, "predicting on the cluster")
    if classifier is None:
        return {"predictions": on_parts.cross_validated(result.predictions), **_score_tables(result, model)}
    if test_parts is None:
        assert test is not None
        predicted = classifier.predict(_vectors(ctx, test, "test"))
        outputs: Any = predicted_rows(test, predicted)
        skipped, predicted_count = predicted.skipped, len(predicted.predictions)
        scored = labels_and_predictions(outputs, label)
    else:
        outputs, skipped, scored = on_parts.predict(classifier, test_parts, cluster.rows("test"), label)
        predicted_count = sum(cluster.rows("test")) - len(skipped)
    if len(skipped):
        ctx.report(Severity.WARNING, *untested_note(skipped))
    ctx.summary += f"; {predicted_count:,} test rows predicted"
    held_out = held_out_scores(ctx, result, scored["label"], scored["predicted"])
    return {"predictions": outputs, **_score_tables(result, model, held_out)}



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
    check=check,
    describes_output=describe,
    execution=Execution(preload=("sklearn.exceptions", "sklearn.linear_model", "sklearn.model_selection",
                                 "sklearn.neighbors", "sklearn.svm", "scipy.special"), on_cluster=run_on_cluster),
    help_page="classifier",
)
