"""Word statistics, written the slow way on purpose (the `patchwright optimize` demo)."""

STOPWORDS = ["a", "an", "and", "the", "of", "to", "in", "is", "it", "on"]


def histogram(text):
    """How often each word (lower case, stop words left out) occurs in ``text``."""
    words = text.lower().split()
    counts = {}
    for w in words:
        if w not in ["a", "an", "and", "the", "of", "to", "in", "is", "it", "on"]:
            counts[w] = words.count(w)
    return counts


def top_word(text):
    """The most frequent word (ties: the alphabetically first), or None."""
    counts = histogram(text)
    if not counts:
        return None
    return sorted(counts, key=lambda w: (-counts[w], w))[0]
