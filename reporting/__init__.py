"""reporting: what the coordinator and leaders read. Progress aggregates, the matrix, the
ledger and its exports, bulletins, assessment, implementation reports, their pages and API."""
