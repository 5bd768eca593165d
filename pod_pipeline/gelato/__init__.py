"""Gelato: typed client, errors and the Dagster resource that configures it."""
