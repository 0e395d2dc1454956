"""Default keyword → category table for receipt items: Polish shop abbreviations, and common
English, German and Dutch product words (receipts from abroad).

Keywords are written the way `app.services.categorize.normalize` writes names: lower case,
ASCII (ł→l, ż→z, ä→a ...), no spaces. A keyword must begin where a word of the item name begins
and may be followed by more letters (inflection: "mlek" finds "mleko", "apple" finds "apples");
the one found earliest wins, then the longest, so "serwetki" (household) beats "ser" (dairy).
Keywords of 3 letters or fewer must be a whole word of the item name.

This module is the table the app seeds from. The migrations keep their own frozen copies of
what they inserted (0001 the Polish words, 0004 the foreign ones), so editing this module
changes no migration: after editing it, run
`python -m app.cli categories seed` to add new keywords to a running database, and
`python -m app.cli categories recategorize` to apply them to stored items.
"""

from __future__ import annotations

ITEM_CATEGORIES: tuple[str, ...] = (
    "dairy", "bread", "meat", "fish", "vegetables", "fruit", "grocery", "drinks", "alcohol",
    "sweets", "snacks", "household", "cosmetics", "deposit", "other",
)
# Every category the API and the keyword table accept: the item categories above plus those of
# spending without a receipt (manual transactions).
CATEGORIES: tuple[str, ...] = (
    *ITEM_CATEGORIES, "fuel", "transport", "restaurants", "health", "bills", "home", "clothes",
    "electronics", "entertainment", "travel", "education", "gifts", "pets",
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

# English, German and Dutch (migration 0004).
_FOREIGN_BY_CATEGORY: dict[str, tuple[str, ...]] = {
    "dairy": (
        "milk", "butter", "egg", "eggs", "cheese", "cheddar", "yoghurt", "yogurt", "cream",
        "milch", "eier", "kase", "joghurt", "sahne", "quark", "melk", "boter", "kaas", "eieren",
    ),
    "bread": ("bread", "baguette", "toast", "brot", "brotchen", "brood", "broodje"),
    "meat": (
        "chicken", "beef", "pork", "ham", "bacon", "sausage", "turkey", "mince", "hahnchen",
        "rind", "schwein", "schinken", "wurst", "hackfleisch", "kip", "rundvlees", "varkensvlees",
        "gehakt", "worst",
    ),
    "fish": ("fish", "salmon", "tuna", "cod", "fisch", "lachs", "thunfisch", "vis", "zalm"),
    "vegetables": (
        "tomato", "potato", "onion", "carrot", "cucumber", "lettuce", "broccoli", "garlic",
        "tomate", "kartoffel", "zwiebel", "gurke", "karotte", "mohre", "tomaat", "aardappel",
        "komkommer", "wortel",
    ),
    "fruit": (
        "apple", "banana", "lemon", "grape", "strawberr", "apfel", "zitrone", "erdbeer",
        "appel", "citroen", "aardbei",
    ),
    "drinks": (
        "coffee", "tea", "water", "juice", "lemonade", "orangejuice", "applejuice", "kaffee",
        "tee", "wasser", "saft", "apfelsaft", "orangensaft", "koffie", "thee", "sap", "appelsap",
        "sinaasappelsap",
    ),
    "alcohol": ("beer", "wine", "cider", "vodka", "bier", "wein", "wijn"),
    "sweets": (
        "chocolat", "candy", "cookie", "biscuit", "schokolad", "milchschokolad", "keks",
        "snoep", "koek",
    ),
    "snacks": ("crisps", "chips", "peanut", "pretzel", "nuts", "brezel", "erdnuss", "pinda"),
    "household": (
        "detergent", "toiletpaper", "toiletroll", "papertowel", "kitchenroll", "dishwasher",
        "washingup", "waschmittel", "spulmittel", "toilettenpapier", "klopapier", "kuchenrolle",
        "wasmiddel", "afwasmiddel", "wcpapier", "toiletpapier", "keukenrol",
    ),
    "cosmetics": (
        "shampoo", "toothpaste", "toothbrush", "soap", "deodorant", "zahnpasta", "zahncreme",
        "seife", "duschgel", "tandpasta", "zeep", "douchegel",
    ),
}


def _flatten(by_category: dict[str, tuple[str, ...]]) -> dict[str, str]:
    return {keyword: category for category, words in by_category.items() for keyword in words}


FOREIGN_KEYWORDS: dict[str, str] = _flatten(_FOREIGN_BY_CATEGORY)
DEFAULT_KEYWORDS: dict[str, str] = {**_flatten(_BY_CATEGORY), **FOREIGN_KEYWORDS}
