"""The asset graph: templates and base costs (shared), then per artwork: artworks → variants,
metadata → prices → published_products."""
