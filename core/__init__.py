"""Domain rules, persistence and services of the micro-mentoring portal (no UI here)."""
