"""A discrete-event simulator of a control room's day that drives the service's own dispatch core."""
