"""API-version migration: mine API changes between two library versions into a rules file,
scan a project for uses of those APIs, and drive the repair search with the rules proposer."""
