"""BM25 over code chunks with a code-aware tokenizer."""

from __future__ import annotations

from patchwright.localize.bm25 import Bm25Localizer, tokenize
from patchwright.repo.index import CodeIndex

FILES = {
    "shop/cart.py": (
        "class ShoppingCart:\n"
        "    def add_item(self, item):\n        self.items.append(item)\n\n"
        "    def total_price(self):\n        return sum(i.price * i.quantity for i in self.items)\n"
    ),
    "shop/users.py": "def get_user_name(user_id):\n    return DB[user_id].name\n",
    "shop/dates.py": "def parse_iso_date(text):\n    y, m, d = text.split('-')\n    return y, m, d\n",
    "shop/Report.java": 'class Report {\n  String renderHtmlTable(List<Row> rows) { return ""; }\n}\n',
}


def test_tokenizer_splits_snake_and_camel_case():
    assert tokenize("parseHTTPResponse") == ["parsehttpresponse", "parse", "http", "response"]
    assert tokenize("get_user_name(self)") == ["get_user_name", "get", "user", "name"]
    assert tokenize("The x is 42") == ["42"]


def test_the_obviously_relevant_chunk_ranks_first():
    chunks = CodeIndex(FILES).chunks()
    bm25 = Bm25Localizer()
    top = bm25.rank("The cart total price ignores the quantity of items", chunks)
    assert top[0].symbol == "ShoppingCart.total_price" and top[0].source == "bm25"
    assert top[0].score == 1.0 and (top[0].line, top[0].end_line) == (5, 6)
    assert bm25.rank("parseIsoDate crashes on dates without dashes", chunks)[0].symbol == (
        "parse_iso_date"
    )
    assert bm25.rank("HTML table rendering of the report is empty", chunks)[0].path == (
        "shop/Report.java"
    )
    assert [loc.score for loc in top] == sorted((loc.score for loc in top), reverse=True)


def test_no_terms_or_no_chunks_give_nothing():
    chunks = CodeIndex(FILES).chunks()
    assert Bm25Localizer().rank("the of and", chunks) == []
    assert Bm25Localizer().rank("total price", []) == []
    assert Bm25Localizer().rank("zebra unicorn", chunks) == []
    assert len(Bm25Localizer(top=1).rank("user name date price", chunks)) == 1
