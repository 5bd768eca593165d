"""Storefronts: retail prices pushed to the marketplaces (Gelato takes none) — the resource that
builds each store's client, the `storefront_prices` asset, its job and the sensor that starts it."""
