"""Timers whose interval comes from the service's config (a `WARDLINE_*` setting), so
tests and deployments can change it without code. Work a timer does across replicas must
still be guarded (SKIP LOCKED or an advisory lock): every replica's timer fires."""
from nameko.timer import Timer


class ConfiguredTimer(Timer):
    def __init__(self, config_key, eager=False, **kwargs):
        self.config_key = config_key
        super().__init__(interval=None, eager=eager, **kwargs)

    def setup(self):
        self.interval = float(self.container.config[self.config_key])
        super().setup()


configured_timer = ConfiguredTimer.decorator
