"""Unit tests of ``dccrawl/site`` (pages as data) on the real samples and replica pages."""
