"""The read side: the passages that answer a question, from what the build side stored.

It reads the stores at `index/` level and never writes articles, so search can change
without touching ingest.
"""
