"""regions: the directory. Regions (GB/T 2260), units, unit groups and aliases, users and
their roles, contacts, and what part of the directory each user may see."""
