"""Web: the GOV.UK-styled pages people use."""
