"""The public booking pages: treatments, the request form, online booking."""
