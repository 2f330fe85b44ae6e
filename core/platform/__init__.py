"""Infrastructure every feature builds on: database, locks, errors, settings, audit, notices."""
