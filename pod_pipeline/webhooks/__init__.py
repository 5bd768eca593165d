"""The Gelato webhook receiver: verifies, validates and stores each event once, then answers at
once; the status sensor does the work (it re-GETs the product before trusting a payload)."""
