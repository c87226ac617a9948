"""Committee review: screening, holds, reviewer assignment, scoring, ranking and the shortlist."""
