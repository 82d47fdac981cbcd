from setuptools import setup

setup(
    name="click",
    license="BSD-3-Clause",
    author="Armin Ronacher",
    author_email="armin.ronacher@active-4.com",
    maintainer="Pallets",
    packages=["click"],
)
