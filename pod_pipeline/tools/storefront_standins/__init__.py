"""Stand-ins for the marketplaces' price APIs, as the Gelato sandbox stands in for Gelato: HTTP
servers that follow the documented contracts (docs/storefronts.md) where it hurts — Shopify's
cost bucket and THROTTLED answers, Etsy's whole-inventory replacement, renumbered product ids and
per-second limit — with fault knobs (throttling, 429, 5xx, slow answers). The demo, the tests
and the benchmarks use them; the clients in `pod_pipeline/storefronts/` are the production ones."""
