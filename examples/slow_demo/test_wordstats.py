from wordstats import histogram, top_word


def test_histogram_counts_words():
    assert histogram("b a b c B") == {"b": 3, "c": 1}


def test_histogram_skips_stop_words_and_empty():
    assert histogram("the cat and the hat") == {"cat": 1, "hat": 1}
    assert histogram("") == {}


def test_top_word_breaks_ties_alphabetically():
    assert top_word("pear apple pear apple fig") == "apple"
    assert top_word("") is None


def test_histogram_on_many_words():
    text = " ".join(f"w{i % 37}" for i in range(1000))
    h = histogram(text)
    assert sum(h.values()) == 1000 and h["w0"] == 28
