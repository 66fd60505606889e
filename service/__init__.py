"""The two front doors of medfuse: the ``medfuse`` command line and the HTTP service."""
