"""Teaching the bot: training data in the database and its YAML form, the model
lifecycle (train, evaluate, compare, activate) and reviewed triage-rule changes."""
