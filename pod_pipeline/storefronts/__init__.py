"""Storefronts: retail prices set in the marketplace itself, because Gelato's create-from-template
takes no price and Gelato has no price endpoint. One interface (`base.Storefront`: push a
product's variant prices, read them back), a client per marketplace API: Shopify's Admin GraphQL
(`shopify.py`) and Etsy's Open API v3 (`etsy.py`). The facts each relies on: docs/storefronts.md."""
