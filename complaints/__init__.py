"""PAKN lifecycle domain: cases, routing, deadlines. Pure Python, no I/O."""
