"""Closing the loop on actions (framework, Appendix E): each month the QA team draws ten audits whose actions the
team manager has marked done, and confirms the recommendations really were completed.

`plan` is the pure part (the draw, the Action checks sheet's rows, where each check stands); `run` the use case
(`draw_check_sample`) that records a draw in the register.
"""
