"""The stages of the pipeline as plain functions, each with a thin Prefect task wrapper."""
