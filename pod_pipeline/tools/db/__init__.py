"""The Supabase Postgres database: SQL migrations (supabase/migrations) and the runner that applies them."""
