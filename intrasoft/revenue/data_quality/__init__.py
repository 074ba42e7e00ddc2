"""``GET /api/data-quality``: the checks sales leadership runs before trusting the numbers."""
