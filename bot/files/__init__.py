"""Files people send and get: photos and scanned letters checked as what they are, kept,
moved between channels, and reached by short-lived signed links."""
