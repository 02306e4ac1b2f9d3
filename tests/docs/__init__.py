"""Tests of the documentation: its pictures and the script that draws them."""
