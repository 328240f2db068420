"""The egg that ``scrapyd-deploy`` builds and uploads to scrapyd nodes.

Kept minimal, as scrapyd expects: the packages, the SQL migrations as package
data (read with importlib.resources, so they work from inside the zipped egg),
and the entry point that tells scrapyd where the settings are.
"""

from setuptools import find_packages, setup

setup(
    name="dccrawl",
    version="0.1.0",
    packages=find_packages(include=["dccrawl", "dccrawl.*", "spiders", "pipelines"]),
    package_data={"dccrawl.db.migrations": ["*.sql"]},
    entry_points={"scrapy": ["settings = dccrawl.settings"]},
    zip_safe=False,
)
