"""Publishing without Dagster: the create ledger (`ledger`: claim, create exactly once, retire),
what a store product's state means (`product_status`), following products until they are live
(`following`) and reconciling the catalog with the store (`reconcile`)."""
