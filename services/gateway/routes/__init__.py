"""The gateway's HTTP routes, one module per area; `GatewayService` combines them.
Each module defines a mixin class of `@api` entrypoints and the RPC proxies it needs."""
