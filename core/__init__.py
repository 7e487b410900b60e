"""core: plumbing every app shares, no domain models: the timestamped base model, names,
the domain error and its HTTP mapping, local time, the one spreadsheet writer, admin scoping."""
