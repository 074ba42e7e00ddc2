"""Revenue actuals and targets per Area (endpoints and forecast come with the revenue issue)."""
