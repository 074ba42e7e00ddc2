"""The offline people behind ``flask seed`` and the fake server: varied like randomuser's."""

from collections import Counter

from intrasoft.countries.client import people_from_records
from intrasoft.countries.demo_people import ascii_local_part, generate_people
from intrasoft.countries.seed import NATS, SEED


def test_the_seeded_snapshot_never_repeats_an_email_and_rarely_a_name():
    people = people_from_records(generate_people(SEED, 500, NATS)).people
    assert len(people) == 500  # nobody dropped as a duplicate
    emails = Counter(p["email"].casefold() for p in people)
    assert emails.most_common(1)[0][1] == 1
    names = Counter((p["country"], p["first_name"], p["last_name"]) for p in people)
    assert len(names) >= 490, names.most_common(5)
    assert len({p["first_name"] for p in people}) >= 200
    assert {p["country"] for p in people} == {"France", "Germany", "Switzerland", "Netherlands", "United Kingdom"}


def test_five_thousand_people_keep_unique_emails_and_uuids():
    people = generate_people("bench", 5000)
    assert len({p["email"] for p in people}) == 5000
    assert len({p["login"]["uuid"] for p in people}) == 5000


def test_a_namesake_gets_a_numbered_address_like_a_mail_provider_would_give():
    people = generate_people("namesakes", 3000, ("DK",))  # a small name pool: namesakes are certain
    by_local = Counter(ascii_local_part(p["name"]["first"], p["name"]["last"]) for p in people)
    local, count = by_local.most_common(1)[0]
    assert count > 1
    addresses = {p["email"] for p in people if ascii_local_part(p["name"]["first"], p["name"]["last"]) == local}
    assert addresses == {f"{local}@example.com"} | {f"{local}{n}@example.com" for n in range(2, count + 1)}


def test_addresses_are_ascii_like_randomuser_s():
    assert ascii_local_part("Zoé", "Lefèvre") == "zoe.lefevre"
    assert ascii_local_part("Jürgen", "van der Berg") == "jurgen.vanderberg"
    assert ascii_local_part("Søren", "Ørsted") == "soren.orsted"  # ø has no ASCII decomposition
    assert ascii_local_part("Ævar", "Straße") == "aevar.strasse"
    assert ascii_local_part("", "") == "person"
