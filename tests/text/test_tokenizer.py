"""The corpus tokenizer: GloVe/PTB-style rules, options, and offsets that match per-document results."""

import random

from embedflow.text.tokenizer import TokenizerSpec, tokenize, tokenize_corpus

GLOVE = TokenizerSpec()


def test_clitics_are_split_off_like_the_glove_vocabulary():
    assert tokenize("Don't touch the King's crown", GLOVE) == ["do", "n't", "touch", "the", "king", "'s", "crown"]


def test_curly_apostrophes_count_as_apostrophes():
    assert tokenize("She’ll say it isn’t", GLOVE) == ["she", "'ll", "say", "it", "is", "n't"]


def test_punctuation_is_dropped_unless_the_model_keeps_it():
    assert tokenize("Stop! (Now), please.", GLOVE) == ["stop", "now", "please"]
    kept = tokenize("Stop! (Now), please.", TokenizerSpec(punctuation=True))
    assert kept == ["stop", "!", "(", "now", ")", ",", "please", "."]


def test_inner_hyphens_dots_and_number_separators_stay_inside_tokens():
    assert tokenize("a well-known fact: 1,000 costs 3.5 in the u.s", GLOVE) == [
        "a", "well-known", "fact", "1,000", "costs", "3.5", "in", "the", "u.s"]


def test_quotes_around_a_word_are_not_part_of_it():
    assert tokenize("'hello' -dash- end-", GLOVE) == ["hello", "dash", "end"]


def test_case_is_kept_when_the_model_is_cased():
    assert tokenize("Paris in May", TokenizerSpec(lowercase=False)) == ["Paris", "in", "May"]
    assert tokenize("Paris in May", GLOVE, lowercase=False) == ["Paris", "in", "May"]


def test_cjk_ideographs_are_tokens_of_their_own_and_emoji_are_punctuation():
    assert tokenize("我爱猫 😀 café", GLOVE) == ["我", "爱", "猫", "café"]
    assert tokenize("cat 😀", TokenizerSpec(punctuation=True)) == ["cat", "😀"]


def test_digits_become_hashes_in_google_news_style():
    assert tokenize("In 2019 I had 3 cats", TokenizerSpec(lowercase=False, numbers="hash")) == [
        "In", "####", "I", "had", "#", "cats"]


def test_numbers_can_be_dropped():
    assert tokenize("In 2019 I had 3,000 cats", TokenizerSpec(numbers="drop")) == ["in", "i", "had", "cats"]


def test_empty_missing_and_blank_documents_have_no_tokens():
    corpus = tokenize_corpus(["a b", None, "", "   ", "?!", "c"], GLOVE)
    assert corpus.lengths.tolist() == [2, 0, 0, 0, 0, 1]
    assert corpus.tokens.to_pylist() == ["a", "b", "c"]


def test_corpus_offsets_give_each_document_its_own_tokens():
    rng = random.Random(3)
    pieces = ["The", "king's", "queen", "don't", "3.5", "!", "", "  ", "well-known", "日本"]
    docs = [" ".join(rng.choice(pieces) for _ in range(rng.randint(0, 8))) for _ in range(300)]
    corpus = tokenize_corpus(docs, TokenizerSpec(numbers="drop"))
    assert [corpus.document(i) for i in range(len(docs))] == [
        tokenize(doc, TokenizerSpec(numbers="drop")) for doc in docs]
