"""Delivery: transports, the outbox, sending, bounces."""
