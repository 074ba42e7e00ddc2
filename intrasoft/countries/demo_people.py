"""People in randomuser.me's 1.4 format, generated offline and deterministically.

Used by ``flask seed`` (the demo snapshot, since randomuser.me is unreachable offline) and by
the fake randomuser server in ``tests/``. Names come from Faker's per-country lists, so people
vary as much as randomuser's do; e-mails are derived from names as randomuser derives them
(``first.last@example.com``), with a number added when a generated set would repeat one, so
that a demo country never shows the same address twice.
"""

from __future__ import annotations

import hashlib
import random
import unicodedata
import uuid
from datetime import UTC, datetime, timedelta

from faker import Faker

# Per nationality: country, Faker locale, postcode style and some (city, state) pairs.
NATIONALITIES: dict[str, dict] = {
    "FR": {
        "country": "France",
        "locale": "fr_FR",
        "postcode": "int",
        "places": [
            ("Paris", "Île-de-France"),
            ("Lyon", "Rhône"),
            ("Nantes", "Loire-Atlantique"),
            ("Lille", "Nord"),
            ("Bordeaux", "Gironde"),
            ("Toulouse", "Haute-Garonne"),
            ("Strasbourg", "Bas-Rhin"),
            ("Montpellier", "Hérault"),
        ],
    },
    "DE": {
        "country": "Germany",
        "locale": "de_DE",
        "postcode": "int",
        "places": [
            ("Berlin", "Berlin"),
            ("München", "Bayern"),
            ("Hamburg", "Hamburg"),
            ("Köln", "Nordrhein-Westfalen"),
            ("Frankfurt am Main", "Hessen"),
            ("Stuttgart", "Baden-Württemberg"),
            ("Leipzig", "Sachsen"),
            ("Düsseldorf", "Nordrhein-Westfalen"),
        ],
    },
    "CH": {
        "country": "Switzerland",
        "locale": "de_CH",
        "postcode": "int",
        "places": [
            ("Zürich", "Zürich"),
            ("Genève", "Genève"),
            ("Bern", "Bern"),
            ("Lausanne", "Vaud"),
            ("Basel", "Basel-Stadt"),
            ("Luzern", "Luzern"),
            ("Lugano", "Ticino"),
        ],
    },
    "NL": {
        "country": "Netherlands",
        "locale": "nl_NL",
        "postcode": "str_nl",
        "places": [
            ("Amsterdam", "Noord-Holland"),
            ("Utrecht", "Utrecht"),
            ("Rotterdam", "Zuid-Holland"),
            ("Den Haag", "Zuid-Holland"),
            ("Eindhoven", "Noord-Brabant"),
            ("Groningen", "Groningen"),
        ],
    },
    "GB": {
        "country": "United Kingdom",
        "locale": "en_GB",
        "postcode": "str_gb",
        "places": [
            ("London", "Greater London"),
            ("Leeds", "West Yorkshire"),
            ("Bristol", "Avon"),
            ("Manchester", "Greater Manchester"),
            ("Edinburgh", "Lothian"),
            ("Cardiff", "South Glamorgan"),
            ("Norwich", "Norfolk"),
        ],
    },
    "ES": {
        "country": "Spain",
        "locale": "es_ES",
        "postcode": "int",
        "places": [("Madrid", "Comunidad de Madrid"), ("Sevilla", "Andalucía"), ("Valencia", "Comunidad Valenciana")],
    },
    "DK": {
        "country": "Denmark",
        "locale": "da_DK",
        "postcode": "int",
        "places": [("København", "Hovedstaden"), ("Aarhus", "Midtjylland"), ("Odense", "Syddanmark")],
    },
    "US": {
        "country": "United States",
        "locale": "en_US",
        "postcode": "int",
        "places": [("Austin", "Texas"), ("Portland", "Oregon"), ("Denver", "Colorado"), ("Boston", "Massachusetts")],
    },
}
ALL_NATS = tuple(NATIONALITIES)
_EPOCH = datetime(1950, 1, 1, tzinfo=UTC)
_STREETS = ("Rue de la Paix", "Hauptstraße", "Main St", "Kerkstraat", "Bahnhofstrasse", "High Street")


def _iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


#: Letters without an ASCII decomposition, spelt the way their languages transliterate them.
_TRANSLITERATIONS = str.maketrans({"ø": "o", "æ": "ae", "œ": "oe", "ß": "ss", "ł": "l", "đ": "d", "\u0131": "i"})


def ascii_local_part(first: str, last: str) -> str:
    """``first.last`` in lowercase ASCII, as randomuser builds e-mail addresses ("Zoé Lefèvre": zoe.lefevre)."""
    text = f"{first}.{last}".lower().translate(_TRANSLITERATIONS)
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return "".join(char for char in folded if char.isalnum() or char in ".-").strip(".-") or "person"


_NL_LETTERS = "ABCDEFGHJKLMNPRSTVWXZ"
_GB_LETTERS = "ABDEFGHJLNPQRSTUWXYZ"


def _postcode(rng: random.Random, style: str) -> int | str:
    """randomuser sends integers for some countries and strings for others."""
    if style == "int":
        return rng.randrange(10000, 99999)
    if style == "str_nl":
        return f"{rng.randrange(1000, 9999)} {rng.choice(_NL_LETTERS)}{rng.choice(_NL_LETTERS)}"
    outward = f"{rng.choice('ABCDEFGHKLMNPRSTW')}{rng.randrange(1, 99)}"
    return f"{outward} {rng.randrange(1, 9)}{rng.choice(_GB_LETTERS)}{rng.choice(_GB_LETTERS)}"


def make_person(rng: random.Random, nat: str, fake: Faker) -> dict:
    """One person in randomuser's 1.4 format; ``fake`` supplies names of ``nat``'s locale."""
    data = NATIONALITIES[nat]
    gender = rng.choice(("female", "male"))
    first = fake.first_name_female() if gender == "female" else fake.first_name_male()
    last = fake.last_name()
    city, state = rng.choice(data["places"])
    title = rng.choice(("Ms", "Mrs", "Miss") if gender == "female" else ("Mr", "Monsieur"))
    user_uuid = str(uuid.UUID(int=rng.getrandbits(128), version=4))
    dob = _EPOCH + timedelta(days=rng.randrange(0, 365 * 55), seconds=rng.randrange(86400))
    registered = datetime(2003, 1, 1, tzinfo=UTC) + timedelta(days=rng.randrange(0, 365 * 20))
    picture = f"{'women' if gender == 'female' else 'men'}/{rng.randrange(100)}.jpg"
    return {
        "gender": gender,
        "name": {"title": title, "first": first, "last": last},
        "location": {
            "street": {"number": rng.randrange(1, 9999), "name": rng.choice(_STREETS)},
            "city": city,
            "state": state,
            "country": data["country"],
            "postcode": _postcode(rng, data["postcode"]),
            "coordinates": {"latitude": f"{rng.uniform(-90, 90):.4f}", "longitude": f"{rng.uniform(-180, 180):.4f}"},
            "timezone": {"offset": "+1:00", "description": "Brussels, Copenhagen, Madrid, Paris"},
        },
        "email": f"{ascii_local_part(first, last)}@example.com",
        "login": {
            "uuid": user_uuid,
            "username": f"{rng.choice(('blue', 'lazy', 'silver', 'tiny'))}{rng.choice(('fish', 'cat', 'owl'))}"
            f"{rng.randrange(100, 999)}",
            "password": "secret",
            "salt": hashlib.md5(user_uuid.encode(), usedforsecurity=False).hexdigest()[:8],
            "md5": hashlib.md5(user_uuid.encode(), usedforsecurity=False).hexdigest(),
            "sha1": hashlib.sha1(user_uuid.encode(), usedforsecurity=False).hexdigest(),
            "sha256": hashlib.sha256(user_uuid.encode()).hexdigest(),
        },
        "dob": {"date": _iso(dob), "age": 2026 - dob.year},
        "registered": {"date": _iso(registered), "age": 2026 - registered.year},
        "phone": f"0{rng.randrange(1, 9)}-{rng.randrange(10, 99)}-{rng.randrange(10, 99)}-{rng.randrange(10, 99)}",
        "cell": f"06-{rng.randrange(10, 99)}-{rng.randrange(10, 99)}-{rng.randrange(10, 99)}",
        "id": {"name": "INSEE" if nat == "FR" else "", "value": None if nat != "FR" else str(rng.randrange(10**12))},
        "picture": {
            "large": f"https://randomuser.me/api/portraits/{picture}",
            "medium": f"https://randomuser.me/api/portraits/med/{picture}",
            "thumbnail": f"https://randomuser.me/api/portraits/thumb/{picture}",
        },
        "nat": nat,
    }


def generate_people(seed: str, count: int, nats: tuple[str, ...] = ALL_NATS, page: int = 1) -> list[dict]:
    """``count`` people, always the same for the same arguments; no e-mail address repeats."""
    digest = hashlib.sha256(f"{seed}|{page}|{','.join(nats)}".encode()).digest()
    rng = random.Random(int.from_bytes(digest[:8], "big"))
    fakers: dict[str, Faker] = {}
    for index, nat in enumerate(sorted(set(nats))):
        fakers[nat] = Faker(NATIONALITIES[nat]["locale"])
        fakers[nat].seed_instance(int.from_bytes(digest[8:16], "big") + index)
    used: dict[str, int] = {}
    people = []
    for _ in range(count):
        nat = rng.choice(nats)
        person = make_person(rng, nat, fakers[nat])
        local = person["email"].partition("@")[0]
        used[local] = used.get(local, 0) + 1
        if used[local] > 1:  # a namesake: jeanne.roux2@example.com
            person["email"] = f"{local}{used[local]}@example.com"
        people.append(person)
    return people
