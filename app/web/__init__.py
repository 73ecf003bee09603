"""HTTP concerns shared by every route: deadlines, limits, error bodies and their documentation, docs."""
