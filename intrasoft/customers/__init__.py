"""Customers: the roster of accounts with their Area, account team, contract and flags."""
