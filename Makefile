# The two commands of the README. Both start from nothing on a fresh Debian 12 machine.
#   make demo   set-up if needed, build, run the default scenario (HDF5 + figure in results/)
#   make test   set-up if needed, build, run every test (ctest, then pytest)
#   make lab    (optional) JupyterLab on notebooks/ with the calcikin kernel
.PHONY: demo test setup build clean lab
JOBS ?= $(shell nproc)

setup:
	scripts/setup

build: setup
	cmake --build build -j $(JOBS)

demo: build
	scripts/demo

test: build
	scripts/run-tests

# Optional: JupyterLab on notebooks/ with the "calcikin" kernel (installs jupyterlab into .venv once).
lab: build
	@.venv/bin/python -c "import jupyterlab" 2>/dev/null || .venv/bin/python -m pip install -q "jupyterlab>=4"
	.venv/bin/python -m jupyter lab --notebook-dir=notebooks

clean:
	rm -rf build build-asan build-mpi
