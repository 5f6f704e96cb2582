"""What crosses RPC, one module per answering service: the commands it loads (with their
value lists and validation) and the views it dumps. The service validates with them and the
gateway documents its routes with them (schemas.py, openapi.py), so the two cannot drift; like
`shared/events/`, a contract lives beside, not inside, the service that answers it.
`tests/unit/test_contracts.py` round-trips each one."""
