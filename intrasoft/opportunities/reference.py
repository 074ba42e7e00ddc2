"""An opportunity's statuses and the probabilities that go with them, and its currencies.

Revenue (the pipeline, data quality) reads which statuses are open from here."""

OPEN_STATUSES = ("prospecting", "qualification", "proposal", "negotiation")
CLOSED_STATUSES = ("won", "lost")
STATUSES = OPEN_STATUSES + CLOSED_STATUSES
#: Probability (%) an opportunity gets when the client does not give one.
DEFAULT_PROBABILITY = {
    "prospecting": 10,
    "qualification": 25,
    "proposal": 50,
    "negotiation": 75,
    "won": 100,
    "lost": 0,
}
#: Closed statuses have exactly one valid probability.
FIXED_PROBABILITY = {"won": 100, "lost": 0}
CURRENCIES = ("EUR",)
