from setuptools import setup

setup(
    name="click",
    license="BSD",
    author="Armin Ronacher",
    author_email="armin.ronacher@active-4.com",
    maintainer="Pallets Team",
    packages=["click"],
)
