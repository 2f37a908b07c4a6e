"""A small card-payment service: intake, PSP gateway, webhooks, refunds and status projection."""
