"""Gelato: the typed client (httpx + tenacity), its errors and models. (The Dagster resource
that configures it is `defs/gelato_resource.py`.)"""
