"""cross_validate() and fit_predict(): GloVe words learn their categories; bad labels get clear messages."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy.special import softmax
from sklearn.svm import LinearSVC

from embedflow.analysis import classification
from embedflow.analysis.checks import AnalysisError
from embedflow.analysis.classification import cross_validate, fit_predict, score_test
from embedflow.core.errors import Cancelled

from .real_data import category_words, word_vectors


@pytest.fixture(scope="module")
def words():
    return category_words()


def score(result, metric: str, name: str = "") -> pd.Series:
    rows = result.scores[(result.scores["metric"] == metric) & (result.scores["class"] == name)]
    assert len(rows) == 1
    return rows.iloc[0]


@pytest.mark.parametrize("model", ["logistic_regression", "knn", "linear_svm"])
def test_cross_validated_accuracy_is_well_above_the_majority_baseline(words, model):
    _, vectors, categories = words
    accuracy = score(cross_validate(vectors, categories, model=model), "accuracy")
    assert accuracy["baseline"] == pytest.approx(0.2)  # five classes of 12 words
    assert accuracy["value"] >= 0.9


def test_each_row_is_predicted_by_the_model_of_the_fold_it_was_held_out_of():
    # Labels that are pure chance: a model that had seen a row would recall it (50 dims, 60 rows),
    # a model that had not can only guess.
    rng = np.random.default_rng(0)
    vectors, labels = rng.standard_normal((60, 50)), pd.Series(rng.integers(0, 2, 60))
    result = cross_validate(vectors, labels)
    assert result.predictions["correct"].mean() < 0.75


def test_folds_are_stratified_and_cover_every_row_once(words):
    _, vectors, categories = words
    result = cross_validate(vectors, categories, folds=4)
    assert list(result.predictions.index) == list(range(len(vectors)))
    per_fold = pd.crosstab(result.predictions["fold"], result.predictions["label"])
    assert list(per_fold.index) == [1, 2, 3, 4] and (per_fold == 3).all().all()


def test_predictions_say_the_label_the_prediction_and_whether_it_was_right(words):
    _, vectors, categories = words
    predictions = cross_validate(vectors, categories).predictions
    assert list(predictions.columns) == ["label", "predicted", "probability", "fold", "correct"]
    assert list(predictions["label"]) == list(categories)
    assert (predictions["correct"] == (predictions["label"] == predictions["predicted"])).all()


def test_probability_is_that_of_the_predicted_class(words):
    _, vectors, categories = words
    for model in ("logistic_regression", "knn"):
        probability = cross_validate(vectors, categories, model=model).predictions["probability"]
        assert ((probability >= 1 / 5) & (probability <= 1)).all()
    knn = cross_validate(vectors, categories, model="knn").predictions["probability"]
    assert set(np.round(knn * classification.KNN_NEIGHBOURS, 6)) <= {1, 2, 3, 4, 5}


def test_linear_svm_probability_is_the_softmax_of_its_decision_values(words):
    _, vectors, categories = words
    result = fit_predict(vectors, categories, vectors[:3], model="linear_svm")
    svm = LinearSVC(random_state=0, max_iter=classification.MAX_ITERATIONS).fit(vectors, categories)
    expected = softmax(svm.decision_function(vectors[:3]), axis=1).max(axis=1)
    assert np.allclose(result.predictions["probability"], expected)
    assert "softmax" in result.probability


def test_scores_have_accuracy_macro_f1_and_per_class_precision_and_recall(words):
    _, vectors, categories = words
    scores = cross_validate(vectors, categories).scores
    assert list(scores.columns) == ["on", "metric", "class", "value", "std", "baseline"]
    assert set(scores["on"]) == {"cross-validation"}
    classes = sorted(set(categories))
    assert list(zip(scores["metric"], scores["class"])) == (
        [("accuracy", ""), ("macro F1", "")] + [("precision", c) for c in classes] + [("recall", c) for c in classes])


def test_scores_are_the_mean_over_folds_with_their_spread(words):
    _, vectors, categories = words
    result = cross_validate(vectors, categories, model="knn")
    per_fold = result.predictions.groupby("fold")["correct"].mean()
    accuracy = score(result, "accuracy")
    assert accuracy["value"] == pytest.approx(per_fold.mean())
    assert accuracy["std"] == pytest.approx(per_fold.std(ddof=0))


def test_baseline_always_predicts_the_most_frequent_class(words):
    _, vectors, categories = words
    keep = np.flatnonzero((categories != "fruits") | (np.arange(len(categories)) % 12 < 6))  # 6 fruits, 12 others
    result = cross_validate(vectors[keep], categories[keep])
    assert score(result, "accuracy")["baseline"] == pytest.approx(12 / 54, abs=0.02)
    assert score(result, "recall", "animals")["baseline"] == 1.0  # the first of the most frequent classes
    assert score(result, "recall", "colours")["baseline"] == 0.0


def test_confusion_matrix_is_true_classes_by_predicted_classes(words):
    _, vectors, categories = words
    labels = categories.replace({"fruits": "colours"})  # "orange" and a few others now look alike
    result = cross_validate(vectors, labels)
    confusion, predictions = result.confusion, result.predictions
    classes = sorted(set(labels))
    assert list(confusion.index) == list(confusion.columns) == classes
    assert confusion.index.name == "true" and confusion.columns.name == "predicted"
    for true in classes:
        for predicted in classes:
            assert confusion.loc[true, predicted] == ((predictions["label"] == true)
                                                      & (predictions["predicted"] == predicted)).sum()


def test_the_same_seed_gives_the_same_folds(words):
    _, vectors, categories = words
    first, second = cross_validate(vectors, categories, seed=4), cross_validate(vectors, categories, seed=4)
    assert first.predictions.equals(second.predictions)


def test_rows_without_a_label_are_dropped_and_reported(words):
    _, vectors, categories = words
    labels = categories.astype(object)
    labels[[3, 40]] = [None, np.nan]
    result = cross_validate(vectors, labels)
    assert list(result.dropped) == [3, 40]
    assert 3 not in result.predictions.index and 40 not in result.predictions.index
    assert "2 rows (3, 40) with no label" in dict(result.notes)["missing-labels"]


def test_rows_with_nan_vectors_are_dropped_and_reported(words):
    _, vectors, categories = words
    broken = vectors.copy()
    broken[7] = np.inf
    result = cross_validate(broken, categories)
    assert list(result.dropped) == [7] and "1 row (7)" in dict(result.notes)["nan-vectors"]


def test_fewer_than_two_classes_names_the_class(words):
    _, vectors, _ = words
    with pytest.raises(AnalysisError, match="same label .'animal'.") as error:
        cross_validate(vectors, ["animal"] * len(vectors))
    assert error.value.code == "too-few-classes"


def test_a_class_with_fewer_rows_than_folds_is_named(words):
    _, vectors, categories = words
    labels = categories.copy()
    labels[:3] = "planets"
    with pytest.raises(AnalysisError, match=r"folds \(5\); these have fewer: 'planets' \(3\)") as error:
        cross_validate(vectors, labels)
    assert error.value.code == "class-too-small"


def test_ten_thousand_classes_is_a_clear_message():
    vectors = np.random.default_rng(0).standard_normal((10_000, 8))
    with pytest.raises(AnalysisError, match="10,000 different values; the classifier learns at most 1,000") as error:
        cross_validate(vectors, pd.Series([f"id {i}" for i in range(10_000)]))
    assert error.value.code == "too-many-classes"


def test_all_zero_vectors_is_a_clear_message(words):
    _, _, categories = words
    with pytest.raises(AnalysisError, match="Every vector is all zeros") as error:
        cross_validate(np.zeros((len(categories), 50)), categories)
    assert error.value.code == "zero-vectors"


def test_one_row_is_a_clear_message(words):
    _, vectors, categories = words
    with pytest.raises(AnalysisError, match="only one labelled row") as error:
        cross_validate(vectors[:1], categories[:1])
    assert error.value.code == "too-few-rows"


def test_no_labelled_row_is_a_clear_message(words):
    _, vectors, _ = words
    with pytest.raises(AnalysisError, match="No row has both a label and a usable vector"):
        cross_validate(vectors, [None] * len(vectors))


def test_more_labels_than_vectors_is_a_clear_message(words):
    _, vectors, categories = words
    with pytest.raises(AnalysisError, match="60 vectors but 59 labels"):
        cross_validate(vectors, categories[:59])


@pytest.mark.parametrize("folds", [1, 0, 2.0])
def test_folds_must_be_a_whole_number_of_at_least_two(words, folds):
    _, vectors, categories = words
    with pytest.raises(AnalysisError, match="folds must be a whole number of at least 2"):
        cross_validate(vectors, categories, folds=folds)


def test_cancel_stops_between_folds(words):
    _, vectors, categories = words
    calls = []

    def cancelled() -> bool:
        calls.append(1)
        return len(calls) > 2

    with pytest.raises(Cancelled):
        cross_validate(vectors, categories, cancelled=cancelled)
    assert len(calls) == 3


@pytest.mark.parametrize("model", ["logistic_regression", "knn", "linear_svm"])
def test_fit_predict_puts_new_words_in_their_categories(words, model):
    _, vectors, categories = words
    new = ["giraffe", "peru", "twenty", "magenta", "apricot"]
    result = fit_predict(vectors, categories, word_vectors(new), model=model)
    assert list(result.predictions["predicted"]) == ["animals", "countries", "numbers", "colours", "fruits"]
    assert list(result.predictions.index) == [0, 1, 2, 3, 4]


def test_fit_predict_skips_test_rows_with_nan_vectors(words):
    _, vectors, categories = words
    test = word_vectors(["giraffe", "peru", "twenty"])
    test[1] = np.nan
    result = fit_predict(vectors, categories, test)
    assert list(result.predictions.index) == [0, 2] and list(result.skipped) == [1]
    assert "1 row (1)" in dict(result.notes)["nan-vectors"]


def test_fit_predict_refuses_test_vectors_of_another_length(words):
    _, vectors, categories = words
    with pytest.raises(AnalysisError, match="test vectors have 3 numbers each but the training vectors 50") as error:
        fit_predict(vectors, categories, np.ones((2, 3)))
    assert error.value.code == "dimension-mismatch"


def test_fit_predict_needs_two_classes(words):
    _, vectors, _ = words
    with pytest.raises(AnalysisError, match="at least two classes"):
        fit_predict(vectors, ["x"] * len(vectors), vectors[:2])


def test_scores_are_scikit_learns_per_fold_metrics(words):
    from sklearn.metrics import f1_score, precision_score, recall_score

    _, vectors, categories = words
    labels = categories.where(np.arange(len(categories)) % 4 != 0, "colours")  # noisy labels: mistakes to score
    result = cross_validate(vectors, labels, model="knn")
    p = result.predictions
    folds = [p[p["fold"] == f] for f in range(1, 6)]
    classes = list(result.classes)
    assert score(result, "macro F1")["value"] == pytest.approx(np.mean(
        [f1_score(f["label"], f["predicted"], labels=classes, average="macro", zero_division=0) for f in folds]))
    for i, name in enumerate(classes):
        assert score(result, "precision", name)["value"] == pytest.approx(np.mean(
            [precision_score(f["label"], f["predicted"], labels=classes, average=None, zero_division=0)[i]
             for f in folds]))
        assert score(result, "recall", name)["value"] == pytest.approx(np.mean(
            [recall_score(f["label"], f["predicted"], labels=classes, average=None, zero_division=0)[i]
             for f in folds]))


def test_a_fitted_classifier_pickles_and_predicts_as_fit_predict(words):
    import pickle

    _, vectors, categories = words
    fitted = classification.fit(classification.training_rows(vectors[::2], categories[::2]), "knn")
    again = pickle.loads(pickle.dumps(fitted))
    expected = fit_predict(vectors[::2], categories[::2], vectors[1::2], model="knn").predictions
    pd.testing.assert_frame_equal(again.predict(vectors[1::2]).predictions, expected)


def test_training_rows_of_parts_cross_validate_as_the_whole(words):
    _, vectors, categories = words
    labels = pd.Series(categories, dtype=object)
    labels[[3, 40]] = None
    parts = [classification.training_rows(vectors[a:b], labels[a:b], a) for a, b in ((0, 25), (25, 60))]
    joined = classification.cross_validate_rows(classification.join(parts))
    whole = cross_validate(vectors, labels)
    pd.testing.assert_frame_equal(joined.predictions, whole.predictions)
    assert joined.notes == whole.notes


def test_test_rows_with_labels_are_scored_against_the_data_majority_baseline(words):
    _, vectors, categories = words
    result = cross_validate(vectors, categories)
    truth = pd.Series(["animals", "animals", "colours", "fruits"])
    predicted = pd.Series(["animals", "colours", "colours", "colours"])
    held_out = score_test(result, truth, predicted)
    scores = held_out.scores
    assert set(scores["on"]) == {"test"} and held_out.scored == 4
    accuracy = scores[(scores["metric"] == "accuracy") & (scores["class"] == "")].iloc[0]
    assert accuracy["value"] == pytest.approx(0.5) and np.isnan(accuracy["std"])
    assert accuracy["baseline"] == pytest.approx(0.5)  # the data's most frequent class: 'animals' (first on a tie)
    recall = scores[(scores["metric"] == "recall") & (scores["class"] == "animals")]["value"].iloc[0]
    precision = scores[(scores["metric"] == "precision") & (scores["class"] == "colours")]["value"].iloc[0]
    assert recall == pytest.approx(0.5) and precision == pytest.approx(1 / 3)
    assert held_out.confusion.loc["fruits", "colours"] == 1 and held_out.confusion.loc["animals", "animals"] == 1


def test_test_rows_without_a_label_or_a_prediction_are_not_scored(words):
    _, vectors, categories = words
    result = cross_validate(vectors, categories)
    held_out = score_test(result, pd.Series(["animals", None, "colours"]), pd.Series(["animals", "animals", None]))
    assert held_out.scored == 1
    assert "1 row (1) without one" in dict(held_out.notes)["unlabelled-test-rows"]
    assert score_test(result, pd.Series([None, np.nan]), pd.Series(["animals", "colours"])) is None


def test_a_test_class_the_data_does_not_have_counts_as_mistakes_and_is_named(words):
    _, vectors, categories = words
    result = cross_validate(vectors, categories)
    held_out = score_test(result, pd.Series(["animals", "planets"]), pd.Series(["animals", "animals"]))
    assert held_out.unseen == ("planets",)
    assert "'planets'" in dict(held_out.notes)["unseen-test-classes"]
    accuracy = held_out.scores[held_out.scores["metric"] == "accuracy"]["value"].iloc[0]
    assert accuracy == pytest.approx(0.5)
    assert list(held_out.confusion.columns)[-1] == "planets"
