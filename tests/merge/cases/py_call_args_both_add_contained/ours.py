from setuptools import setup

setup(
    name='Scrapy',
    install_requires=[
        'w3lib>=1.17.0',
        'protego>=0.1.15',
        'itemadapter>=0.1.0',
        'typing_extensions>=3.7',
    ],
    python_requires='>=3.5',
)
