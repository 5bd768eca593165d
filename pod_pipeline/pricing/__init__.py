"""The pricing engine: rules → a shelf price per template variant and market, policies for when
Gelato's costs move, the drift report and the price sheet.

Money stays `Decimal` from Gelato's JSON to the one rounding at the end (per currency rule);
per-artwork work is vectorised with pandas over exact text-encoded amounts, never floats.
"""
