"""Text Encoding block: tokenizes the input's text feature with a language model's tokenizer and vocabulary.

Word-vector models map words to vocabulary ids; the transformer cuts text into its WordPiece
pieces with [CLS]/[SEP] and an attention mask; a remote model gets the text itself, so the
encoding passes it through and counts characters.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ..analysis.projection import row_list
from ..core.context import NodeContext
from ..core.diagnostics import Diagnostic, Severity, ValidationContext, error, warning
from ..core.errors import EmbedflowError, NodeError
from ..core.ports import ENCODED_TEXT, TABLE
from ..core.specs import EmbeddingKind, Execution, NodeSpec, OutputDescription, Port, RowWise, Setting
from ..core.table import EncodedText, Table
from ..core.workflow import Node
from ..io.tables import IMAGE_SUFFIXES
from ..text.encoding import MAX_SEQUENCE_LENGTH, MIN_SEQUENCE_LENGTH, PAD_ID, UNKNOWN_ID, NotText, encode, text_values
from ..text.model_checks import language_model_diagnostics, model_fingerprint
from ..text.model_ids import BUILTIN_ID, TRAINED_IDS, ModelKind
from ..text.scripts import mixed_script_rows

if TYPE_CHECKING:  # the model registry loads when the block runs, not with the block list
    from ..text import models
    from ..text.models import LanguageModelInfo
    from ..text.transformer import SentenceModel

# Rows tokenized per step by the transformer's tokenizer: progress and cancel between steps.
TRANSFORMER_CHUNK = 4096

TYPE = "text_encoding"
LOWERCASE = ("auto", "yes", "no")
SEQUENCE_LENGTH_DEFAULT = 64


def _feature_problem(table: Table) -> str | None:
    """Why the table's feature cannot be encoded as text, or None."""
    column = feature_column(table)
    if column is None:
        return "the input has no text column to encode"
    try:
        sample, _ = text_values(table.meta[column].head(200))
    except NotText as exc:
        return f"its feature column '{column}' holds {exc}, not text"
    values = [value.lower() for value in sample.to_pylist() if value]
    if values and sum(value.endswith(IMAGE_SUFFIXES) for value in values) > len(values) / 2:
        return f"its feature column '{column}' holds image files, not text"
    return None


def feature_column(table: Table) -> str | None:
    """The column the block encodes: the table's feature, else its first text column."""
    if table.feature and table.feature in table.meta.columns:
        return table.feature
    for column in table.meta.columns:
        if pd.api.types.is_string_dtype(table.meta[column]) or pd.api.types.is_object_dtype(table.meta[column]):
            return str(column)
    return None


def check(context: ValidationContext, node: Node) -> Iterable[Diagnostic]:
    """Static checks: the model must be known (and is it downloaded?), the feature must be text."""
    yield from language_model_diagnostics(context, node, warn_download=True)
    yield from _model_length_diagnostics(context, node)
    yield from _unused_settings_diagnostics(context, node)
    source = context.source_of(node, "data")
    if source is None:
        return
    upstream, port = source
    value = context.output_of(upstream, port)
    problem = _feature_problem(value) if isinstance(value, Table) else None
    if problem is None and value is None:
        description = context.describe(upstream, port)
        if description is not None and description.kind == EmbeddingKind.IMAGE:
            problem = "it holds images, not text"
    if problem:
        yield error("feature-not-text", f"“{node.title}” cannot encode the output of “{upstream.title}”: {problem}.",
                    "Choose a text column as the Input's feature, or use Image Embedding for images.",
                    node_id=node.id)


def _model_length_diagnostics(context: ValidationContext, node: Node) -> Iterable[Diagnostic]:
    """A transformer reads at most its number of positions: say which model and what its limit is."""
    from ..text import models

    # The stored length as the user typed it: context.settings puts the default in place of a bad one.
    model_id = context.settings(node).get("language_model")
    length = node.settings.get("sequence_length", context.settings(node).get("sequence_length"))
    info = models.get_info(model_id) if isinstance(model_id, str) else None
    if info is None or not info.max_positions or isinstance(length, bool) or not isinstance(length, int):
        return
    if not MIN_SEQUENCE_LENGTH <= length <= info.max_positions:
        yield error("sequence-length-out-of-range",
                    f"“{node.title}”: the sequence length {length} is outside what {model_id} can read: "
                    f"{MIN_SEQUENCE_LENGTH} to {info.max_positions} word pieces.",
                    f"Choose a sequence length from {MIN_SEQUENCE_LENGTH} to {info.max_positions}.",
                    node_id=node.id)


def _unused_settings_diagnostics(context: ValidationContext, node: Node) -> Iterable[Diagnostic]:
    """setting-not-used: a choice the user made that this kind of model does not read."""
    from ..text import models

    settings = context.settings(node)
    model_id = settings.get("language_model")
    info = models.get_info(model_id) if isinstance(model_id, str) else None
    if info is None or info.kind not in (ModelKind.TRANSFORMER, ModelKind.REMOTE):
        return
    unused = []
    if settings.get("lowercase", "auto") != "auto":
        unused.append(f"Lower-case '{settings['lowercase']}'")
    length = node.settings.get("sequence_length")
    if info.kind == ModelKind.REMOTE and length is not None and length != SEQUENCE_LENGTH_DEFAULT:
        unused.append(f"Sequence length {length}")
    if not unused:
        return
    who = ("its server tokenizes and cuts the text" if info.kind == ModelKind.REMOTE
           else "its own word-piece tokenizer decides the case")
    yield warning("setting-not-used",
                  f"“{node.title}”: {' and '.join(unused)} {'have' if len(unused) > 1 else 'has'} no effect with "
                  f"{model_id}: {who}.",
                  "It matters for word-vector models only: leave it at its default to silence this.", node_id=node.id)


def lowercase_choice(choice: str) -> bool | None:
    """The lowercase setting as the tokenizer's override: None for auto."""
    return None if choice == "auto" else choice == "yes"


def run(ctx: NodeContext) -> dict[str, Any]:
    """Encode the text feature into token ids of a fixed sequence length."""
    from ..text import models

    table: Table = ctx.inputs["data"]
    model_id = ctx.settings["language_model"]
    length = ctx.settings["sequence_length"]
    whole = isinstance(length, int) and not isinstance(length, bool)
    if not whole or not MIN_SEQUENCE_LENGTH <= length <= MAX_SEQUENCE_LENGTH:
        raise NodeError(f"Sequence length must be a whole number from {MIN_SEQUENCE_LENGTH} to "
                        f"{MAX_SEQUENCE_LENGTH}, not {length!r}.", "sequence-length-out-of-range")
    if len(table) == 0:
        raise NodeError(f"“{ctx.title}” got a table with no rows, so there is no text to encode.", "empty-input",
                        "Check the Input's file, or the block before this one.")
    column = feature_column(table)
    problem = _feature_problem(table)
    if problem or column is None:
        raise NodeError(f"“{ctx.title}” cannot encode this input: {problem}.", "feature-not-text",
                        "Choose a text column as the Input's feature, or use Image Embedding for images.")
    try:
        texts, numeric_rows = text_values(table.meta[column])
    except NotText as exc:
        raise NodeError(f"“{ctx.title}”: the column '{column}' holds {exc}, not text.", "feature-not-text",
                        "Choose a text column as the Input's feature.") from None
    if len(numeric_rows):
        ctx.report(Severity.WARNING, "numbers-as-text",
                   f"{len(numeric_rows):,} row(s) of '{column}' hold numbers, not text; they were encoded as "
                   f"text (rows {row_list(numeric_rows + ctx.first_row)}).")
    info = models.get_info(model_id)
    if info is not None and info.kind == ModelKind.TRANSFORMER:
        return {"encoded": _encode_transformer(ctx, table, column, texts, length)}
    if info is not None and info.kind == ModelKind.REMOTE:
        return {"encoded": _pass_through(ctx, info, table, column, texts)}
    model, key = _model(ctx, model_id, texts)
    ctx.check_cancelled()
    encoding = encode(texts, model, length, lowercase_choice(ctx.settings["lowercase"]),
                      progress=lambda f, m: ctx.progress(0.1 + 0.85 * f, m))
    if encoding.empty_rows.size:
        ctx.report(Severity.WARNING, "empty-rows",
                   f"{len(encoding.empty_rows):,} row(s) are empty after tokenization (no words in them): "
                   f"rows {row_list(encoding.empty_rows + ctx.first_row)}.",
                   "Text Embedding drops them, or gives them zero vectors if you choose so.")
    if encoding.truncated_rows.size:
        ctx.report(Severity.INFO, "text-truncated",
                   f"{len(encoding.truncated_rows):,} row(s) have more than {length} tokens and were cut at "
                   f"{length} (rows {row_list(encoding.truncated_rows + ctx.first_row)}).",
                   "Raise the sequence length to use more of each text.")
    ctx.summary = "; ".join([
        known_share(encoding.known_tokens, encoding.total_tokens),
        *row_counts(((len(encoding.empty_rows), "empty after tokenization"),
                     (len(encoding.unknown_only_rows), "with no word the model knows"))),
        f"{len(table):,} {'row' if len(table) == 1 else 'rows'} × {length} tokens with {model_id}"
        + (f" (loaded in {model.load_seconds:.1f} s)" if model.load_seconds >= 0.05 else "")])
    encoded = EncodedText(
        ids=encoding.ids, lengths=encoding.lengths, language_model=model_id, table=table,
        vocabulary=model.words, pad_id=PAD_ID,
        provenance={"model": model_id, "model_key": key, "column": column, "unknown_id": UNKNOWN_ID,
                    "extra_words": encoding.extra_words, "coverage": encoding.coverage,
                    "total_tokens": encoding.total_tokens, "known_tokens": encoding.known_tokens,
                    "lowercase": lowercase_choice(ctx.settings["lowercase"])})
    return {"encoded": encoded}


def _sentence_model(ctx: NodeContext, model_id: str) -> SentenceModel:
    """The process's transformer session (loaded once), or language-model-unavailable."""
    from ..text.transformer import process_model
    ctx.progress(0.0, f"Loading {model_id}")
    try:
        return process_model(model_id)
    except EmbedflowError as exc:
        raise NodeError(str(exc), "language-model-unavailable") from None


def _encode_transformer(ctx: NodeContext, table: Table, column: str, texts: pa.Array, length: int) -> EncodedText:
    """Word-piece ids with [CLS]/[SEP] (<s>/</s>), attention mask and lengths, cut at `length` pieces."""
    model_id = ctx.settings["language_model"]
    model = _sentence_model(ctx, model_id)
    model.check_sequence_length(length)
    values = [text or "" for text in texts.to_pylist()]
    n = len(values)
    ids = np.zeros((n, length), dtype=np.int32)
    lengths = np.zeros(n, dtype=np.int32)
    truncated: list[np.ndarray] = []
    for start in range(0, n, TRANSFORMER_CHUNK):
        ctx.progress(0.05 + 0.9 * start / n, f"Cut {start:,} of {n:,} rows into word pieces")
        part = model.tokenize(values[start:start + TRANSFORMER_CHUNK], length)
        ids[start:start + len(part.lengths)] = part.ids
        lengths[start:start + len(part.lengths)] = part.lengths
        truncated.append(part.truncated_rows + start)
    mask = (np.arange(length)[None, :] < lengths[:, None]).astype(np.int8)
    truncated_rows = np.concatenate(truncated) if truncated else np.array([], dtype=np.int64)
    empty_rows = np.flatnonzero(lengths <= 2)
    unknown = (ids == model.unknown_id) & (mask > 0)  # the padding may share the unknown piece's id (<unk> = 0)
    unknown_rows = np.flatnonzero(unknown.any(axis=1))
    filler = np.isin(ids, model.filler_ids) & (mask > 0)
    only_unknown = np.flatnonzero(unknown.any(axis=1) & (filler.sum(axis=1) == lengths - 2))
    real = int((lengths - 2).clip(min=0).sum())
    unknown_share = int(np.count_nonzero(unknown)) / real if real else 0.0
    if empty_rows.size:
        ctx.report(Severity.WARNING, "empty-rows",
                   f"{len(empty_rows):,} row(s) have no text (empty, blank or missing): rows {row_list(empty_rows)}.",
                   "Text Embedding drops them, or gives them zero vectors if you choose so.")
    if truncated_rows.size:
        ctx.report(Severity.INFO, "text-truncated",
                   f"{len(truncated_rows):,} row(s) have more than {length - 2} word pieces and were cut at "
                   f"{length} positions, [CLS] and [SEP] included (rows {row_list(truncated_rows)}).",
                   f"Raise the sequence length (up to {model.info.max_positions}) to use more of each text.")
    if only_unknown.size:
        ctx.report(Severity.WARNING, "only-unknown-pieces",
                   f"{len(only_unknown):,} row(s) are made only of characters {model_id} has no piece for (emoji, "
                   f"rare symbols), so their vectors say nothing about their meaning: rows {row_list(only_unknown)}.",
                   "Check those rows' text; leave them out if they carry no words.")
    mixed = mixed_script_rows(values)
    if mixed:
        ctx.report(Severity.INFO, "mixed-scripts",
                   f"{len(mixed):,} row(s) mix writing systems: "
                   + "; ".join(f"row {row} ({', '.join(scripts)})" for row, scripts in mixed[:10])
                   + (f" and {len(mixed) - 10:,} more" if len(mixed) > 10 else "") + ".",
                   "Fine for a multilingual model; for an English one the other script's words become rare "
                   "pieces. Look-alike letters from another alphabet (Cyrillic а for Latin a) also show here.")
    if unknown_rows.size:
        ctx.report(Severity.INFO, "unknown-pieces",
                   f"{unknown_share:.1%} of the word pieces are {model.unknown_piece}, characters {model_id} has no "
                   f"piece for (emoji, rare symbols), in rows {row_list(unknown_rows)}.",
                   "Words are never unknown to a word-piece tokenizer; only such characters are.")
    ctx.summary = "; ".join([
        f"{len(table):,} {'row' if len(table) == 1 else 'rows'} × {length} word pieces with {model_id}",
        *([f"{unknown_share:.1%} of pieces unknown"] if unknown_share else []),
        *row_counts(((len(truncated_rows), "cut"), (len(empty_rows), "without text")))])
    return EncodedText(
        ids=ids, lengths=lengths, language_model=model_id, table=table, pad_id=0, attention_mask=mask,
        provenance={"model": model_id, "model_key": model_id, "kind": str(ModelKind.TRANSFORMER), "column": column,
                    "unknown_id": model.unknown_id, "unknown_share": unknown_share,
                    "truncated_rows": len(truncated_rows), "empty_rows": len(empty_rows)})


def _pass_through(ctx: NodeContext, info: LanguageModelInfo, table: Table, column: str,
                  texts: pa.Array) -> EncodedText:
    """A remote model tokenizes on its server: hand the text on, with its length in characters."""
    lengths = np.asarray(pc.fill_null(pc.utf8_length(texts), 0).to_numpy(zero_copy_only=False), dtype=np.int32)
    blank = np.asarray(pc.fill_null(pc.utf8_is_space(texts), True).to_numpy(zero_copy_only=False), dtype=bool)
    empty_rows = np.flatnonzero(blank | (lengths == 0))
    if empty_rows.size:
        ctx.report(Severity.WARNING, "empty-rows",
                   f"{len(empty_rows):,} row(s) have no text (empty, blank or missing): rows {row_list(empty_rows)}.",
                   "Text Embedding does not send them to the server; it drops them or gives them zero vectors.")
    ctx.summary = (f"{len(table):,} rows of text passed through for the remote model {info.id} "
                   f"({int(lengths.sum()):,} characters, the longest {int(lengths.max(initial=0)):,}); "
                   "the server tokenizes")
    return EncodedText(
        ids=np.zeros((len(table), 0), dtype=np.int32), lengths=lengths, language_model=info.id, table=table,
        provenance={"model": info.id, "model_key": info.id, "kind": str(ModelKind.REMOTE), "column": column,
                    "empty_rows": len(empty_rows)})


def _model(ctx: NodeContext, model_id: str, texts) -> tuple[models.LanguageModel, str]:
    """The language model (downloaded or trained first if need be) and the key it is kept under."""
    from ..text import models
    from ..text.models import LanguageModelError

    if models.get_info(model_id) is None:
        raise NodeError(f"There is no language model called '{model_id}'.", "unknown-language-model",
                        f"Choose one of: {', '.join(models.known_ids())}.")
    if model_id in models.TRAINED_IDS:
        from ..text.encoding import tokenize_in_chunks
        from ..text.training import train

        base = models.load(models.BUILTIN_ID)
        corpus = tokenize_in_chunks(texts, base, lowercase_choice(ctx.settings["lowercase"]))
        try:
            return train(model_id, corpus, progress=lambda f, m: ctx.progress(0.1 * f, m),
                         check_cancelled=ctx.check_cancelled)
        except ValueError:
            raise NodeError(f"“{ctx.title}” found no words in the input to train {model_id} on.",
                            "empty-input", "Give it a text column with words in it.") from None
    # TF-IDF + LSA counts GloVe's words: one vocabulary, so encodings of different texts share their ids.
    stored_id = models.BUILTIN_ID if model_id == models.LSA_ID else model_id
    ctx.progress(0.0, f"Loading {stored_id}")
    try:
        model = models.load(stored_id, progress=lambda f, m: ctx.progress(0.1 * f, m),
                            cancel=ctx.cancel_event)
    except LanguageModelError as exc:
        raise NodeError(str(exc), "language-model-unavailable") from None
    return model, stored_id


def describe(settings: Mapping[str, Any], port: str, upstream: Any) -> OutputDescription:
    """The encoded tokens belong to the chosen language model."""
    return OutputDescription(model=settings.get("language_model"), kind=EmbeddingKind.TEXT)


SPEC = NodeSpec(
    type=TYPE,
    title="Text Encoding",
    category="Text",
    description="Cut the text feature into tokens with a language model's tokenizer and map them to its "
                "vocabulary, truncated or padded to a fixed length.",
    icon="text_encoding",
    inputs=(Port("data", TABLE, description="A table whose feature is a text column."),),
    outputs=(Port("encoded", ENCODED_TEXT, description="Token ids per row, the model id and the source rows."),),
    settings=(
        Setting("language_model", "str", BUILTIN_ID, label="Language model",
                help="The language model whose tokenizer and vocabulary to use (see `embedflow models`); "
                     "Text Embedding must use the same one."),
        Setting("sequence_length", "int", SEQUENCE_LENGTH_DEFAULT, label="Sequence length", minimum=MIN_SEQUENCE_LENGTH,
                maximum=MAX_SEQUENCE_LENGTH, code="sequence-length-out-of-range",
                help="Tokens kept per row: longer texts are cut at the end, shorter ones padded."),
        Setting("lowercase", "choice", "auto", label="Lower-case", choices=LOWERCASE,
                help="auto: what the language model expects (GloVe: yes; word2vec Google News: no)."),
    ),
    run=run,
    check=check,
    fingerprint=model_fingerprint,
    describes_output=describe,
    # A model trained on the corpus needs every row first; a stored model's tokenizer reads each row alone.
    execution=Execution(row_wise=RowWise(port="data",
                                         when=lambda settings: settings.get("language_model") not in TRAINED_IDS),
                        preload=("embedflow.text.models", "embedflow.text.transformer")),
    help_page=TYPE,
)


def row_counts(counts: Iterable[tuple[int, str]]) -> list[str]:
    """"1 row …", "3 rows …" for each count that is not zero (a summary does not list nothing)."""
    return [f"{count:,} {'row' if count == 1 else 'rows'} {what}" for count, what in counts if count]


def known_share(known: int, total: int) -> str:
    """How many tokens the model knows, never rounded up to "100%" while some are unknown."""
    if total and known == total:
        return "all tokens known"
    return f"{known / total if total else 0.0:.1%} of tokens known"
