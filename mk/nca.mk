# IBM's network-config-analyzer, the external oracle of tests/zerotrust/test_nca_oracle.py.
# It pins PyYAML==6.0.2, so it lives in its own venv, never in the project's.
NCA_VENV := .venv-nca
NCA_VERSION ?= ==2.1.0
.PHONY: nca

$(NCA_VENV)/bin/nca:
	$(PYTHON) -m venv $(NCA_VENV)
	$(NCA_VENV)/bin/pip install -qq 'network-config-analyzer$(NCA_VERSION)'

nca: $(NCA_VENV)/bin/nca
