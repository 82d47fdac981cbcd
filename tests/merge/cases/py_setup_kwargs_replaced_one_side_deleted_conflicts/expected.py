from setuptools import setup

setup(
    name="click",
<<<<<<< ours
    license="BSD-3-Clause",
    author="Armin Ronacher",
    author_email="armin.ronacher@active-4.com",
    maintainer="Pallets",
=======
    license="BSD-3-Clause",
    maintainer="Pallets",
>>>>>>> theirs
    packages=["click"],
    include_package_data=True,
)
