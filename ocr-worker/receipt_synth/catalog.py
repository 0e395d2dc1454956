"""Product names and price ranges the generator draws from, per kind of shop.

Each entry: (name, low price, high price, VAT letter, weighed). Prices are per piece, or per kg
for weighed goods. Names are written the way tills print them: short, abbreviated, mixed case.
"""

from __future__ import annotations

Product = tuple[str, str, str, str, bool]

POLISH_GROCERY: list[Product] = [
    ("Mleko UHT 3,2% 1L", "2.49", "4.29", "C", False),
    ("Chleb żytni 500g", "3.49", "6.99", "C", False),
    ("Masło Extra 200g", "5.99", "9.49", "C", False),
    ("MasłoOsełMIDol300g", "8.99", "12.99", "C", False),
    ("Jaja z wolnego wyb. L 10szt", "9.99", "15.99", "C", False),
    ("Ser Gouda plastry 150g", "4.49", "7.99", "C", False),
    ("Jogurt naturalny 400g", "2.19", "4.59", "C", False),
    ("Śmietana 18% 200g", "2.29", "3.99", "C", False),
    ("Twaróg półtłusty 250g", "3.29", "5.49", "C", False),
    ("Kefir Piątnica 400g", "2.49", "3.89", "C", False),
    ("Banany luz", "4.99", "6.99", "C", True),
    ("Pomidory malinowe luz", "7.99", "14.99", "C", True),
    ("Jabłka Ligol luz", "2.99", "4.99", "C", True),
    ("Ziemniaki młode luz", "2.49", "4.99", "C", True),
    ("Ogórki gruntowe luz", "4.99", "9.99", "C", True),
    ("Filet z kurczaka luz", "19.99", "29.99", "C", True),
    ("Szynka konserwowa 120g", "4.99", "8.99", "C", False),
    ("Kiełbasa śląska 400g", "9.99", "16.99", "C", False),
    ("Woda mineralna 1,5L", "1.29", "2.99", "A", False),
    ("Woda niegaz. 6x1,5L", "7.99", "12.99", "A", False),
    ("Sok pomarańczowy 1L", "3.99", "6.99", "A", False),
    ("Napój gazowany 0,5L", "2.99", "5.49", "A", False),
    ("Piwo jasne pełne 0,5L", "2.99", "4.99", "A", False),
    ("Kawa mielona 500g", "17.99", "32.99", "A", False),
    ("Herbata czarna 100 szt", "8.99", "15.99", "A", False),
    ("Czekolada mleczna 100g", "3.49", "6.99", "A", False),
    ("Baton proteinowy 45g", "3.99", "6.49", "A", False),
    ("Chipsy solone 140g", "4.99", "7.99", "A", False),
    ("Makaron spaghetti 500g", "3.29", "6.49", "C", False),
    ("Ryż długoziarnisty 1kg", "4.99", "8.99", "C", False),
    ("Mąka pszenna typ 450 1kg", "2.99", "4.99", "C", False),
    ("Cukier biały 1kg", "3.49", "5.99", "C", False),
    ("Olej rzepakowy 1L", "6.99", "10.99", "C", False),
    ("Pasztet drobiowy 195g", "2.99", "4.99", "C", False),
    ("Płyn do naczyń 900ml", "5.99", "9.99", "A", False),
    ("Papier toaletowy 8 rolek", "9.99", "18.99", "A", False),
    ("Bułka kajzerka", "0.39", "0.89", "C", False),
    ("Pączek z różą", "1.49", "2.99", "B", False),
    ("Kanapka z szynką", "6.99", "10.99", "B", False),
    ("Hot-dog klasyczny", "5.99", "8.99", "B", False),
    ("Kawa latte 300ml", "6.99", "11.99", "B", False),
    ("Torba reklamówka", "0.99", "1.29", "A", False),
]

POLISH_DRUGSTORE: list[Product] = [
    ("Szampon Isana 500ml", "6.99", "12.99", "A", False),
    ("Pasta do zębów Colgate 75ml", "5.99", "11.99", "A", False),
    ("Żel pod prysznic Nivea 250ml", "8.99", "14.99", "A", False),
    ("Dezodorant Rexona 150ml", "11.99", "17.99", "A", False),
    ("Krem do rąk Ziaja 100ml", "4.99", "8.99", "A", False),
    ("Płatki kosmetyczne 120szt", "3.49", "6.99", "A", False),
    ("Chusteczki nawilżane 64szt", "5.99", "9.99", "A", False),
    ("Pieluchy Dada 4 Maxi 50szt", "34.99", "49.99", "B", False),
    ("Witamina C 1000mg 30tabl", "12.99", "24.99", "B", False),
    ("Mydło w płynie 500ml", "4.99", "9.99", "A", False),
    ("Maszynki do golenia 5szt", "9.99", "24.99", "A", False),
    ("Lakier do paznokci 10ml", "9.99", "19.99", "A", False),
    ("Tusz do rzęs Maybelline", "29.99", "49.99", "A", False),
    ("Patyczki higieniczne 200szt", "2.99", "5.99", "A", False),
    ("Proszek do prania 1,3kg", "19.99", "34.99", "A", False),
]

ENGLISH: list[Product] = [
    ("SEMI SKIMMED MILK 2L", "1.15", "1.65", "", False),
    ("WHITE SLICED BREAD", "0.75", "1.45", "", False),
    ("FREE RANGE EGGS 6PK", "1.50", "2.40", "", False),
    ("CHEDDAR CHEESE 400G", "2.75", "4.20", "", False),
    ("BANANAS LOOSE", "0.85", "1.10", "", True),
    ("BRITISH CHICKEN BREAST", "3.50", "5.80", "", False),
    ("BAKED BEANS 4PK", "1.80", "3.20", "", False),
    ("ORANGE JUICE 1L", "1.25", "2.30", "", False),
    ("TEA BAGS 80S", "1.60", "3.40", "", False),
    ("INSTANT COFFEE 200G", "3.90", "6.50", "", False),
    ("CRISPS MULTIPACK", "1.75", "3.25", "", False),
    ("SPARKLING WATER 2L", "0.55", "1.10", "", False),
    ("PASTA FUSILLI 500G", "0.70", "1.40", "", False),
    ("CHOCOLATE BAR 100G", "0.95", "2.10", "", False),
    ("TOILET TISSUE 9 ROLL", "3.75", "5.90", "", False),
    ("WASHING UP LIQUID", "0.95", "1.85", "", False),
]

AMERICAN: list[Product] = [
    ("GV WHOLE MILK 1GAL", "2.98", "4.48", "", False),
    ("WHEAT BREAD 20OZ", "1.98", "3.68", "", False),
    ("LARGE EGGS 12CT", "2.48", "5.97", "", False),
    ("BANANAS", "0.48", "0.68", "", True),
    ("CHKN BREAST BNLS", "6.84", "11.97", "", False),
    ("PEANUT BUTTER 16OZ", "1.98", "3.48", "", False),
    ("CEREAL FROSTED FLKS", "3.12", "5.48", "", False),
    ("COLA 12PK CANS", "5.98", "8.48", "", False),
    ("PAPER TOWELS 6RL", "7.97", "12.97", "", False),
    ("CHEDDAR SHRED 8OZ", "2.24", "3.98", "", False),
    ("GROUND BEEF 1LB", "4.97", "6.98", "", False),
    ("APPLE JUICE 64OZ", "2.28", "3.98", "", False),
    ("TORTILLA CHIPS", "2.50", "4.28", "", False),
    ("DISH SOAP 19OZ", "1.97", "3.47", "", False),
]

GERMAN: list[Product] = [
    ("Vollmilch 3,5% 1L", "0.99", "1.39", "B", False),
    ("Roggenbrot 750g", "1.49", "2.79", "B", False),
    ("Butter 250g", "1.99", "2.99", "B", False),
    ("Eier Bodenhaltung 10St", "1.99", "3.29", "B", False),
    ("Bananen lose", "1.29", "1.99", "B", True),
    ("Gouda jung Scheiben", "1.49", "2.49", "B", False),
    ("Mineralwasser 1,5L", "0.19", "0.69", "A", False),
    ("Apfelsaft klar 1L", "0.99", "1.79", "B", False),
    ("Kaffee gemahlen 500g", "4.99", "7.99", "B", False),
    ("Nudeln Spaghetti 500g", "0.79", "1.49", "B", False),
    ("Schokolade Vollmilch", "0.89", "1.79", "B", False),
    ("Toilettenpapier 8 Rollen", "2.49", "4.49", "A", False),
    ("Spülmittel 500ml", "0.65", "1.49", "A", False),
    ("Joghurt Natur 500g", "0.69", "1.29", "B", False),
]

DUTCH: list[Product] = [
    ("AH Halfvolle melk 1L", "0.99", "1.39", "", False),
    ("Volkorenbrood heel", "1.79", "2.69", "", False),
    ("Goudse kaas jong 48+", "3.49", "5.99", "", False),
    ("Scharreleieren 10st", "2.49", "3.69", "", False),
    ("Bananen los", "1.49", "2.19", "", True),
    ("Jus d'orange 1L", "1.99", "2.99", "", False),
    ("Hagelslag puur 400g", "2.29", "3.19", "", False),
    ("Stroopwafels 8st", "1.49", "2.49", "", False),
    ("Koffie snelfilter 500g", "4.49", "6.99", "", False),
    ("Spaghetti 500g", "0.89", "1.49", "", False),
    ("Pindakaas 350g", "2.19", "3.29", "", False),
    ("Vaatwastabletten 30st", "5.99", "9.99", "", False),
    ("Appelsap 1,5L", "1.39", "2.29", "", False),
]

#: VAT rates in percent per letter, as printed by Polish fiscal printers.
POLISH_VAT_RATES = {"A": "23.00", "B": "8.00", "C": "5.00", "D": "0.00"}
#: German receipts: A = 19 %, B = 7 %.
GERMAN_VAT_RATES = {"A": "19.00", "B": "7.00"}
