"""Booking: the appointment engine — `holds` (hold a place, or confirm a free one),
`quotas` (restriction, one per department and day, weekly quota, no-shows),
`transitions` (confirm when paid, cancel, expire, check in, complete), `queries`
(what a patient sees) — and the waitlist, the clinic calendar (working days,
Asia/Shanghai) and the department catalogue. Correctness under a flash crowd
rests on the database; each module's docstring says how."""
