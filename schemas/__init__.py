"""Typed models that travel between ratsflow's stages and into its database."""
