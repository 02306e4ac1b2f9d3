"""Word-vector quality on gensim's bundled test sets: WordSim-353, SimLex-999 and the Google analogies."""

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


def _number(value: float) -> float:
    value = float(value)
    return value if math.isfinite(value) else float("nan")
