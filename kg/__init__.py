"""The medfuse knowledge graph: vocabulary, stores, build, reasoning and fusion."""
