# scrapyd-deploy builds an egg by running setup.py; without one it writes a
# default that leaves out package data (the JSON Schema). Everything is
# configured in pyproject.toml; this file only hands over to it.
from setuptools import setup

setup()
