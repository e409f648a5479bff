"""Telling a child's services who opened the record, and showing a child's team who did."""
