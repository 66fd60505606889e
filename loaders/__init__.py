"""Loaders: one module per upstream source, each a pure function from a file to triples."""
