"""Default keyword → category table for receipt items (Polish shop abbreviations).

Keywords are written the way `app.services.categorize.normalize` writes names: lower case,
ASCII (ł→l, ż→z ...), no spaces. The longest keyword found wins, so "serwetki" (household)
beats "ser" (dairy). Keywords of 3 letters or fewer must be a whole word of the item name.

This list seeds the `category_keywords` table (migration 0001). After editing it, run
`python -m app.cli categories seed` to add new keywords to a running database, and
`python -m app.cli categories recategorize` to apply them to stored items.
"""

from __future__ import annotations

CATEGORIES: tuple[str, ...] = (
    "dairy", "bread", "meat", "fish", "vegetables", "fruit", "grocery", "drinks", "alcohol",
    "sweets", "snacks", "household", "cosmetics", "deposit", "other",
)

_BY_CATEGORY: dict[str, tuple[str, ...]] = {
    "dairy": (
        "mleko", "mlek", "maslo", "ser", "serek", "jogurt", "kefir", "smietan", "twarog", "maslank",
        "mozzarel", "gouda", "edam", "parmezan", "danone", "actimel", "margaryn", "jaja", "jajka",
        "skyr", "feta", "zott", "piatnica", "mlekovita",
    ),
    "bread": (
        "chleb", "bulka", "bulki", "bagiet", "rogal", "pieczyw", "grahamk", "kajzer", "tost",
        "croissant", "bagietk", "chalka", "weka",
    ),
    "meat": (
        "mieso", "kurczak", "filet", "piers", "szynk", "kielbas", "boczek", "schab", "wolow",
        "wieprz", "indyk", "parowk", "salami", "mielon", "karkowk", "pasztet", "kabanos", "sokolow",
        "udko", "skrzydel", "poledwic", "salceson", "kaszank",
    ),
    "fish": (
        "ryba", "losos", "sledz", "tunczyk", "dorsz", "makrela", "krewetk", "pstrag", "mintaj",
    ),
    "vegetables": (
        "pomidor", "ogorek", "ogork", "ziemniak", "marchew", "cebul", "czosnek", "salata", "papryk",
        "kapust", "brokul", "kalafior", "pieczark", "burak", "rzodkiew", "cukini", "warzyw",
        "fasol", "groszek", "kukurydz", "seler", "szpinak", "pietruszk", "koper", "rukola",
    ),
    "fruit": (
        "jablk", "jablko", "banan", "pomarancz", "cytryn", "mandaryn", "gruszk", "winogr",
        "truskawk", "malin", "borowk", "sliwk", "kiwi", "owoc", "arbuz", "ananas", "brzoskw",
        "awokado", "grejpfrut", "nektaryn",
    ),
    "grocery": (
        "makaron", "ryz", "maka", "cukier", "kasza", "olej", "oliwa", "ketchup", "majonez",
        "musztard", "platki", "musli", "przyprawa", "pieprz", "drozdze", "sos", "koncentrat",
    ),
    "drinks": (
        "woda", "sok", "napoj", "cola", "pepsi", "fanta", "sprite", "kawa", "herbata", "nektar",
        "oranzad", "energy", "redbull", "tymbark", "kubus", "lipton", "tiger", "kawy",
    ),
    "alcohol": (
        "piwo", "wino", "wodka", "whisky", "gin", "rum", "likier", "tyskie", "zywiec", "lech",
        "okocim", "harnas", "perla", "warka", "brandy", "prosecco", "cydr", "nalewk", "zubrowk",
        "soplica", "wyborowa", "zoladkowa",
    ),
    "sweets": (
        "czekolad", "baton", "cukierk", "ciastk", "wafel", "wafle", "lody", "zelki", "haribo",
        "milka", "wedel", "snickers", "twix", "lizak", "herbatnik", "paczek", "deser", "kinder",
        "prince", "delicje", "krowk",
    ),
    "snacks": (
        "chipsy", "chrupki", "paluszki", "orzeszki", "lays", "crunchips", "popcorn", "precel",
    ),
    "household": (
        "papier", "reczni", "serwet", "plyn", "proszek", "domestos", "worki", "gabk", "folia",
        "zmywark", "ariel", "persil", "vizir", "finish", "ludwik", "pranie", "toaletow",
        "chusteczk", "zapalk", "bateri", "zarowk", "cif", "kapsulki", "pieluch",
    ),
    "cosmetics": (
        "szampon", "mydlo", "pastadozebow", "pastazeb", "dezodorant", "antyperspirant", "krem",
        "balsam", "zelpodprysznic", "nivea", "colgate", "szczoteczk", "podpask", "patyczki",
        "golark", "perfum", "odzywk", "kosmetyk", "garnier", "dove",
    ),
    "deposit": ("kaucja", "kaucj", "butelkazwrotna"),
}

DEFAULT_KEYWORDS: dict[str, str] = {
    keyword: category for category, words in _BY_CATEGORY.items() for keyword in words
}
