from setuptools import setup

setup(
    name='Scrapy',
    install_requires=[
        'w3lib>=1.17.0',
        'protego>=0.1.15',
        'typing_extensions>=3.7',
        'cssselect>=0.9.1',
    ],
    python_requires='>=3.6',
)
