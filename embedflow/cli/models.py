"""`embedflow models`: list language and image models; download, add or evaluate language models."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from ..core.sizes import format_size
from ..text import models
from ..text.models import LanguageModelError
from ..text.vectors_io import FORMATS


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The options of `embedflow models`."""
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--download", metavar="NAME", help="download a language model from the gensim-data catalogue")
    group.add_argument("--add", metavar="PATH",
                       help="add your own word vectors (word2vec binary/text, GloVe text, fastText .bin)")
    group.add_argument("--evaluate", metavar="NAME",
                       help="report WordSim-353 and SimLex-999 Spearman and analogy accuracy of a language model")
    group.add_argument("--add-remote", metavar="NAME",
                       help="add an OpenAI-compatible embedding server (POST /v1/embeddings) as a language model")
    group.add_argument("--clear-cache", action="store_true",
                       help="delete the embedding caches (vectors of texts and images kept between runs)")
    parser.add_argument("--name", help="the name of the model added with --add")
    parser.add_argument("--url", help="with --add-remote: the server's base URL, e.g. http://127.0.0.1:11434")
    parser.add_argument("--model", help="with --add-remote: the model name the server knows")
    parser.add_argument("--key-env", default="", metavar="VAR",
                        help="with --add-remote: the environment variable holding the API key "
                             "(the key is never stored)")
    parser.add_argument("--dims", type=int, default=0,
                        help="with --add-remote: the vector size to expect (a different one is reported as a change)")
    parser.add_argument("--batch-deadline", type=float, default=None, metavar="SECONDS",
                        help="with --add-remote: the longest one request may take, retries included (default 120)")
    parser.add_argument("--run-deadline", type=float, default=None, metavar="SECONDS",
                        help="with --add-remote: the longest a block may spend on the server in one run "
                             "(default 3600)")
    parser.add_argument("--format", default="auto", choices=FORMATS,
                        help="the format of the file added with --add (default: guessed from its content)")
    parser.add_argument("--analogy-vocab", type=int, default=30_000,
                        help="with --evaluate: answers are searched among this many most frequent words")


def main(args: argparse.Namespace) -> int:
    """Run `embedflow models`; returns the exit code."""
    try:
        if args.download:
            return _download(args.download)
        if args.add:
            return _add(args)
        if args.evaluate:
            return _evaluate(args.evaluate, args.analogy_vocab)
        if args.add_remote:
            return _add_remote(args)
        if args.clear_cache:
            return _clear_cache()
    except LanguageModelError as exc:
        print(f"embedflow models: {exc}", file=sys.stderr)
        return 1
    _print_table(describe_all())
    return 0


def _clear_cache() -> int:
    from ..io.embedding_store import clear_stores, store_path

    for kind, freed in clear_stores().items():
        print(f"{kind}: {format_size(freed) + ' freed' if freed else 'nothing to clear'} ({store_path(kind)})")
    return 0


def describe_all() -> list[dict[str, Any]]:
    """One dict per language model, then per image model (when the image catalogue exists)."""
    rows = [{"id": m.id, "name": m.name, "kind": str(m.kind), "dims": m.dims, "size_bytes": m.size_bytes,
             "available": m.available, "location": m.location, "source": m.source,
             "tokenizer": _tokenizer_text(m), "vocab_size": m.vocab_size, "positions": m.max_positions}
            for m in models.list_models()]
    try:
        from ..images.catalog import describe_models
    except ImportError:
        return rows
    for row in describe_models():
        rows.append({**row, "source": "image catalogue"})
    return rows


def _tokenizer_text(info: models.LanguageModelInfo) -> str:
    if info.id == models.USE_ID:
        return f"SentencePiece, {info.vocab_size:,} pieces, case kept"
    if info.kind == models.ModelKind.TRANSFORMER:
        return f"WordPiece, {info.vocab_size:,} pieces, lower-case"
    if info.kind == models.ModelKind.REMOTE:
        return "the server's own"
    return info.tokenizer.describe()


def _print_table(rows: list[dict[str, Any]]) -> None:
    header = ("id", "kind", "dims", "positions", "size", "status", "where")
    lines = [header]
    for row in rows:
        if row.get("source") == "trained":
            status = "trained when run"
        elif row.get("source") == "remote":
            status = "remote"
        else:
            status = "available" if row["available"] else ("install" if row["kind"] == "transformer" else "download")
        size = "-" if row.get("source") in ("trained", "remote") else format_size(row.get("size_bytes"))
        lines.append((row["id"], row["kind"], str(row.get("dims") or "?"), str(row.get("positions") or "-"), size,
                      status, str(row.get("location") or "")))
    widths = [max(len(line[i]) for line in lines) for i in range(len(header) - 1)]
    for line in lines:
        print("  ".join(cell.ljust(width) for cell, width in zip(line, widths)) + "  " + line[-1])


def _progress_printer():
    last = {"shown": -1}

    def show(fraction: float, message: str) -> None:
        percent = int(fraction * 100)
        if percent != last["shown"]:
            last["shown"] = percent
            print(f"\r{percent:3d}% {message}".ljust(79), end="", file=sys.stderr, flush=True)

    return show


def _download(name: str) -> int:
    from ..images import catalog as image_catalog
    from ..text import gensim_data

    if name in image_catalog.CATALOG:
        return _download_image_model(image_catalog.CATALOG[name])
    info = models.get_info(name)
    if info is not None and info.available and info.source != "trained":
        print(f"{name} is already available ({info.location}).")
        return 0
    entry = gensim_data.CATALOGUE.get(name)
    if entry is None:
        raise LanguageModelError(f"'{name}' is not in the gensim-data catalogue. Downloadable models: "
                                 f"{', '.join(gensim_data.CATALOGUE)}.")
    print(f"Downloading {name} ({format_size(entry.file_size)}) from {entry.url()}", file=sys.stderr)
    stored = gensim_data.download(name, progress=_progress_printer())
    print(file=sys.stderr)
    print(f"{name}: {stored.vocab_size:,} words × {stored.dims} dims in {stored.location}")
    return 0


def _download_image_model(model: Any) -> int:
    """Fetch (or, for SqueezeNet, build) an image model of embedflow.images.catalog."""
    from ..images.catalog import model_file

    if model.available and not model.builtin:
        print(f"{model.id} is already available ({model.location}).")
        return 0
    if model.url:
        print(f"Downloading {model.id} ({format_size(model.size_bytes)}) from {model.download_url()}", file=sys.stderr)
    show = _progress_printer()
    path = model_file(model, progress=lambda done, total: show(done / total if total else 0.0,
                                                                format_size(done)))
    print(file=sys.stderr)
    print(f"{model.id}: {model.dims}-d image vectors in {path}")
    return 0


def _add(args: argparse.Namespace) -> int:
    from ..text.models import add_model

    if not args.name:
        raise LanguageModelError("Give the new model a name with --name NAME.")
    info = add_model(args.add, args.name, args.format)
    print(f"Added {info.id}: {info.vocab_size:,} words × {info.dims} dims ({info.tokenizer.describe()}) "
          f"in {info.location}")
    return 0


def _add_remote(args: argparse.Namespace) -> int:
    if not args.url or not args.model:
        raise LanguageModelError("--add-remote needs the server's address (--url URL) and its model name (--model M).")
    info = models.add_remote(args.add_remote, args.url, args.model, args.key_env, args.dims,
                             batch_deadline=args.batch_deadline, run_deadline=args.run_deadline)
    key = f"the API key is read from ${args.key_env} at each run" if args.key_env else "no API key"
    print(f"Added {info.id}: model '{args.model}' at {info.location} ({key}); "
          f"stored in {models.remote_file(info.id)}")
    return 0


def _evaluate(name: str, analogy_vocab: int) -> int:
    from ..text.evaluate import evaluate, evaluate_sentence_model

    info = models.get_info(name)
    if info is None:
        raise LanguageModelError(f"There is no language model called '{name}'. Known models: "
                                 f"{', '.join(models.known_ids())}.")
    if info.kind == models.ModelKind.REMOTE:
        raise LanguageModelError(f"{name} is a remote model; embedflow evaluates the models it runs itself.")
    if info.kind == models.ModelKind.TRANSFORMER:
        print(f"Evaluating {name}: each word of the pairs embedded as a one-word sentence …", file=sys.stderr)
        for line in evaluate_sentence_model(name).lines():
            print(line)
        return 0
    if info.source == "trained":
        raise LanguageModelError(f"{name} is trained inside a workflow; there is no fixed model to evaluate.")
    model = models.load(name, progress=_progress_printer())
    print(f"Loaded {name} in {model.load_seconds:.2f} s", file=sys.stderr)
    # The analogy test is gensim's loop over 14,877 questions: say so rather than sit silent for a minute.
    print(f"Evaluating: word pairs, then analogies among the {analogy_vocab:,} most frequent words "
          "(about a minute; a smaller --analogy-vocab is faster) …", file=sys.stderr)
    for line in evaluate(model, analogy_vocab).lines():
        print(line)
    return 0
