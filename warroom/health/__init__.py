"""Supplier health: checks (httpx), states, the monitor and the simulator."""
