# Short wrappers around CMake.  The real build is CMakeLists.txt.
BUILD   ?= build
JOBS    ?= $(shell nproc 2>/dev/null || echo 2)
PREFIX  ?= /usr/local
CMAKE_FLAGS ?=

.PHONY: all check demo install deps test fuzz sanitize clean

all: $(BUILD)/Makefile
	cmake --build $(BUILD) -j $(JOBS)

$(BUILD)/Makefile:
	cmake -S . -B $(BUILD) -DCMAKE_INSTALL_PREFIX=$(PREFIX) $(CMAKE_FLAGS)

deps:
	scripts/deps

# What CI runs: dependencies, a -Werror build, every test.
check: deps
	cmake -S . -B $(BUILD) -DINPCB_WERROR=ON -DCMAKE_INSTALL_PREFIX=$(PREFIX) $(CMAKE_FLAGS)
	cmake --build $(BUILD) -j $(JOBS)
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS)
	scripts/fuzz-smoke

test: all
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS)

demo: all
	$(BUILD)/inpcb run --explain examples/tour.pcbs

install: all
	cmake --install $(BUILD)

# libFuzzer builds of the fuzz targets (clang), run for FUZZ_SECONDS each.
fuzz:
	FUZZ_SECONDS=$${FUZZ_SECONDS:-60} scripts/fuzz-smoke

clean:
	rm -rf $(BUILD) build-*
