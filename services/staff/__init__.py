"""Staff of the console: `accounts` (who they are, and administrators' changes),
`credentials` (passwords, TOTP), `throttle` (login lockout per username and IP),
`sessions` (logging in, idle and absolute timeouts), `demo` (development accounts)."""
