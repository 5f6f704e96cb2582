"""Small nameko dependency providers shared by services."""
from nameko.extensions import DependencyProvider


class BuiltFromConfig(DependencyProvider):
    """Something built once from the service's config at start (rules, registers),
    and given to every worker."""

    def __init__(self, build):
        self.build = build

    def setup(self):
        self.value = self.build(self.container.config)

    def get_dependency(self, worker_ctx):
        return self.value
