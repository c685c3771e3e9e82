"""Ratings of procedures and of PAKN handling, and the indicators computed from them."""
