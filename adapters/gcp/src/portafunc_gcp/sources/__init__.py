"""One module per CloudEvent source; ``portafunc_gcp.entry`` maps trigger kinds to them."""
