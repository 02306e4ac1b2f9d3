"""Writes the teaching example workflows in resources/examples/ (run `python resources/examples/make_examples.py`).

Each example is built with the engine's Workflow model, so it can only use real block types, ports
and settings. Layout: blocks left to right 220 px apart on one row (a second row for a branch; the gap
between two blocks' summaries leaves room for a link down to the next row),
a title note top left, a note above each step with an arrow down to its block (or below it, with an arrow up to
the block's summary: a block's title and summary take up to LABEL_DEPTH below its centre, and a note's arrow
never crosses them).
Only the settings an example changes are stored; every other setting keeps the block's default.
"""

from __future__ import annotations

import math
import sys
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent.parent))

from embedflow.core.workflow import Node, Workflow
from embedflow.grouping import group_nodes, rename_port
from embedflow.io.atomic import atomic_write
from embedflow.io.workflow_file import dumps
from embedflow.registry import default_registry

STEP = 220.0
ROW = 350.0
BRANCH_ROW = 520.0
ANALOGY_ROW = 800.0
MINILM_ROW = 970.0
WORD_ANALOGY_ROW = 850.0  # below the Word map's note, which sits in the same column
NOTE_WIDTH = 165.0
# How far below a block's centre its title (up to two lines) and run summary (up to three) reach.
LABEL_DEPTH = 118.0


class Example:
    """A workflow under construction, with helpers that keep the teaching layout consistent."""

    def __init__(self, name: str, title: str, intro: str) -> None:
        self.name = name
        self.workflow = Workflow(default_registry())
        self.workflow.add_annotation("text", (20, 10, 760, 90), f"{title}\n{intro}")

    def block(self, type_name: str, column: float, title: str, settings: dict[str, Any] | None = None,
              row: float = ROW) -> Node:
        """Place a block in `column` (0, 1, 2 ...) of a row."""
        return self.workflow.add_node(type_name, (100 + column * STEP, row), settings or {}, title)

    def link(self, source: Node, source_port: str, target: Node, target_port: str) -> None:
        """Wire an output port to an input port."""
        self.workflow.connect(source.id, source_port, target.id, target_port)

    def note(self, node: Node, text: str, below: bool = False) -> None:
        """A note about `node` above it (or below it), with an arrow pointing at the block."""
        x, y = node.position
        # A note grows to fit its text on the canvas: size it for ~16 characters a line (long words wrap early), so that
        # its bottom edge (and the arrow) stays clear of the block.
        height = 15.0 * (math.ceil(len(text) / 16) + 1)
        top = y + LABEL_DEPTH + 28 if below else y - 85 - height
        self.workflow.add_annotation("text", (x - NOTE_WIDTH / 2, top, NOTE_WIDTH, height), text)
        if below:
            self.workflow.add_annotation("arrow", (x, top - 4, x, y + LABEL_DEPTH))
        else:
            self.workflow.add_annotation("arrow", (x, top + height + 6, x, y - 38))

    def save(self) -> Path:
        """Write resources/examples/<name>.embedflow (atomically, no .bak)."""
        path = HERE / f"{self.name}.embedflow"
        with atomic_write(path, "w", newline="\n") as handle:
            handle.write(dumps(self.workflow, HERE))
        return path


def word_similarity() -> Example:
    """Nearest words and a map of words with GloVe."""
    ex = Example("word-similarity", "Word similarity with GloVe",
                 "Which words does GloVe put close together? Each word becomes a vector of 50 numbers; "
                 "words used in similar contexts get similar vectors. Open Nearest Neighbours to see "
                 "each word's 5 closest words, Scatter to see the whole map, and Analogy answers for "
                 "king - man + woman.")
    words = ex.block("input", 0, "Words", {"path": "../data/words.csv", "feature": "word", "format": "auto"})
    encode = ex.block("text_encoding", 1, "Text Encoding", {"language_model": "glove-6b-50d"})
    embed = ex.block("text_embedding", 2, "Text Embedding", {"language_model": "glove-6b-50d", "pooling": "mean"})
    # Column 3 stays empty, so the links from Text Embedding down to the map and the analogy answers go down
    # through a clear column instead of through Nearest Neighbours' summary.
    near = ex.block("nearest_neighbours", 4, "Nearest Neighbours", {"k": 5, "metric": "cosine"})
    plot = ex.block("scatter", 4, "Word map", {"projection": "tsne", "color": "group", "label": "word"},
                    row=BRANCH_ROW)
    ex.link(words, "data", encode, "data")
    ex.link(encode, "encoded", embed, "encoded")
    ex.link(embed, "embeddings", near, "data")
    ex.link(embed, "embeddings", plot, "data")
    ex.note(words, "1. 158 English words in 13 groups (royalty, food, cities ...). The feature is the "
                   "column 'word'.")
    ex.note(encode, "2. Each word is looked up in GloVe's vocabulary of 400,000 words (lower-cased).")
    ex.note(embed, "3. Each word gets its GloVe vector. With one word per row, pooling changes nothing.")
    ex.note(near, "4. The 5 closest words by cosine distance. Try: which words sit next to 'king'? "
                  "Change k or the metric.")
    ex.note(plot, "5. t-SNE squeezes 50 dimensions into 2. Do the groups form islands? Which words sit "
                  "between two groups?", below=True)
    ex.workflow.add_annotation(
        "text", (20, 610, 460, 90),
        "Analogies (bottom row): is king - man + woman near queen? Pooling 'arithmetic' adds and subtracts "
        "word vectors; a second Nearest Neighbours looks for the closest of the 158 words. "
        "In a terminal, embedflow models --evaluate glove-6b-50d tries GloVe on 14,877 analogy questions.")
    analogies = ex.block("input", 0, "Analogies", {"path": "../data/analogies.csv", "feature": "analogy",
                                                    "format": "auto"}, row=WORD_ANALOGY_ROW)
    analogy_encode = ex.block("text_encoding", 1, "Text Encoding", {"language_model": "glove-6b-50d"},
                              row=WORD_ANALOGY_ROW)
    arithmetic = ex.block("text_embedding", 2, "Word arithmetic",
                          {"language_model": "glove-6b-50d", "pooling": "arithmetic"}, row=WORD_ANALOGY_ROW)
    answers = ex.block("nearest_neighbours", 4, "Analogy answers",
                       {"k": 3, "metric": "cosine", "exclude_query_words": True}, row=WORD_ANALOGY_ROW)
    ex.link(analogies, "data", analogy_encode, "data")
    ex.link(analogy_encode, "encoded", arithmetic, "encoded")
    ex.link(embed, "embeddings", answers, "data")
    ex.link(arithmetic, "embeddings", answers, "query")
    ex.note(analogies, "6. Seven analogies such as 'king - man + woman', and the answer we expect.", below=True)
    ex.note(analogy_encode, "7. The same GloVe vocabulary. '-' and '+' are punctuation: GloVe's tokenizer "
                            "drops them.", below=True)
    ex.note(arithmetic, "8. Pooling 'arithmetic' reads the signs in the text: king's vector minus man's plus "
                        "woman's (each of length 1).", below=True)
    ex.note(answers, "9. The 3 listed words closest to each result, leaving out its own words (king, man, "
                     "woman). Switch that off: which word comes first?", below=True)
    return ex


def image_search_blocks(ex: Example, embed_title: str) -> tuple[Node, Node, Node, Node, Node]:
    """The image search's blocks, linked: photos, their embedding, queries, theirs, and Most similar."""
    photos = ex.block("input", 0, "Photo collection", {"path": "../data/images", "format": "auto"})
    embed = ex.block("image_embedding", 1, embed_title, {"model": "squeezenet"})
    queries = ex.block("input", 0, "Query photos", {"path": "../data/image-queries", "format": "auto"},
                       row=BRANCH_ROW)
    embed_queries = ex.block("image_embedding", 1, "Embed queries", {"model": "squeezenet"}, row=BRANCH_ROW)
    near = ex.block("nearest_neighbours", 2.5, "Most similar", {"k": 3, "metric": "cosine"})
    ex.link(photos, "data", embed, "data")
    ex.link(queries, "data", embed_queries, "data")
    ex.link(embed, "embeddings", near, "data")
    ex.link(embed_queries, "embeddings", near, "query")
    return photos, embed, queries, embed_queries, near


def image_search() -> Example:
    """Find the photos most like a few query photos."""
    ex = Example("image-search", "Image similarity search",
                 "Which photos in the collection look most like each query photo? SqueezeNet, a network "
                 "trained to name what is in a photo, turns every image into 1000 numbers; similar "
                 "pictures get similar numbers.")
    photos, embed, queries, _, near = image_search_blocks(ex, "Image Embedding")
    ex.note(photos, "1. 23 photos in three sub-folders (photos, textures, science): the folder becomes "
                    "the column 'category'.")
    ex.note(embed, "2. SqueezeNet gives each image 1000 numbers. Images it cannot read come out of "
                   "'skipped'.")
    ex.note(near, "3. For each query photo, the 3 closest photos of the collection. Open it: is the "
                  "mirrored cat closest to the cat?")
    ex.note(queries, "New views of three photos: mirrored and cropped differently, in sub-folders named "
                     "like the collection's, so query_category says what each should find. Try adding "
                     "your own photo to a sub-folder of image-queries in the sample data (embedflow examples "
                     "--copy DIR copies it to a folder of yours).", below=True)
    return ex


def image_search_grouped() -> Example:
    """The image search with its two Image Embedding blocks folded into one group, the image model chosen once."""
    ex = Example("image-search-grouped", "Image search with a group",
                 "The image search again, with both Image Embedding blocks folded into one block, "
                 "'Embed images'. Double-click it to see inside; Edit > Ungroup unfolds it, Edit > Group "
                 "folds selected blocks.")
    photos, embed, queries, embed_queries, near = image_search_blocks(ex, "Embed photos")
    group = group_nodes(ex.workflow, [embed.id, embed_queries.id], "Embed images")
    for key, old, new in (("inputs", "data", "photos"), ("inputs", "data_2", "queries"),
                          ("outputs", "embeddings", "photo_embeddings"),
                          ("outputs", "embeddings_2", "query_embeddings")):
        rename_port(ex.workflow, group.id, key, old, new)
    ex.workflow.update_settings(group.id, {"settings_exposed": [
        {"name": "model", "targets": [[embed.id, "model"], [embed_queries.id, "model"]]}], "model": "squeezenet"})
    ex.workflow.move_node(group.id, (100 + STEP, ROW))
    ex.note(photos, "1. 23 photos in three sub-folders (photos, textures, science).")
    ex.note(group, "2. 'Embed images' holds two Image Embedding blocks. Its setting 'model' sets the "
                   "image model of both at once.")
    ex.note(near, "3. For each query photo, the 3 closest photos: the same answers as the image-search "
                  "example.")
    ex.note(queries, "New views of three photos, the queries. They go into the group's input 'queries'.",
            below=True)
    return ex


def image_map() -> Example:
    """A map of the photos, coloured by category, with thumbnails on hover."""
    ex = Example("image-map", "A map of images",
                 "Put every photo on a 2-D map so that similar photos are near each other. Hover over a "
                 "point to see its thumbnail; select points to pass them on.")
    photos = ex.block("input", 0, "Photos", {"path": "../data/images", "format": "auto"})
    embed = ex.block("image_embedding", 1, "Image Embedding", {"model": "squeezenet"})
    plot = ex.block("scatter", 2, "Image map", {"projection": "tsne", "perplexity": 5.0,
                                                "color": "category", "label": "name"})
    ex.link(photos, "data", embed, "data")
    ex.link(embed, "embeddings", plot, "data")
    ex.note(photos, "1. A folder of images: each sub-folder is a category (photos, textures, science).")
    ex.note(embed, "2. SqueezeNet turns each image into 1000 numbers: an image descriptor.")
    ex.note(plot, "3. t-SNE places similar images close. Do the textures cluster? Switch Projection to "
                  "pca and compare.")
    return ex


def why_invalid() -> Example:
    """A deliberate language-model mismatch for students to find and fix."""
    ex = Example("why-invalid", "Why is this workflow invalid?",
                 "This workflow has a deliberate mistake: it will not run. Find the block with a red "
                 "badge, read the message (Messages panel, or embedflow validate why-invalid in a terminal), "
                 "and fix it.")
    docs = ex.block("input", 0, "Sentences", {"path": "../data/corpus.csv", "feature": "text", "format": "auto"})
    encode = ex.block("text_encoding", 1, "Text Encoding", {"language_model": "glove-6b-50d"})
    embed = ex.block("text_embedding", 2, "Text Embedding", {"language_model": "trained-word2vec"})
    plot = ex.block("scatter", 3, "Sentence map", {"projection": "pca", "color": "topic", "label": "text"})
    ex.link(docs, "data", encode, "data")
    ex.link(encode, "encoded", embed, "encoded")
    ex.link(embed, "embeddings", plot, "data")
    ex.note(encode, "Encodes each sentence as token ids of glove-6b-50d: in GloVe, id 620 is 'river'.")
    ex.note(embed, "Looks up the vectors of those ids in ... trained-word2vec? There, id 620 is another "
                   "word, or none.")
    ex.note(plot, "Hint: both blocks must use one language model. Which one would you pick, and why?",
            below=True)
    return ex


def train_word2vec() -> Example:
    """Train Word2Vec on a small corpus and compare it with GloVe."""
    ex = Example("train-word2vec", "Train your own Word2Vec",
                 "Word2Vec learns word vectors by predicting each word's neighbours in a text. Here it learns "
                 "from only 150 sentences (top row); GloVe learned from 6 billion words (bottom row). "
                 "Which map separates the five topics better?")
    docs = ex.block("input", 0, "Sentences", {"path": "../data/corpus.csv", "feature": "text", "format": "auto"})
    encode = ex.block("text_encoding", 1, "Train Word2Vec", {"language_model": "trained-word2vec"})
    embed = ex.block("text_embedding", 2, "Word2Vec vectors", {"language_model": "trained-word2vec"})
    plot = ex.block("scatter", 3, "Word2Vec map", {"projection": "pca", "color": "topic", "label": "text"})
    glove_encode = ex.block("text_encoding", 1, "GloVe encoding", {"language_model": "glove-6b-50d"},
                            row=BRANCH_ROW)
    glove_embed = ex.block("text_embedding", 2, "GloVe vectors", {"language_model": "glove-6b-50d"},
                           row=BRANCH_ROW)
    glove_plot = ex.block("scatter", 3, "GloVe map", {"projection": "pca", "color": "topic", "label": "text"},
                          row=BRANCH_ROW)
    ex.link(docs, "data", encode, "data")
    ex.link(encode, "encoded", embed, "encoded")
    ex.link(embed, "embeddings", plot, "data")
    ex.link(docs, "data", glove_encode, "data")
    ex.link(glove_encode, "encoded", glove_embed, "encoded")
    ex.link(glove_embed, "embeddings", glove_plot, "data")
    ex.note(docs, "1. 150 sentences on five topics: cooking, astronomy, football, gardening, music.")
    ex.note(encode, "2. With model trained-word2vec, this block first trains Word2Vec on the sentences.")
    ex.note(embed, "3. Each sentence's vector is the mean of its words' vectors (pooling).")
    ex.note(plot, "4. Coloured by topic. Change Train Word2Vec to trained-fasttext (both blocks!) and "
                  "compare.")
    ex.note(glove_plot, "The same sentences with GloVe's vectors, learned from Wikipedia and news.",
            below=True)
    return ex


def word_clusters() -> Example:
    """Cluster words with GloVe, name the clusters, map them; and learn the categories with a classifier."""
    ex = Example("word-clusters", "Word clusters",
                 "Can the computer find the groups in a list of words by itself? Clustering puts words with "
                 "similar GloVe vectors together and names each group by its most central words. Nobody tells "
                 "it the categories; compare its clusters with them.")
    words = ex.block("input", 0, "Words", {"path": "../data/word-categories.csv", "feature": "word",
                                           "format": "auto"})
    encode = ex.block("text_encoding", 1, "Text Encoding", {"language_model": "glove-6b-50d"})
    embed = ex.block("text_embedding", 2, "Text Embedding", {"language_model": "glove-6b-50d"})
    groups = ex.block("clustering", 3, "Clustering", {"method": "kmeans", "k": 5})
    plot = ex.block("scatter", 4, "Cluster map", {"projection": "pca", "color": "cluster_label", "label": "word"})
    learn = ex.block("classifier", 3, "Classifier", {"label": "category"}, row=BRANCH_ROW)
    ex.link(words, "data", encode, "data")
    ex.link(encode, "encoded", embed, "encoded")
    ex.link(embed, "embeddings", groups, "data")
    ex.link(groups, "clustered", plot, "data")
    ex.link(embed, "embeddings", learn, "data")
    ex.note(words, "1. 60 words in five categories (countries, animals, colours, numbers, fruits): the "
                   "column 'category'.")
    ex.note(encode, "2. Each word is looked up in GloVe's vocabulary (lower-cased).")
    ex.note(embed, "3. Each word gets its GloVe vector of 50 numbers.")
    ex.note(groups, "4. k-means with k = 5 finds five clusters. Open it: sizes, silhouette and labels. "
                    "Try k = auto.")
    ex.note(plot, "5. Coloured by cluster, labels at the centres. Do clusters match the categories?")
    ex.note(learn, "6. Supervised: learns 'category' from the vectors; accuracy beside the baseline "
                   "(always one class).", below=True)
    return ex


def teach_a_classifier() -> Example:
    """Images in category folders: SqueezeNet descriptors, a classifier, its mistakes."""
    ex = Example("teach-a-classifier", "Teach a classifier",
                 "Can a computer learn to tell photos, textures and science images apart from a few examples? "
                 "SqueezeNet turns each image into 1000 numbers; a simple classifier learns which numbers go "
                 "with which folder, and is tested on images it did not see.")
    photos = ex.block("input", 0, "Images", {"path": "../data/images", "format": "auto"})
    embed = ex.block("image_embedding", 1, "Image Embedding", {"model": "squeezenet"})
    learn = ex.block("classifier", 2, "Classifier", {"label": "category", "folds": 5})
    plot = ex.block("scatter", 3, "Right or wrong?", {"projection": "pca", "color": "correct", "label": "name"})
    ex.link(photos, "data", embed, "data")
    ex.link(embed, "embeddings", learn, "data")
    ex.link(learn, "predictions", plot, "data")
    ex.note(photos, "1. 23 images in three folders (photos, science, textures): the folder is the column "
                    "'category', the label to learn.")
    ex.note(embed, "2. SqueezeNet gives each image 1000 numbers: an image descriptor.")
    ex.note(learn, "3. Logistic regression, 5 folds: each image is predicted by a model that never saw it. "
                   "Open it: accuracy vs baseline, confusion matrix.")
    ex.note(plot, "4. Coloured by 'correct'. Open the Classifier and press 'Show every mistake'.", below=True)
    return ex


def semantic_search() -> Example:
    """Questions matched to answers with few shared words: GloVe's bag of words against the sentence model."""
    ex = Example("semantic-search", "Semantic search: GloVe or a sentence model?",
                 "16 questions, each with an answer that shares almost no words with it. Which answer is "
                 "closest to each question? The top half uses GloVe word vectors, the bottom half the "
                 "sentence model all-minilm-l6-v2. In each output a match is right when query_row equals "
                 "neighbour_row.")
    data = {"path": "../data/questions_answers.csv", "format": "auto"}
    glove = {"language_model": "glove-6b-50d"}
    minilm = {"language_model": "all-minilm-l6-v2"}
    matches = {}
    inputs = []
    for model, rows, title in ((glove, (ROW, BRANCH_ROW), "GloVe"), (minilm, (ANALOGY_ROW, MINILM_ROW), "MiniLM")):
        # Each half reads the file itself: a link from the top half's Inputs down to the bottom half would run
        # through the blocks' summaries on its way.
        answers = ex.block("input", 0, "Answers", {**data, "feature": "answer"}, row=rows[0])
        questions = ex.block("input", 0, "Questions", {**data, "feature": "question"}, row=rows[1])
        inputs.append(answers)
        ends = []
        for source, row, what in ((answers, rows[0], "answers"), (questions, rows[1], "questions")):
            encode = ex.block("text_encoding", 1, f"Encode {what} ({title})", dict(model), row=row)
            embed = ex.block("text_embedding", 2, f"Embed {what} ({title})", {**model, "pooling": "mean"}, row=row)
            ex.link(source, "data", encode, "data")
            ex.link(encode, "encoded", embed, "encoded")
            ends.append(embed)
        near = ex.block("nearest_neighbours", 3.2, f"Best answer ({title})", {"k": 1, "metric": "cosine"},
                        row=(rows[0] + rows[1]) / 2)
        ex.link(ends[0], "embeddings", near, "data")
        ex.link(ends[1], "embeddings", near, "query")
        matches[title] = (near, ends[0])
    ex.note(inputs[0], "1. One file read twice: the answers are what we search, the questions what we ask.")
    ex.note(matches["GloVe"][1], "2. GloVe: each text is the mean of its word vectors, a bag of words.")
    ex.note(matches["GloVe"][0], "3. Open it: GloVe gets 3 of 16 right. Averages of common words look "
                                 "alike, so a few long answers win most questions.")
    ex.workflow.add_annotation(
        "text", (20, 640, 700, 80),
        "Below: the same search with the sentence model all-minilm-l6-v2. It cuts text into word pieces and "
        "reads each row whole, so every piece's vector depends on the others (contextual vectors); "
        "the model was trained to put paraphrases together.")
    ex.note(matches["MiniLM"][0], "4. The sentence model gets 15 of 16 right. Which one does it miss, and "
                                  "why is that a reasonable mistake?", below=True)
    return ex


def held_out_test() -> Example:
    """A classifier scored twice: by cross-validation on its words, and on 25 new words it never saw."""
    ex = Example("held-out-test", "Is it really learned? A held-out test set",
                 "A classifier learns five categories from the GloVe vectors of 60 words. Cross-validation "
                 "estimates how well it does; 25 new words with their categories, kept apart until the end, "
                 "measure it. The Classifier's scores show both (column 'on').")
    glove = {"language_model": "glove-6b-50d"}
    ends = []
    for path, title, row in (("../data/word-categories.csv", "Words to learn from", ROW),
                             ("../data/new-words.csv", "New words (test)", BRANCH_ROW)):
        source = ex.block("input", 0, title, {"path": path, "feature": "word", "format": "auto"}, row=row)
        encode = ex.block("text_encoding", 1, "Text Encoding", dict(glove), row=row)
        embed = ex.block("text_embedding", 2, "Text Embedding", {**glove, "pooling": "mean"}, row=row)
        ex.link(source, "data", encode, "data")
        ex.link(encode, "encoded", embed, "encoded")
        ends.append((source, embed))
    learn = ex.block("classifier", 3.2, "Classifier", {"label": "category"}, row=(ROW + BRANCH_ROW) / 2)
    ex.link(ends[0][1], "embeddings", learn, "data")
    ex.link(ends[1][1], "embeddings", learn, "test")
    ex.note(ends[0][0], "1. 60 words in five categories: the column 'category' is what to learn.")
    ex.note(ends[0][1], "2. Each word becomes its 50 GloVe numbers (the same model for both inputs).")
    ex.note(learn, "3. Open it: the test set's accuracy comes first, then cross-validation's. Which two new "
                   "words does it get wrong, and why (kiwi is also a bird)?")
    ex.note(ends[1][0], "4. 25 new words, five of each category, with their 'category' too: that is what "
                        "makes them a test set.", below=True)
    return ex


def translations() -> Example:
    """English and German sentences in one multilingual space: each finds its translation; pairs sit together."""
    ex = Example("translations", "Sentences that find their translation",
                 "20 English sentences and their 20 German translations. The multilingual model "
                 "use-multilingual puts a sentence and its translation in nearly the same place, whatever the "
                 "language: which sentence is closest to each one?")
    sentences = ex.block("input", 0, "Sentences", {"path": "../data/translations.csv", "feature": "sentence",
                                                   "format": "auto"})
    model = {"language_model": "use-multilingual"}
    encode = ex.block("text_encoding", 1, "Text Encoding", dict(model))
    embed = ex.block("text_embedding", 2, "Text Embedding", {**model, "pooling": "mean"})
    near = ex.block("nearest_neighbours", 4, "Closest sentences", {"k": 2, "metric": "cosine"})
    plot = ex.block("scatter", 4, "Map of both languages", {"projection": "tsne", "color": "language",
                                                            "label": "sentence"}, row=BRANCH_ROW)
    ex.link(sentences, "data", encode, "data")
    ex.link(encode, "encoded", embed, "encoded")
    ex.link(embed, "embeddings", near, "data")
    ex.link(embed, "embeddings", plot, "data")
    ex.note(sentences, "1. One sentence a row: 'language', 'pair' (the same number for a sentence and its "
                       "translation) and 'topic'.")
    ex.note(encode, "2. SentencePiece cuts each sentence into pieces from one vocabulary for 16 languages.")
    ex.note(embed, "3. Each sentence gets 512 numbers; translations get nearly the same ones.")
    ex.note(near, "4. For every one of the 40 sentences, rank 1 is its translation (query_pair = "
                  "neighbour_pair). What is rank 2?")
    ex.note(plot, "5. Coloured by language: each English point has its German translation beside it.",
            below=True)
    return ex


def flights_you_might_take() -> Example:
    """Collaborative filtering on planes and the airports they fly to: similar airports, recommendations, evaluation."""
    ex = Example("flights-you-might-take", "Flights you might take",
                 "Airports recommended to planes from where they already fly. 1,500 planes of the New York "
                 "airports and where they flew in 2013: no description of any airport is used. Airports served "
                 "by the same planes get similar vectors; each plane is recommended the airports nearest to the "
                 "ones it serves, and the guess is checked on its newest destination.")
    flights = ex.block("input", 0, "Planes and airports", {"path": "../data/plane-destinations.csv",
                                                           "feature": "dest", "format": "auto"})
    airports = ex.block("input", 0, "Airports", {"path": "../data/airports.csv", "feature": "name",
                                                 "format": "auto"}, row=BRANCH_ROW)
    columns = {"user": "tailnum", "item": "dest", "weight": "flights", "order": "first_flight"}
    embed = ex.block("item_embedding", 1, "Item Embedding", {**columns, "dimensions": 32, "hold_out": True})
    similar = ex.block("nearest_neighbours", 2, "Similar airports", {"k": 5})
    plot = ex.block("scatter", 3, "Airport map", {"projection": "pca", "color": "tzone", "label": "dest"})
    advise = ex.block("recommend", 2, "Recommend", {**columns, "k": 10}, row=BRANCH_ROW)
    # Recommend reads the same file through an Input of its own: a link from the first would cross Item Embedding.
    again = ex.block("input", 1, "Planes and airports (again)", {"path": "../data/plane-destinations.csv",
                                                                 "feature": "dest", "format": "auto"},
                     row=BRANCH_ROW + 170)
    ex.link(flights, "data", embed, "interactions")
    ex.link(airports, "data", embed, "items")
    ex.link(embed, "items", similar, "data")
    ex.link(embed, "items", plot, "data")
    ex.link(embed, "items", advise, "items")
    ex.link(again, "data", advise, "interactions")
    ex.note(flights, "1. One row per plane and airport: how often it flew there, and when first.")
    ex.note(embed, "2. A truncated SVD of the plane × airport matrix gives each airport 32 numbers. "
                   "Each plane's newest airport is held out.")
    ex.note(similar, "3. Open it: the airports whose planes are shared, e.g. the Florida and Caribbean "
                     "network of one airline.")
    ex.note(plot, "4. Airports coloured by time zone.")
    ex.note(advise, "5. Ten airports per plane it has not flown to. The evaluation: hit rate@10 on the "
                    "held-out airports, beside recommending the busiest ones.", below=True)
    return ex


def categories_as_vectors() -> Example:
    """Flight categories as learned vectors, fitted on earlier flights and tested on later ones."""
    ex = Example("categories-as-vectors", "Categories as vectors",
                 "Will a flight arrive late? Airline, airports, plane and hour are categories: one-hot columns "
                 "would be 3,223 columns here. Category Embedding learns a few numbers per value instead, on "
                 "15,000 earlier flights, and the Classifier is tested on 5,000 later ones.")
    train = ex.block("input", 0, "Earlier flights", {"path": "../data/flights-delays-train.csv", "feature": "dest",
                                                     "format": "auto"})
    test = ex.block("input", 0, "Later flights", {"path": "../data/flights-delays-test.csv", "feature": "dest",
                                                  "format": "auto"}, row=BRANCH_ROW)
    columns = ["carrier", "origin", "dest", "tailnum", "hour"]
    learned = ex.block("category_embedding", 1, "Category Embedding",
                       {"columns": columns, "method": "supervised", "target": "delayed"})
    learn = ex.block("classifier", 2, "Classifier", {"label": "delayed", "folds": 5})
    categories = ex.block("scatter", 3, "Map of categories", {"projection": "pca", "color": "column",
                                                              "label": "category"})
    ex.link(train, "data", learned, "data")
    ex.link(test, "data", learned, "test")
    ex.link(learned, "embeddings", learn, "data")
    ex.link(learned, "test", learn, "test")
    ex.link(learned, "categories", categories, "data")
    ex.note(train, "1. Flights from New York in 2013: carrier, origin, dest, tailnum, hour, and 'delayed' "
                   "(more than 15 minutes late).")
    ex.note(learned, "2. A small network learns to predict 'delayed' from the one-hot columns; its first "
                     "layer gives each value its vector. The line below it says the width saved.")
    ex.note(learn, "3. Logistic regression on 49 numbers per flight. Open it: on the later flights macro F1 "
                   "0.52 (one-hot columns: 0.54). Cross-validation says more: the vectors saw these rows' "
                   "'delayed'.")
    ex.note(categories, "4. Every airline, airport, plane and hour, placed by how its flights behave.",
            below=True)
    return ex


def sparse_to_dense() -> Example:
    """One corpus through TF-IDF + LSA, GloVe and the sentence model, each scored on held-out sentences."""
    ex = Example("sparse-to-dense", "Sparse to dense",
                 "Three ways to make sentences into vectors, tested on new sentences. 100 sentences on five "
                 "topics to learn from, 50 others to test on: TF-IDF + LSA (word counts made dense), GloVe word "
                 "vectors, and the sentence model. Compare the Classifiers' test predictions.")
    rows = (ROW, ROW + 520, ROW + 1040)  # each model's training row, its test row 170 px below
    models = (("tfidf-lsa", "TF-IDF + LSA", {"dimensions": 50}), ("glove-6b-50d", "GloVe", {}),
              ("all-minilm-l6-v2", "MiniLM", {}))
    learners = []
    for (model, title, extra), row in zip(models, rows):
        train = ex.block("input", 0, f"Training sentences ({title})", {"path": "../data/corpus-train.csv",
                                                                     "feature": "text", "format": "auto"}, row=row)
        test = ex.block("input", 0, f"Test sentences ({title})", {"path": "../data/corpus-test.csv",
                                                                 "feature": "text", "format": "auto"}, row=row + 170)
        encode_train = ex.block("text_encoding", 1, f"Encode ({title})", {"language_model": model}, row=row)
        encode_test = ex.block("text_encoding", 1, f"Encode test ({title})", {"language_model": model},
                               row=row + 170)
        embed_train = ex.block("text_embedding", 2, f"Embed ({title})", {"language_model": model, **extra}, row=row)
        embed_test = ex.block("text_embedding", 2, f"Embed test ({title})", {"language_model": model, **extra},
                              row=row + 170)
        learn = ex.block("classifier", 3, f"Classifier ({title})", {"label": "topic", "folds": 5}, row=row + 85)
        ex.link(train, "data", encode_train, "data")
        ex.link(test, "data", encode_test, "data")
        ex.link(encode_train, "encoded", embed_train, "encoded")
        ex.link(encode_test, "encoded", embed_test, "encoded")
        if model == "tfidf-lsa":
            ex.link(encode_train, "encoded", embed_test, "fit")
        ex.link(embed_train, "embeddings", learn, "data")
        ex.link(embed_test, "embeddings", learn, "test")
        learners.append((embed_train, learn))
    ex.note(learners[0][0], "1. TF-IDF + LSA is fitted on the training sentences (its 'fit' input) and applied "
                            "to the test ones: one space for both.")
    ex.note(learners[0][1], "2. Open each Classifier: its test predictions show how each way of making vectors "
                            "does on sentences it never saw.", below=True)
    return ex


EXAMPLES = (word_similarity, image_search, image_search_grouped, image_map, why_invalid, train_word2vec,
            word_clusters, teach_a_classifier, semantic_search, translations, held_out_test,
            flights_you_might_take, categories_as_vectors, sparse_to_dense)


def main() -> None:
    """Write every example workflow."""
    for make in EXAMPLES:
        print(make().save())


if __name__ == "__main__":
    main()
