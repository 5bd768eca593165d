"""The Gelato cache every artwork reads: configured templates and their unit costs, nightly."""
