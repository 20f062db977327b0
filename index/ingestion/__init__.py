"""The build side: files, web pages and feeds become stored articles (catalog, vectors, BM25).

Only ingest runs this code; answering a question never imports it.
"""
