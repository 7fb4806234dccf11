"""Channels between patients and the bot, and the client of Rasa's REST API."""
