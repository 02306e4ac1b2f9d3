"""Word-vector quality on gensim's bundled test sets: WordSim-353, SimLex-999 and the Google analogies.

A sentence model is scored on the two word-pair sets too, each word embedded as a one-word
sentence. No labelled sentence-similarity set (STS-B, SICK) ships with any installed package,
and analogies need a table of word vectors to search, so neither is reported for it.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

import numpy as np

from .models import LanguageModel

ANALOGY_VOCAB = 30_000


@dataclass(frozen=True)
class Evaluation:
    """Spearman correlations with human similarity judgements, and analogy accuracy."""

    model: str
    wordsim353_spearman: float
    wordsim353_oov: float
    simlex999_spearman: float
    simlex999_oov: float
    analogy_accuracy: float
    analogy_questions: int
    analogy_vocab: int
    seconds: float

    def lines(self) -> list[str]:
        """A human-readable report, one figure per line."""
        return [
            f"Model: {self.model}",
            f"WordSim-353 Spearman: {self.wordsim353_spearman:.3f} ({self.wordsim353_oov:.1%} of pairs unknown)",
            f"SimLex-999 Spearman:  {self.simlex999_spearman:.3f} ({self.simlex999_oov:.1%} of pairs unknown)",
            f"Analogy accuracy:     {self.analogy_accuracy:.1%} of {self.analogy_questions:,} questions "
            f"(Google analogies, answers among the {self.analogy_vocab:,} most frequent words)",
            f"Evaluated in {self.seconds:.1f} s",
        ]


def keyed_vectors(model: LanguageModel):
    """The model as gensim KeyedVectors (a copy of the vectors)."""
    from gensim.models import KeyedVectors

    keyed = KeyedVectors(vector_size=model.vectors.shape[1])
    keyed.add_vectors(model.words.to_pylist(), np.asarray(model.vectors, dtype=np.float32))
    return keyed


def evaluate(model: LanguageModel, analogy_vocab: int = ANALOGY_VOCAB) -> Evaluation:
    """Run the three benchmarks; words are compared case-insensitively as gensim does by default."""
    from gensim.test.utils import datapath

    started = time.perf_counter()
    keyed = keyed_vectors(model)
    _, wordsim, wordsim_oov = keyed.evaluate_word_pairs(datapath("wordsim353.tsv"))
    _, simlex, simlex_oov = keyed.evaluate_word_pairs(datapath("simlex999.txt"))
    accuracy, sections = keyed.evaluate_word_analogies(datapath("questions-words.txt"),
                                                       restrict_vocab=analogy_vocab)
    total = next((s for s in sections if s["section"] == "Total accuracy"), None)
    questions = len(total["correct"]) + len(total["incorrect"]) if total else 0
    return Evaluation(model.id, _number(wordsim.statistic if hasattr(wordsim, "statistic") else wordsim[0]),
                      wordsim_oov / 100.0,
                      _number(simlex.statistic if hasattr(simlex, "statistic") else simlex[0]), simlex_oov / 100.0,
                      float(accuracy), questions, analogy_vocab, time.perf_counter() - started)


@dataclass(frozen=True)
class SentenceEvaluation:
    """WordSim-353 and SimLex-999 Spearman of a sentence model, words embedded one by one."""

    model: str
    wordsim353_spearman: float
    simlex999_spearman: float
    words: int
    seconds: float

    def lines(self) -> list[str]:
        """A human-readable report, including what does not apply."""
        return [
            f"Model: {self.model} (transformer; {self.words:,} distinct words embedded as one-word sentences)",
            f"WordSim-353 Spearman: {self.wordsim353_spearman:.3f} (no pair unknown: word pieces cover every word)",
            f"SimLex-999 Spearman:  {self.simlex999_spearman:.3f}",
            "Analogies: not applicable (a sentence model has no table of word vectors to search for answers)",
            "Sentence similarity: no labelled sentence-level set (such as STS-B) ships with an installed "
            "package, so none is reported",
            f"Evaluated in {self.seconds:.1f} s",
        ]


def _pair_words(path: str) -> list[str]:
    """Distinct words of a gensim word-pair file (tab-separated, # comments), lower-cased."""
    words: set[str] = set()
    with open(path, encoding="utf-8") as handle:
        for line in handle:
            if line.startswith("#"):
                continue
            parts = line.rstrip("\n").split("\t")
            if len(parts) >= 3:
                words.update(part.lower() for part in parts[:2])
    return sorted(words)


def evaluate_sentence_model(model_id: str) -> SentenceEvaluation:
    """Word-pair Spearman of a sentence model through gensim's own scoring."""
    from gensim.models import KeyedVectors
    from gensim.test.utils import datapath

    from .transformer import process_model

    started = time.perf_counter()
    files = [datapath("wordsim353.tsv"), datapath("simlex999.txt")]
    words = sorted({word for path in files for word in _pair_words(path)})
    model = process_model(model_id)
    keyed = KeyedVectors(vector_size=model.info.dims)
    keyed.add_vectors(words, model.encode(words, 16))
    scores = [_spearman(keyed.evaluate_word_pairs(path)[1]) for path in files]
    return SentenceEvaluation(model_id, scores[0], scores[1], len(words), time.perf_counter() - started)


def _spearman(result: object) -> float:
    """The statistic of scipy's Spearman result (an object in new scipy, a tuple in old)."""
    return _number(result.statistic if hasattr(result, "statistic") else result[0])  # type: ignore[index]


def _number(value: float) -> float:
    value = float(value)
    return value if math.isfinite(value) else float("nan")
