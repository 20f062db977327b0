"""The archive: the stores and records both sides share (catalog, vectors, BM25, models).

`index.ingestion` writes them and `index.search` reads them; this level imports neither.
"""
