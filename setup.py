"""Packaging glue pyproject.toml cannot express: the top-level templates/ ships inside the package.

The templates stay where the project keeps them (templates/, next to assess/); in the wheel they are the package
data of `assess.templates`, and `create_app` finds them there when the checkout's templates/ is not beside it.
Everything else about the package is in pyproject.toml.
"""

from pathlib import Path

from setuptools import find_namespace_packages, setup

HERE = Path(__file__).resolve().parent
TEMPLATES = HERE / "templates"


def _template_packages() -> dict[str, str]:
    """Map assess.templates (and one package per subfolder) to the folders under templates/."""
    folders = {TEMPLATES, *(p.parent for p in TEMPLATES.rglob("*") if p.is_file())}
    packages = {}
    for folder in sorted(folders):
        parts = folder.relative_to(TEMPLATES).parts
        packages[".".join(("assess", "templates", *parts))] = Path("templates", *parts).as_posix()
    return packages


TEMPLATE_PACKAGES = _template_packages()

setup(
    packages=[*find_namespace_packages(include=["assess*", "rules*"]), *TEMPLATE_PACKAGES],
    package_dir=TEMPLATE_PACKAGES,
    package_data={
        "rules": ["rulesets/*/*.yaml", "rulesets/*.lock", "examples/*.json"],
        "assess": [
            "static/*",
            "static/**/*",
            "migrations/*",
            "migrations/**/*",
            "pdf/fonts/*",
            "translations/*/LC_MESSAGES/*",
            "demo_notes_sv.yaml",
        ],
        **{package: ["*.html", "*.txt", "*.xml"] for package in TEMPLATE_PACKAGES},
    },
)
