"""Named SPARQL queries of medfuse, one ``.rq`` file per question; see :func:`medfuse.kg.queries.load_query`."""
