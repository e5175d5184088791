def pytest_configure(config):
    config.addinivalue_line("markers", "slow: takes more than ~30 s; `make test` still runs it")
