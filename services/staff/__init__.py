"""Staff accounts: passwords, TOTP, login throttling and lockout, console sessions."""
