"""Store backends: the embedded pyoxigraph store and a SPARQL 1.1 Protocol client."""
