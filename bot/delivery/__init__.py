"""Delivery: the outbox, and putting owed messages in it in the reader's language."""
