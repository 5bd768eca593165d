"""Where artists' uploads live: the interface and its implementations."""
