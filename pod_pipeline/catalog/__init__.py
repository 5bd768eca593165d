"""The catalog the seller's frontend reads: artwork, product and variant rows with status."""
