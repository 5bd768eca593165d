"""Schedules that stand on their own (the re-pricing one lives with its sensor, in sensors/)."""
