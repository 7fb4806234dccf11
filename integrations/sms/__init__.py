"""SMS providers: Twilio (international), Aliyun (mainland China, templates), console (development)."""
