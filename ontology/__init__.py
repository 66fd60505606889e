"""Data files of medfuse: the core vocabulary, term sets, mapping tables and shapes (read via importlib.resources)."""
