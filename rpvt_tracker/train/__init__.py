"""Training (never imported by the tracking path): datasets, pairs, loss, the loop."""
