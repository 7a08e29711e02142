"""The only code that speaks SQL or touches blobs."""
