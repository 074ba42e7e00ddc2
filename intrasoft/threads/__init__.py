"""Threads: conversations between named users, with validated participants and messages."""
