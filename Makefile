# Top-level entry points. On a fresh Debian 12 machine, as root:
#   make        install the Debian packages frugal needs and build build/frugal
#   make test   the same, then run every test through ctest
#   make demo   the same, then the main job on the embedded default model
BUILD_DIR ?= build
BUILD_TYPE ?= Release
JOBS ?= $(shell nproc)

APT_PACKAGES = g++ cmake ninja-build pkg-config \
  libonnx-dev libprotobuf-dev protobuf-compiler libpugixml-dev libdnnl-dev \
  nlohmann-json3-dev libcli11-dev libgtest-dev libgmock-dev libbenchmark-dev \
  libonnx-testdata python3 python3-onnx python3-numpy

.PHONY: all deps build test demo clean
all: build

# Installs only what is missing, so a machine that has everything does not touch apt.
deps:
	@missing=$$(for p in $(APT_PACKAGES); do dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q '^install ok installed' || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	  echo "installing:" $$missing; \
	  apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y $$missing; \
	fi

build: deps
	cmake -S . -B $(BUILD_DIR) -G Ninja -DCMAKE_BUILD_TYPE=$(BUILD_TYPE)
	cmake --build $(BUILD_DIR) -j $(JOBS)

test: build
	cd $(BUILD_DIR) && ctest --output-on-failure -j $(JOBS)

# The embedded default: a Keras-style GPT-2 base that frugal makes itself (seeded weights, external
# data so that loading maps the weights instead of parsing them), then the stage profile.
DEMO_MODEL = models/gpt2-base.onnx
$(DEMO_MODEL): | build
	mkdir -p models
	$(BUILD_DIR)/frugal make-model gpt2 --size base --seed 0 --external-data -o $(DEMO_MODEL)

demo: build $(DEMO_MODEL)
	$(BUILD_DIR)/frugal profile $(DEMO_MODEL) --seq 32 --threads $(JOBS)

clean:
	rm -rf $(BUILD_DIR)
