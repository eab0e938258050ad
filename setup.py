from setuptools import find_packages, setup

setup(
    name="fiscal-sim",
    version="0.2.0",
    description="County–town fiscal revenue-sharing and transfer simulation (县乡财政体制模拟)",
    long_description=open("README.md", encoding="utf-8").read(),
    long_description_content_type="text/markdown",
    python_requires=">=3.11",
    packages=find_packages(include=["fiscal_sim", "fiscal_sim.*", "api", "api.*"]),
    include_package_data=True,
    package_data={
        "api": ["templates/*", "templates/**/*", "static/*", "static/**/*"],
        "fiscal_sim": ["scenarios/*.yaml", "scenarios/*.csv", "scenarios/*.md"],
    },
    install_requires=[
        "numpy>=2.0,<3",
        "scipy>=1.13,<2",
        "pandas>=2.2,<4",
        "polars>=2.1,<3",  # CSV output: compiled writer, ~20x pandas' to_csv (600 MB at 100,000 towns)
        "matplotlib>=3.9,<4",
        "marshmallow>=4.0,<5",
        "PyYAML>=6.0,<7",
        "openpyxl>=3.1,<4",
        "Flask>=3.1,<4",
        "flask-smorest>=0.46.1,<0.48",
        "apispec>=6.6,<7",
        "SQLAlchemy>=2.0,<2.2",
        "waitress>=3.0,<4",
        "flask-login>=0.6.3,<0.7",  # the page's sign-in session
        "flask-wtf>=1.2,<2",  # CSRF tokens on every form
        "argon2-cffi>=23.1,<26",  # password hashing
        "pebble>=5.2,<6",  # the worker processes of heavy requests (a task past its time limit is killed)
        "tqdm>=4.66,<5",
    ],
    extras_require={
        "postgres": ["psycopg[binary]>=3.2,<4"],  # FISCAL_SIM_DATABASE_URL=postgresql+psycopg://…
        # running Monte Carlo draws and parameter sweeps on a Dask cluster (docs/model.md §1.12)
        "dask": ["dask[distributed]>=2024.6,<2028"],
        "test": [
            "dask[distributed]>=2024.6,<2028",  # the cluster tests (tests/test_montecarlo.py, tests/test_sweep.py)
            "pytest>=8,<10",
            "hypothesis>=6.100,<7",
            "ruff>=0.8,<1",
            "nbclient>=0.10,<0.12",
            "nbformat>=5.10,<6",
            "ipykernel>=6.29,<8",
            "schemathesis>=4.3,<5",
            "playwright>=1.50,<2",
            "setuptools>=70",  # the wheel test builds the package without build isolation (offline)
            "wheel>=0.43",
            "psycopg[binary]>=3.2,<4",  # the storage tests on PostgreSQL (tests/pg_server.py)
        ],
    },
    entry_points={
        "console_scripts": ["fiscal-sim=fiscal_sim.io.cli:main"],
        "fiscal_sim.commands": ["serve=api.cli:add"],
    },
)
