"""Shared plumbing for the ecoreg services. No models, no schemas of any domain."""
