"""The gensim-data catalogue of word-vector models, and downloading one into the model folder.

The table is a copy of gensim-data's list.json (sizes, record counts, md5 checksums), kept in our
code because embedflow must list models without reaching GitHub. Files are fetched from
`$EMBEDFLOW_GENSIM_DATA_URL/<id>/<id>.gz` (default: the gensim-data GitHub releases).
"""

from __future__ import annotations

import hashlib
import os
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from ..core.errors import Cancelled
from ..core.sizes import format_size
from ..io.user_dirs import cache_dir
from . import vectors_io
from .model_store import LanguageModelError, LanguageModelInfo, store_vectors, stored_folder, stored_info
from .tokenizer import TokenizerSpec

DEFAULT_BASE_URL = "https://github.com/RaRe-Technologies/gensim-data/releases/download"
_GLOVE = TokenizerSpec(lowercase=True, punctuation=False, numbers="keep")
_CASED = TokenizerSpec(lowercase=False, punctuation=False, numbers="keep")
_GOOGLE_NEWS = TokenizerSpec(lowercase=False, punctuation=False, numbers="hash")


@dataclass(frozen=True)
class CatalogueEntry:
    """One downloadable model: its .gz file's size and md5, and how to read and tokenize it."""

    id: str
    name: str
    dims: int
    vocab_size: int
    file_size: int
    md5: str
    binary: bool
    tokenizer: TokenizerSpec
    description: str

    def url(self) -> str:
        """Where the .gz file is downloaded from."""
        return f"{base_url()}/{self.id}/{self.id}.gz"

    def info(self, available: bool) -> LanguageModelInfo:
        """The registry entry for this model (before it is downloaded)."""
        return LanguageModelInfo(self.id, self.name, self.dims, self.vocab_size, self.tokenizer, "gensim-data",
                                 self.file_size, available, self.url(), self.description)


def base_url() -> str:
    """The catalogue's download base URL (EMBEDFLOW_GENSIM_DATA_URL overrides it)."""
    return os.environ.get("EMBEDFLOW_GENSIM_DATA_URL", DEFAULT_BASE_URL).rstrip("/")


def _entry(model_id: str, name: str, dims: int, vocab: int, size: int, md5: str, tokenizer: TokenizerSpec,
           description: str, binary: bool = False) -> CatalogueEntry:
    return CatalogueEntry(model_id, name, dims, vocab, size, md5, binary, tokenizer, description)


CATALOGUE: dict[str, CatalogueEntry] = {e.id: e for e in (
    _entry("glove-wiki-gigaword-50", "GloVe Wikipedia+Gigaword, 50 dimensions", 50, 400_000, 69_182_535,
           "c289bc5d7f2f02c6dc9f2f9b67641813", _GLOVE, "Wikipedia 2014 + Gigaword 5, 6B tokens, uncased."),
    _entry("glove-wiki-gigaword-100", "GloVe Wikipedia+Gigaword, 100 dimensions", 100, 400_000, 134_300_434,
           "40ec481866001177b8cd4cb0df92924f", _GLOVE, "Wikipedia 2014 + Gigaword 5, 6B tokens, uncased."),
    _entry("glove-wiki-gigaword-200", "GloVe Wikipedia+Gigaword, 200 dimensions", 200, 400_000, 264_336_934,
           "59652db361b7a87ee73834a6c391dfc1", _GLOVE, "Wikipedia 2014 + Gigaword 5, 6B tokens, uncased."),
    _entry("glove-wiki-gigaword-300", "GloVe Wikipedia+Gigaword, 300 dimensions", 300, 400_000, 394_362_229,
           "29e9329ac2241937d55b852e8284e89b", _GLOVE, "Wikipedia 2014 + Gigaword 5, 6B tokens, uncased."),
    _entry("glove-twitter-25", "GloVe Twitter, 25 dimensions", 25, 1_193_514, 109_885_004,
           "50db0211d7e7a2dcd362c6b774762793", _GLOVE, "2B tweets, 27B tokens, 1.2M words, uncased."),
    _entry("glove-twitter-50", "GloVe Twitter, 50 dimensions", 50, 1_193_514, 209_216_938,
           "c168f18641f8c8a00fe30984c4799b2b", _GLOVE, "2B tweets, 27B tokens, 1.2M words, uncased."),
    _entry("glove-twitter-100", "GloVe Twitter, 100 dimensions", 100, 1_193_514, 405_932_991,
           "b04f7bed38756d64cf55b58ce7e97b15", _GLOVE, "2B tweets, 27B tokens, 1.2M words, uncased."),
    _entry("glove-twitter-200", "GloVe Twitter, 200 dimensions", 200, 1_193_514, 795_373_100,
           "e52e8392d1860b95d5308a525817d8f9", _GLOVE, "2B tweets, 27B tokens, 1.2M words, uncased."),
    _entry("word2vec-google-news-300", "word2vec Google News, 300 dimensions", 300, 3_000_000, 1_743_563_840,
           "a5e5354d40acb95f9ec66d5977d140ef", _GOOGLE_NEWS,
           "Google News (about 100 billion words); 3M cased words and phrases.", binary=True),
    _entry("fasttext-wiki-news-subwords-300", "fastText Wikipedia+News, 300 dimensions", 300, 999_999,
           1_005_007_116, "de2bb3a20c46ce65c9c131e1ad9a77af", _CASED,
           "1M cased word vectors trained with sub-word information on Wikipedia 2017, UMBC and news (16B tokens)."),
    _entry("conceptnet-numberbatch-17-06-300", "ConceptNet Numberbatch 17.06, 300 dimensions", 300, 1_917_247,
           1_225_497_562, "fd642d457adcd0ea94da0cd21b150847", _GLOVE,
           "Multilingual vectors from ConceptNet, word2vec, GloVe and OpenSubtitles; words look like /c/en/word."),
)}


ProgressFunction = Callable[[float, str], None]


def download(model_id: str, progress: ProgressFunction | None = None,
             cancel: threading.Event | None = None) -> LanguageModelInfo:
    """Download a catalogue model, check its size and md5, and store it as a ready-to-load model."""
    entry = CATALOGUE.get(model_id)
    if entry is None:
        raise LanguageModelError(f"'{model_id}' is not in the gensim-data catalogue. "
                                 f"Downloadable models: {', '.join(CATALOGUE)}.")
    # An editor's Download button and a run of the block may ask for the same model at once: the
    # second waits, then finds it stored, instead of sharing (and deleting) the first one's archive.
    with _DOWNLOAD_LOCKS.setdefault(entry.id, threading.Lock()):
        stored = stored_info(stored_folder(entry.id))
        if stored is not None and stored.available:
            if progress:
                progress(1.0, f"{entry.id} is ready")
            return stored
        return _download_and_store(entry, progress, cancel)


_DOWNLOAD_LOCKS: dict[str, threading.Lock] = {}


def _download_and_store(entry: CatalogueEntry, progress: ProgressFunction | None,
                        cancel: threading.Event | None) -> LanguageModelInfo:
    from ..io.downloads import DownloadError
    from ..io.downloads import download as fetch

    archive = cache_dir("downloads") / f"{entry.id}.gz"

    def report(done: int, total: int | None) -> None:
        if progress:
            size = total or entry.file_size
            progress(0.9 * done / size if size else 0.0,
                     f"Downloading {entry.id}: {format_size(done)} of {format_size(size)}")

    try:
        fetch(entry.url(), archive, size=entry.file_size, progress=report, cancel=cancel)
    except Cancelled:
        raise
    except DownloadError as exc:
        raise LanguageModelError(f"Could not download the language model {entry.id}: {exc}") from None
    if file_md5(archive) != entry.md5:
        archive.unlink(missing_ok=True)
        raise LanguageModelError(f"The downloaded file for {entry.id} is damaged or not the expected one "
                                 "(its md5 checksum differs); it was deleted. Try again.")
    if progress:
        progress(0.9, f"Preparing {entry.id} (reading {entry.vocab_size:,} word vectors)")
    words, vectors = vectors_io.read_word2vec(archive, binary=entry.binary)
    info = store_vectors(entry.id, entry.name, words, vectors, "gensim-data", entry.tokenizer,
                         entry.description)
    archive.unlink(missing_ok=True)
    if progress:
        progress(1.0, f"{entry.id} is ready")
    return info


def file_md5(path: Path) -> str:
    """Hex md5 of a file (gensim-data publishes md5 checksums)."""
    digest = hashlib.md5()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()

