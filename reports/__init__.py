"""Documents generated on the server (PDF) from the metrics; no Dash, no Flask."""
