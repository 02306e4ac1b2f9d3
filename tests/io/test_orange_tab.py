"""Orange's .tab files: the three-row and compact headers, types, flags, and headers refused by line."""

from __future__ import annotations

import gzip
import os
import shutil
from pathlib import Path

import pandas as pd
import pytest

from embedflow.core.errors import NodeError
from embedflow.io.tables import MAX_COLUMNS, MAX_HEADER_BYTES, load_table

SAMPLE = Path(__file__).parent / "orange_files" / "grimm-tales-sample.tab"


def write_tab(folder: Path, *lines: str, name: str = "data.tab") -> Path:
    path = folder / name
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def refusal(path: Path) -> NodeError:
    with pytest.raises(NodeError) as caught:
        load_table(path)
    return caught.value


def test_a_tales_corpus_opens_with_its_text_column_and_class(tmp_path):
    shutil.copy(SAMPLE, tmp_path)
    loaded = load_table(tmp_path / SAMPLE.name)
    meta = loaded.table.meta
    assert list(meta.columns) == ["ATU Topic", "Title", "Abstract", "Content", "ATU Numerical", "ATU Type"]
    assert len(meta) == 5 and loaded.table.feature == "Content"
    assert meta["Content"][1].startswith("There was once an old goat") and "‘Dear children" in meta["Content"][1]
    assert isinstance(meta["ATU Topic"].dtype, pd.CategoricalDtype)
    assert list(meta["ATU Topic"].cat.categories) == ["Animal Tales", "Religious Tales", "Tales of Magic"]
    assert meta["ATU Numerical"].tolist() == ["440", "123", "327A", "779H*", "130"]  # string stays text
    assert loaded.notes == ["class: ATU Topic"] and loaded.warnings == []


def test_the_metadata_file_beside_it_is_never_read(tmp_path):
    path = write_tab(tmp_path, "text\tlabel", "s\td", "\tclass", "a small cat\tx")
    (tmp_path / "data.tab.metadata").write_bytes(b"\x80\x04\x95 not a pickle \x00\xff")
    assert load_table(path).table.meta["text"].tolist() == ["a small cat"]


def test_choosing_the_metadata_file_says_to_choose_the_data_beside_it(tmp_path):
    shutil.copy(SAMPLE, tmp_path)
    shutil.copy(SAMPLE.with_name(SAMPLE.name + ".metadata"), tmp_path)
    error = refusal(tmp_path / "grimm-tales-sample.tab.metadata")
    assert error.code == "unreadable-file" and "Orange's notes about grimm-tales-sample.tab" in str(error)
    assert error.hint == "Choose grimm-tales-sample.tab itself."


def test_types_become_category_float_text_and_datetime(tmp_path):
    path = write_tab(tmp_path, "kind\tscore\tnote\twhen\tguessed",
                     "d\tc\ts\tt\t",
                     "\t\t\t\t",
                     "b\t1.5\tfirst note\t2016-09-28 00:22:34\t7",
                     "a\t?\t\t2016-09-27\t8.5",
                     "b\t2\tthird\t2016-09-27 23:45:00\t?")
    meta = load_table(path).table.meta
    assert list(meta["kind"].cat.categories) == ["a", "b"] and meta["kind"].tolist() == ["b", "a", "b"]
    assert meta["score"].dtype == float and meta["score"].isna().tolist() == [False, True, False]
    assert meta["note"].tolist()[0] == "first note" and pd.isna(meta["note"][1])
    assert pd.api.types.is_datetime64_any_dtype(meta["when"])
    assert meta["when"][0] == pd.Timestamp("2016-09-28 00:22:34")
    assert meta["guessed"].dtype == float and meta["guessed"].isna().tolist() == [False, False, True]


def test_listed_values_keep_their_order_and_extra_values_follow(tmp_path):
    path = write_tab(tmp_path, "size\ttext", "small medium large\ts", "\t", "large\tone thing",
                     "huge\tanother", "small\ta third")
    sizes = load_table(path).table.meta["size"]
    assert list(sizes.cat.categories) == ["small", "medium", "large", "huge"]


def test_a_listed_value_may_hold_an_escaped_space(tmp_path):
    path = write_tab(tmp_path, "city\ttext", "New\\ York Boston\ts", "\t", "Boston\tbeans", "New York\tpizza")
    cities = load_table(path).table.meta["city"]
    assert list(cities.cat.categories) == ["New York", "Boston"] and cities.tolist() == ["Boston", "New York"]


def test_quoted_names_lose_their_quotes(tmp_path):
    path = write_tab(tmp_path, '"Text"\t"Say ""hi"""', "s\ts", "\t", "a cat\tb")
    assert list(load_table(path).table.meta.columns) == ["Text", 'Say "hi"']


def test_long_type_names_and_short_flags_are_orange_s_too(tmp_path):
    path = write_tab(tmp_path, "label\ttext\tnumber\tid", "categorical\ttext\tnumeric\tn",
                     "c\tm include=True\t\ti", "x\ta cat sat\t1\t9")
    loaded = load_table(path)
    assert list(loaded.table.meta.columns) == ["label", "text", "number"]
    assert loaded.notes == ["class: label", "ignored: id"] and loaded.table.feature == "text"


def test_ignored_columns_are_left_out_and_named_in_the_notes(tmp_path):
    path = write_tab(tmp_path, "id\ttext\tsecret", "c\ts\ts", "ignore\t\ti", "1\tsome words\tpassword")
    loaded = load_table(path)
    assert list(loaded.table.meta.columns) == ["text"]
    assert loaded.notes == ["ignored: id, secret"]


def test_the_compact_one_row_header(tmp_path):
    path = write_tab(tmp_path, "cD#species\tS#description\tC#petal length\ti#row\tm#source\tplain",
                     "setosa\ta small flower with round petals\t1.4\t1\tfield\t3",
                     "virginica\ta tall flower\t5.1\t2\tbook\t4")
    loaded = load_table(path)
    meta = loaded.table.meta
    assert list(meta.columns) == ["species", "description", "petal length", "source", "plain"]
    assert isinstance(meta["species"].dtype, pd.CategoricalDtype) and meta["petal length"].dtype == float
    assert loaded.notes == ["class: species", "ignored: row"] and loaded.table.feature == "description"


def test_a_hash_in_a_plain_name_is_part_of_the_name(tmp_path):
    path = write_tab(tmp_path, "issue #\ttext", "12\tbroken link")
    assert list(load_table(path).table.meta.columns) == ["issue #", "text"]


def test_a_tab_file_without_types_reads_like_tsv(tmp_path):
    path = write_tab(tmp_path, "id\ttext\ttopic", "1\tthe cat sat on the mat\tcats", "2\ta dog barked\tdogs")
    loaded = load_table(path)
    assert list(loaded.table.meta.columns) == ["id", "text", "topic"] and loaded.table.feature == "text"
    assert loaded.table.meta["id"].tolist() == [1.0, 2.0] and loaded.notes == []


def test_a_first_row_of_numbers_is_data_and_columns_are_named_as_orange_names_them(tmp_path):
    path = write_tab(tmp_path, "1\t2.5", "3\t4")
    meta = load_table(path, feature="Feature 1").table.meta
    assert list(meta.columns) == ["Feature 1", "Feature 2"] and meta["Feature 1"].tolist() == [1.0, 3.0]


def test_repeated_names_are_numbered(tmp_path):
    path = write_tab(tmp_path, "text\ttext\tlabel", "s\ts\td", "\t\t", "one\ttwo\tx")
    assert list(load_table(path).table.meta.columns) == ["text (1)", "text (2)", "label"]


def test_blank_lines_are_skipped_and_short_rows_padded(tmp_path):
    path = write_tab(tmp_path, "Category\tText", "d\tstring", "class\tinclude=True", "",
                     "children\tthe house Jim says", "adult", "", "children\the ran to fetch it")
    meta = load_table(path).table.meta
    assert meta["Category"].tolist() == ["children", "adult", "children"] and pd.isna(meta["Text"][1])


def test_cells_beyond_the_header_are_left_out_and_counted(tmp_path):
    path = write_tab(tmp_path, "text\tlabel", "s\td", "\t", "a cat\tx\tstray", "a dog\ty")
    loaded = load_table(path)
    assert list(loaded.table.meta.columns) == ["text", "label"]
    assert loaded.notes == ["1 row(s) had more cells than the header; the extra cells were left out"]


def test_quoted_cells_with_tabs_and_doubled_quotes(tmp_path):
    path = write_tab(tmp_path, "Author\tContent", "discrete\tstring", "class\tinclude=True",
                     'HillaryClinton\t"Last night, Donald Trump said not paying taxes was ""smart."""',
                     'realDonaldTrump\t"a\ttab inside"')
    meta = load_table(path).table.meta
    assert meta["Content"].tolist() == ['Last night, Donald Trump said not paying taxes was "smart."',
                                        "a\ttab inside"]


def test_a_word_in_a_numeric_column_is_refused_with_its_row(tmp_path):
    path = write_tab(tmp_path, "text\tcount", "s\tc", "\t", "a cat\t1", "a dog\tmany")
    error = refusal(path)
    assert error.code == "unreadable-file"
    assert "the continuous column 'count' has 'many' in data row 2" in str(error)


def test_times_that_do_not_parse_stay_text_with_a_note(tmp_path):
    path = write_tab(tmp_path, "text\twhen", "s\tt", "\t", "a cat\t2016-09-28", "a dog\tyesterday")
    loaded = load_table(path)
    assert loaded.table.meta["when"].tolist() == ["2016-09-28", "yesterday"]
    assert loaded.notes == ["when kept as text ('yesterday' in data row 2 is not a date)"]


def test_a_misspelt_type_is_refused_naming_line_two(tmp_path):
    path = write_tab(tmp_path, "label\ttext", "d\tstrng", "class\tinclude=True", "x\ta cat")
    error = refusal(path)
    assert error.code == "malformed-tab-header"
    assert str(error).startswith("data.tab, line 2: the types row has 'strng' for column 2 ('text')")


def test_a_misspelt_flag_is_refused_naming_line_three(tmp_path):
    path = write_tab(tmp_path, "label\ttext", "d\tstring", "clas\t", "x\ta cat")
    error = refusal(path)
    assert error.code == "malformed-tab-header"
    assert str(error).startswith("data.tab, line 3: the flags row has 'clas' for column 1 ('label')")


def test_a_header_without_its_flags_row_is_refused_naming_line_three(tmp_path):
    path = write_tab(tmp_path, "label\ttext", "d\ts", "x\ta cat sat", "y\ta dog ran")
    error = refusal(path)
    assert error.code == "malformed-tab-header" and str(error).startswith("data.tab, line 3: the flags row has 'x'")


def test_a_compact_name_with_an_unknown_type_letter_is_refused_naming_line_one(tmp_path):
    path = write_tab(tmp_path, "cD#label\tQ#text", "x\ta cat")
    error = refusal(path)
    assert error.code == "malformed-tab-header"
    assert str(error).startswith("data.tab, line 1: 'Q#text' (column 2) starts like Orange's compact header")


def test_a_compressed_tab_file_reads(tmp_path):
    path = tmp_path / "data.tab.gz"
    path.write_bytes(gzip.compress(b"text\tlabel\ns\td\n\tclass\na cat\tx\n"))
    loaded = load_table(path)
    assert loaded.table.meta["text"].tolist() == ["a cat"] and loaded.notes == ["class: label"]


def test_latin1_tab_files_fall_back_with_a_warning(tmp_path):
    path = tmp_path / "data.tab"
    path.write_bytes("text\tlabel\ns\td\n\tclass\ncrème brûlée\tx\n".encode("latin-1"))
    loaded = load_table(path)
    assert loaded.table.meta["text"].tolist() == ["crème brûlée"] and "latin-1" in loaded.warnings[0]


def test_a_header_wider_than_the_limit_is_refused(tmp_path):
    path = write_tab(tmp_path, "\t".join(f"c{i}" for i in range(MAX_COLUMNS + 1)), "1")
    error = refusal(path)
    assert error.code == "too-many-columns" and "line 1" in str(error)


def test_a_first_line_longer_than_the_header_limit_is_refused(tmp_path):
    path = tmp_path / "data.tab"
    path.write_bytes(b"x" * (MAX_HEADER_BYTES + 10))
    error = refusal(path)
    assert error.code == "too-many-columns" and "line 1 is longer than" in str(error)


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes are POSIX")
def test_a_named_pipe_called_tab_is_refused_at_once(tmp_path):
    os.mkfifo(tmp_path / "pipe.tab")
    error = refusal(tmp_path / "pipe.tab")
    assert error.code == "unreadable-file" and "named pipe" in str(error)


def test_a_tweets_corpus_with_times_numbers_and_empty_meta_cells(tmp_path):
    path = write_tab(tmp_path,
                     "Is retweet\tTime\tLanguage\tRetweet count\tFavorite count\tLongitude\tLatitude\tAuthor\t"
                     "Source URL\tContent\tOriginal author\tPlace",
                     "discrete\ttime\tdiscrete\tcontinuous\tcontinuous\tcontinuous\tcontinuous\tdiscrete\tstring\t"
                     "string\tstring\tstring",
                     "\t\t\t\t\t\t\tclass\tmeta\ttitle=True include=True\tmeta\tmeta",
                     "0\t2016-09-28 00:22:34\ten\t218.0\t651.0\t\t\tHillaryClinton\thttps://studio.twitter.com\t"
                     "The question in this election is who can put plans into action.\t\t",
                     '1\t2016-09-27 23:45:00\ten\t2445.0\t5308.0\t\t\tHillaryClinton\thttp://twitter.com\t'
                     '"Last night he said not paying taxes was ""smart."" You know what I call it?"\ttimkaine\t',
                     "0\t2016-09-27 12:53:42\ten\t21628.0\t59791.0\t-73.89322034\t40.76593321\trealDonaldTrump\t"
                     "http://twitter.com/download/android\tI really enjoyed the debate last night.\t\tQueens, NY")
    loaded = load_table(path)
    meta = loaded.table.meta
    assert loaded.table.feature == "Content" and loaded.notes == ["class: Author"] and len(meta) == 3
    assert meta["Time"][2] == pd.Timestamp("2016-09-27 12:53:42")
    assert meta["Longitude"].isna().tolist() == [True, True, False] and meta["Latitude"][2] == 40.76593321
    assert meta["Content"][1] == 'Last night he said not paying taxes was "smart." You know what I call it?'
    assert meta["Place"].isna().tolist() == [True, True, False] and meta["Original author"][1] == "timkaine"


def test_windows_line_endings(tmp_path):
    path = tmp_path / "data.tab"
    path.write_bytes(b"text\tlabel\r\ns\td\r\n\tclass\r\na cat\tx\r\na dog\ty\r\n")
    meta = load_table(path).table.meta
    assert list(meta.columns) == ["text", "label"] and meta["label"].tolist() == ["x", "y"]


def test_sentences_that_look_like_lists_of_values_are_data_not_a_header(tmp_path):
    path = write_tab(tmp_path, "text", "the cat sat", "a dog ran", "birds sing")
    assert load_table(path).table.meta["text"].tolist() == ["the cat sat", "a dog ran", "birds sing"]


def test_without_include_the_text_not_the_class_with_spaces_is_the_feature(tmp_path):
    path = write_tab(tmp_path, "Category\tText", "d\tstring", "class\t", "",
                     "human-computer interaction\tHuman machine interface for lab abc computer applications",
                     "human-computer interaction\tA survey of user opinion of computer system response time",
                     "graphs\tThe generation of random binary unordered trees")
    assert load_table(path).table.feature == "Text"


def test_letters_and_sentences_in_the_first_rows_are_data_as_in_orange(tmp_path):
    path = write_tab(tmp_path, "grade\tcomment", "c\tgood work overall", "m\tneeds practice", "d\tlate")
    assert load_table(path).table.meta["grade"].tolist() == ["c", "m", "d"]
