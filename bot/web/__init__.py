"""Server-rendered web pages over the answering service: ask, citation, article, search."""
