from setuptools import setup

setup(
    name="click",
    license="BSD-3-Clause",
    maintainer="Pallets",
    packages=["click"],
    include_package_data=True,
)
