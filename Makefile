# Top-level entry points. On a fresh Debian 12 machine, as root:
#   make        install the Debian packages frugal needs and build build/frugal
#   make test   the same, then run every test through ctest
#   make demo   the same, then the main job on the embedded default model
#   make test-asan  the whole suite built with AddressSanitizer + UndefinedBehaviorSanitizer
#   make test-tsan  the threaded tests built with ThreadSanitizer
#   make fuzz       each fuzz target in fuzz/ for FUZZ_SECONDS (clang-14 + libFuzzer)
BUILD_DIR ?= build
BUILD_TYPE ?= Release
JOBS ?= $(shell nproc)

APT_PACKAGES = g++ cmake ninja-build pkg-config \
  libonnx-dev libprotobuf-dev protobuf-compiler libpugixml-dev libdnnl-dev \
  nlohmann-json3-dev libcli11-dev libgtest-dev libgmock-dev libbenchmark-dev \
  libonnx-testdata python3 python3-onnx python3-numpy

# Only the fuzz build needs these (clang-14, libFuzzer); `make fuzz` installs them.
FUZZ_APT_PACKAGES = clang-14 libfuzzer-14-dev libclang-rt-14-dev libomp-14-dev

.PHONY: all deps fuzz-deps build test test-asan test-tsan fuzz demo clean
all: build

# Installs only what is missing, so a machine that has everything does not touch apt.
define install_missing
	@missing=$$(for p in $(1); do dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q '^install ok installed' || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	  echo "installing:" $$missing; \
	  apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y $$missing; \
	fi
endef
deps:
	$(call install_missing,$(APT_PACKAGES))
fuzz-deps: deps
	$(call install_missing,$(FUZZ_APT_PACKAGES))

build: deps
	cmake -S . -B $(BUILD_DIR) -G Ninja -DCMAKE_BUILD_TYPE=$(BUILD_TYPE)
	cmake --build $(BUILD_DIR) -j $(JOBS)

test: build
	cd $(BUILD_DIR) && ctest --output-on-failure -j $(JOBS)

# Sanitizer runs (CMake option FRUGAL_SANITIZE; the suppression files explain each entry, all of
# them third-party). UBSan findings abort the test (no recover); LeakSanitizer runs at exit.
SAN_DIR = $(CURDIR)/tests/sanitizers
ASAN_ENV = ASAN_OPTIONS=detect_leaks=1:strict_string_checks=1:check_initialization_order=1 \
  UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 LSAN_OPTIONS=suppressions=$(SAN_DIR)/lsan.supp:print_suppressions=0
test-asan: deps
	cmake -S . -B build-asan -G Ninja -DCMAKE_BUILD_TYPE=Release -DFRUGAL_SANITIZE=address
	cmake --build build-asan -j $(JOBS)
	cd build-asan && $(ASAN_ENV) ctest --output-on-failure -j $(JOBS)

# The tests that run frugal code on several std::threads at once. OpenMP gets one thread: Debian's
# libgomp is not built with TSan, so TSan cannot see its barriers and would report every
# parallel loop; the kernels' own threading is covered by the ASan run instead.
TSAN_TESTS = SessionsShareOneCompiledModelAcrossThreads|ConcurrentEncodesAgree|SeededNormal
TSAN_ENV = TSAN_OPTIONS=halt_on_error=1:second_deadlock_stack=1:suppressions=$(SAN_DIR)/tsan.supp OMP_NUM_THREADS=1
test-tsan: deps
	cmake -S . -B build-tsan -G Ninja -DCMAKE_BUILD_TYPE=Release -DFRUGAL_SANITIZE=thread
	cmake --build build-tsan -j $(JOBS) --target frugal_unit_tests
	cd build-tsan && $(TSAN_ENV) ctest --output-on-failure -j $(JOBS) -R '$(TSAN_TESTS)'

# Fuzzing (fuzz/README.md): each target for FUZZ_SECONDS from a corpus seeded with the project's
# own test models; crashing inputs land in fuzz/crashes/<target>/.
FUZZ_SECONDS ?= 60
fuzz: fuzz-deps build
	CC=clang-14 cmake -S . -B build-fuzz -G Ninja -DCMAKE_BUILD_TYPE=Release -DCMAKE_CXX_COMPILER=clang++-14 -DFRUGAL_FUZZ=ON
	cmake --build build-fuzz -j $(JOBS)
	FUZZ_SECONDS=$(FUZZ_SECONDS) bash fuzz/run.sh build-fuzz $(BUILD_DIR)/frugal

# The embedded default: a Keras-style GPT-2 base that frugal makes itself (seeded weights, external
# data so that loading maps the weights instead of parsing them), then the stage profile.
DEMO_MODEL = models/gpt2-base.onnx
$(DEMO_MODEL): | build
	mkdir -p models
	$(BUILD_DIR)/frugal make-model gpt2 --size base --seed 0 --external-data -o $(DEMO_MODEL)

demo: build $(DEMO_MODEL)
	$(BUILD_DIR)/frugal profile $(DEMO_MODEL) --seq 32 --threads $(JOBS)

clean:
	rm -rf $(BUILD_DIR) build-asan build-tsan build-fuzz
