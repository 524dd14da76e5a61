"""Lantern: a live service directory, matching and referrals for anti-trafficking coalitions."""
