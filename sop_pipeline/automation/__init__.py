"""Automation: the monthly schedule and the "month closed" sensor that launch the plan job."""
