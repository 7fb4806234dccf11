"""Patients: accounts and channel identities, real-name patients (就诊人), identity
rules (ID numbers, phones, masking) and one-time codes by SMS."""
