# Short wrappers around CMake.  The real build is CMakeLists.txt.
BUILD   ?= build
JOBS    ?= $(shell nproc 2>/dev/null || echo 2)
PREFIX  ?= /usr/local
CMAKE_FLAGS ?=

.PHONY: all check demo install deps test fuzz sanitize clean stress-tsan stress-asan bench
SAN_ENV = ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
          UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1

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
	$(MAKE) --no-print-directory sanitize
	$(MAKE) --no-print-directory stress-tsan
	scripts/fuzz-smoke

test: all
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS)

# Issue 3's measurement from a fresh clone (docs/benchmarks.md): Release
# build in build-rel, every workload against the in-process baselines,
# tables, JSON and plots into docs/img.  About 6 minutes on 2 CPUs.
BENCH_FLAGS ?= --progress
bench:
	scripts/deps --bench
	cmake -S . -B build-rel -DCMAKE_BUILD_TYPE=Release $(CMAKE_FLAGS) >/dev/null
	cmake --build build-rel -j $(JOBS) --target inpcb_cli >/dev/null
	scripts/bench-plot --build build-rel -- $(BENCH_FLAGS)

demo: $(BUILD)/Makefile
	@cmake --build $(BUILD) -j $(JOBS) >/dev/null || cmake --build $(BUILD)
	$(BUILD)/inpcb run --explain --comments examples/tour.pcbs

# Every test again under AddressSanitizer and UndefinedBehaviorSanitizer.
sanitize:
	cmake -S . -B build-asan -DINPCB_WERROR=ON -DCMAKE_BUILD_TYPE=Debug \
	      -DINPCB_SANITIZE=address,undefined $(CMAKE_FLAGS) >/dev/null
	cmake --build build-asan -j $(JOBS) >/dev/null
	cd build-asan && $(SAN_ENV) ctest --output-on-failure -j $(JOBS)

# The stress tests (tests/stress, label `stress`) under ThreadSanitizer:
# the library and the stress programs only, in build-tsan.  TSan needs
# its shadow memory at fixed addresses; on kernels with more ASLR bits
# (vm.mmap_rnd_bits > 28) a TSan program dies with "unexpected memory
# mapping", so a probe decides whether to run under `setarch -R` (no
# randomisation for ctest and its children).  TSAN_OPTIONS (halt on the
# first report, known-bug suppressions) come from tests/CMakeLists.txt.
stress-tsan:
	cmake -S . -B build-tsan -DINPCB_WERROR=ON -DINPCB_SANITIZE=thread \
	      $(CMAKE_FLAGS) >/dev/null
	cmake --build build-tsan -j $(JOBS) --target stress >/dev/null
	@printf 'int main(void){return 0;}\n' | \
	  $(CC) -fsanitize=thread -x c - -o build-tsan/tsan-probe
	@wrap=; build-tsan/tsan-probe >/dev/null 2>&1 || \
	  { wrap="setarch $$(uname -m) -R"; \
	    echo "stress-tsan: TSan cannot map its shadow memory; using $$wrap"; }; \
	cd build-tsan && $$wrap ctest --output-on-failure -j $(JOBS) -L stress

# The stress tests alone under ASan/UBSan (`make sanitize` runs them with
# every other test).
stress-asan:
	cmake -S . -B build-asan -DINPCB_WERROR=ON -DCMAKE_BUILD_TYPE=Debug \
	      -DINPCB_SANITIZE=address,undefined $(CMAKE_FLAGS) >/dev/null
	cmake --build build-asan -j $(JOBS) --target stress >/dev/null
	cd build-asan && $(SAN_ENV) ctest --output-on-failure -j $(JOBS) -L stress

install: all
	cmake --install $(BUILD)

# libFuzzer builds of the fuzz targets (clang), run for FUZZ_SECONDS each.
fuzz:
	FUZZ_SECONDS=$${FUZZ_SECONDS:-60} scripts/fuzz-smoke

clean:
	rm -rf $(BUILD) build-*
