"""Plumbing shared by every HTTP client of the pipeline (Gelato, storefronts, Supabase)."""
