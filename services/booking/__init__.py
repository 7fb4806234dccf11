"""Booking: the appointment engine (hold, confirm, cancel, expire, check in, no-show),
the waitlist, the clinic calendar (working days, Asia/Shanghai) and the department
catalogue. Correctness under a flash crowd lives here (appointments.py)."""
