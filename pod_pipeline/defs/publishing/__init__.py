"""Upload to live, per artwork: the upload sensor, the per-artwork assets and their checks, the
publish job, and the status sensor that follows each product until it is live."""
