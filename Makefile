# The two commands of the README. Both start from nothing on a fresh Debian 12 machine.
#   make demo   set-up if needed, build, run the default scenario (HDF5 + figure in results/)
#   make test   set-up if needed, build, run every test (ctest, then pytest)
.PHONY: demo test setup build clean
JOBS ?= $(shell nproc)

setup:
	scripts/setup

build: setup
	cmake --build build -j $(JOBS)

demo: build
	scripts/demo

test: build
	scripts/run-tests

clean:
	rm -rf build build-asan build-mpi
