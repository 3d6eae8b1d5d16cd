"""The demo: sample traces, users, schemas, a committee and a campaign, with some work done."""
