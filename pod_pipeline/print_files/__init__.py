"""Print-ready files per print area: the crop that keeps the subject, sized for the placeholder at
the target dpi, with bleed where the product needs it (no Dagster here)."""
