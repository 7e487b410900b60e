"""Plumbing every app shares (no domain models): local time for people, spreadsheet
writing that is safe for user text, and soon the base model and the domain error."""
