"""What an operations team sees: JSON logs with request ids, and Prometheus metrics."""
