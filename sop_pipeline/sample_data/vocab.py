"""Names and reference values of the sample company (a natural skincare startup).

Plain data, no logic: the generator modules draw from these lists, so the company reads as one
believable business at any size.
"""

from __future__ import annotations

COMPANY = "Fjordleaf Naturals"

# Base families: (name, item code prefix, share of finished goods, seasonality profile).
FAMILIES: tuple[tuple[str, str, float, str], ...] = (
    ("Face Care", "FC", 0.28, "winter_mild"),
    ("Body Care", "BC", 0.20, "winter"),
    ("Sun Care", "SC", 0.12, "summer"),
    ("Hair Care", "HC", 0.18, "flat"),
    ("Gift Sets", "GS", 0.10, "q4"),
    ("Professional", "PR", 0.12, "spa"),
)
# Product lines that split the base families when the company grows past a thousand items.
FAMILY_LINES: tuple[str, ...] = (
    "",
    "Men",
    "Kids",
    "Sensitive",
    "Organic",
    "Travel",
    "Luxe",
    "Sport",
    "Baby",
    "Vegan",
    "Nordic",
    "Ayurveda",
)

# Monthly seasonality indexes, January..December (normalised to mean 1 by the demand module).
SEASON_PROFILES: dict[str, tuple[float, ...]] = {
    "flat": (1.0,) * 12,
    "winter_mild": (1.15, 1.1, 1.0, 0.95, 0.9, 0.88, 0.88, 0.92, 1.0, 1.05, 1.07, 1.1),
    "winter": (1.3, 1.2, 1.0, 0.85, 0.8, 0.75, 0.75, 0.8, 0.95, 1.1, 1.2, 1.3),
    "summer": (0.15, 0.2, 0.4, 0.8, 1.5, 2.4, 2.6, 1.9, 0.8, 0.3, 0.15, 0.12),
    "q4": (0.25, 0.55, 0.35, 0.35, 0.8, 0.3, 0.2, 0.2, 0.3, 1.0, 3.6, 4.1),
    "spa": (0.9, 0.9, 1.0, 1.1, 1.15, 1.1, 0.95, 0.9, 1.0, 1.05, 1.0, 0.95),
}

# Formulas (bulk recipes) per base family: (name, format, sizes in ml, base type).
# Base type: 'cream' (O/W emulsion base), 'wash' (surfactant base) or 'oil' (no base).
FORMULAS: dict[str, tuple[tuple[str, str, tuple[int, ...], str], ...]] = {
    "Face Care": (
        ("Vitamin C Serum", "dropper", (30, 50), "cream"),
        ("Hydrating Day Cream", "jar", (50, 15), "cream"),
        ("Hyaluronic Serum", "dropper", (30, 50), "cream"),
        ("Night Repair Cream", "jar", (50, 15), "cream"),
        ("Rosehip Facial Oil", "dropper", (30, 50), "oil"),
        ("Gentle Cleansing Gel", "bottle", (250, 500), "wash"),
        ("Eye Contour Balm", "jar", (15,), "cream"),
        ("Clay Face Mask", "jar", (50,), "cream"),
        ("Toning Mist", "spray", (150,), "wash"),
    ),
    "Body Care": (
        ("Shea Body Butter", "jar", (200, 50), "cream"),
        ("Daily Body Lotion", "bottle", (250, 500), "cream"),
        ("Hand Cream", "tube", (75, 100), "cream"),
        ("Sea Salt Scrub", "jar", (200,), "oil"),
        ("Dry Body Oil", "spray", (150,), "oil"),
        ("Foot Balm", "tube", (75,), "cream"),
    ),
    "Sun Care": (
        ("Mineral Sunscreen SPF30", "tube", (100, 75), "cream"),
        ("Mineral Sunscreen SPF50", "tube", (100, 75), "cream"),
        ("Kids Sun Lotion SPF50", "tube", (100,), "cream"),
        ("After-Sun Aloe Gel", "bottle", (250,), "wash"),
        ("Tinted SPF Face Fluid", "dropper", (30,), "cream"),
    ),
    "Hair Care": (
        ("Nourishing Shampoo", "bottle", (250, 500), "wash"),
        ("Repair Conditioner", "bottle", (250, 500), "cream"),
        ("Argan Hair Oil", "dropper", (30, 50), "oil"),
        ("Scalp Serum", "dropper", (30,), "cream"),
        ("Curl Cream", "tube", (100,), "cream"),
        ("Dry Shampoo Powder", "jar", (50,), "oil"),
    ),
}
FORMULA_VARIANTS: tuple[str, ...] = (
    "Lavender",
    "Unscented",
    "Citrus",
    "Rose",
    "Green Tea",
    "Sensitive",
    "Cedar",
    "Chamomile",
    "Mint",
    "Sea Buckthorn",
    "Cloudberry",
    "Birch",
)
GIFT_SETS: tuple[str, ...] = (
    "Winter Glow Gift Set",
    "Face Ritual Discovery Set",
    "Body Pamper Box",
    "Travel Minis Trio",
    "Advent Calendar",
    "Hair Rescue Kit",
    "Mother's Day Set",
)
PRO_SIZES: tuple[tuple[str, int], ...] = (("pro_pump", 1000), ("pro_canister", 5000))

# Packaging: format -> (container name pattern, closure name, lead days, moq, multiple).
CONTAINERS: dict[str, tuple[str, str, int, int, int]] = {
    "dropper": ("Amber glass dropper bottle {size} ml", "Glass pipette dropper", 60, 5000, 500),
    "jar": ("Glass jar {size} ml", "Bamboo screw lid", 60, 5000, 500),
    "tube": ("Sugarcane tube {size} ml", "Flip-top cap", 40, 5000, 1000),
    "bottle": ("PET bottle {size} ml recycled", "Lotion pump 24/410", 35, 5000, 1000),
    "spray": ("PET bottle {size} ml recycled", "Fine mist spray pump", 35, 5000, 1000),
    "pro_pump": ("HDPE pump bottle 1 L", "Dispensing pump 1 L", 30, 1000, 100),
    "pro_canister": ("HDPE canister 5 L", "Dispensing pump 5 L", 30, 500, 100),
}
PACK_VARIANTS: tuple[str, ...] = ("clear", "frosted", "white", "black", "green", "supplier B")
SHIPPERS: tuple[tuple[str, int], ...] = (("Shipper case 12", 12), ("Shipper case 24", 24))

# Raw materials: (name, kind, cost per kg, shelf life days or 0, lead days, moq kg, multiple kg).
RAW_MATERIALS: tuple[tuple[str, str, float, int, int, int, int], ...] = (
    ("Shea butter organic", "butter", 9.5, 540, 35, 100, 25),
    ("Olive-derived emulsifier", "emulsifier", 24.0, 730, 30, 50, 25),
    ("Vegetable glycerin", "humectant", 3.2, 730, 21, 200, 50),
    ("Jojoba oil cold-pressed", "oil", 28.0, 540, 35, 50, 25),
    ("Natural preservative blend", "preservative", 38.0, 365, 28, 25, 5),
    ("Lavender essential oil", "fragrance", 85.0, 540, 42, 5, 1),
    ("Vitamin C (ascorbyl glucoside)", "active", 160.0, 365, 45, 5, 1),
    ("Zinc oxide non-nano", "mineral", 14.0, 0, 35, 100, 25),
    ("Coco glucoside", "surfactant", 6.5, 540, 28, 200, 50),
    ("Hyaluronic acid powder", "active", 900.0, 730, 45, 1, 1),
    ("Rosehip seed oil", "oil", 42.0, 365, 35, 25, 5),
    ("Aloe vera gel 10x", "active", 18.0, 365, 30, 50, 25),
    ("Kaolin clay", "mineral", 4.5, 0, 30, 100, 25),
    ("Sea salt fine", "mineral", 1.2, 0, 21, 500, 100),
    ("Argan oil organic", "oil", 48.0, 540, 42, 25, 5),
    ("Citrus essential oil blend", "fragrance", 65.0, 365, 42, 5, 1),
    ("Cocoa butter", "butter", 11.0, 540, 35, 100, 25),
    ("Squalane (olive)", "oil", 35.0, 730, 35, 25, 5),
    ("Niacinamide", "active", 45.0, 730, 45, 5, 1),
    ("Panthenol", "active", 28.0, 730, 45, 10, 5),
)
RAW_GRADES: tuple[str, ...] = ("EU origin", "COSMOS", "supplier B", "refined", "fair trade")

# Sales channels: (name, net price factor on the list price, customers).
CHANNELS: tuple[tuple[str, float, tuple[str, ...]], ...] = (
    ("webshop", 1.0, ("Webshop D2C",)),
    (
        "retail",
        0.58,
        (
            "Nordic Pharmacy Group",
            "GreenLeaf Apothecary",
            "Citymarket Beauty",
            "Organic Corner Stores",
        ),
    ),
    ("marketplace", 0.75, ("Marketplace EU", "Beauty Box Online")),
    (
        "b2b",
        0.70,
        (
            "Salon Lumiere",
            "Aurora Spa Hotels",
            "Fjord Wellness Clinic",
            "Studio Nord Hair",
            "Blue Lagoon Day Spa",
        ),
    ),
)
LOCATIONS: tuple[str, str] = ("MAIN", "3PL")

PROMO_TEMPLATES: tuple[str, ...] = (
    "Webshop seasonal sale",
    "Retailer end-cap feature",
    "Influencer campaign",
    "Marketplace deal of the week",
    "Pharmacy loyalty weeks",
    "Newsletter bundle offer",
)
BLACK_FRIDAY = "Black Friday and Cyber Monday"
SUN_PROMO = "Summer ready: sun care campaign"

PEOPLE: dict[str, str] = {
    "coordinator": "S&OP coordinator - L. Moen",
    "planner": "Demand planner - S. Ahmed",
    "kam": "Key account manager - J. Novak",
    "sales": "Sales director - M. Berg",
    "marketing": "Marketing lead - E. Holm",
    "finance": "CFO - P. Kerr",
    "procurement": "Procurement - A. Lind",
    "production": "Production manager - T. Vik",
    "quality": "Quality manager - R. Dahl",
}
