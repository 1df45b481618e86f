# Guest Portal — `make run` starts the product, `make test` runs every test.
BUILD_DIR ?= build
BUILD_TYPE ?= RelWithDebInfo
JOBS ?= 2
FUZZ_SECONDS ?= 15

.PHONY: all deps build run test fuzz lint test-sanitize bench format clean package

all: build

deps:
	@scripts/install-deps

build: deps
	@cmake -S . -B $(BUILD_DIR) -DCMAKE_BUILD_TYPE=$(BUILD_TYPE) $(CMAKE_EXTRA) > $(BUILD_DIR).cmake.log 2>&1 || (cat $(BUILD_DIR).cmake.log; exit 1)
	@cmake --build $(BUILD_DIR) -j$(JOBS)

run: build
	@scripts/run-demo $(BUILD_DIR)

test: build
	@ctest --test-dir $(BUILD_DIR) --output-on-failure -j$(JOBS)
	@$(MAKE) --no-print-directory fuzz

# The libFuzzer targets of tests/fuzz, built with Clang in build-fuzz, each run for FUZZ_SECONDS.
fuzz: deps
	@cmake -S . -B build-fuzz -DCMAKE_CXX_COMPILER=clang++-14 -DGP_FUZZ=ON -DGP_FUZZ_SECONDS=$(FUZZ_SECONDS) > build-fuzz.cmake.log 2>&1 || (cat build-fuzz.cmake.log; exit 1)
	@cmake --build build-fuzz -j$(JOBS)
	@ctest --test-dir build-fuzz --output-on-failure -j$(JOBS)

# clang-tidy (.clang-tidy) over src/ and emulator/.
lint: build
	@JOBS=$(JOBS) scripts/lint $(BUILD_DIR)

# The same tests under AddressSanitizer and UndefinedBehaviorSanitizer.
test-sanitize: deps
	@$(MAKE) --no-print-directory test BUILD_DIR=build-sanitize BUILD_TYPE=Debug CMAKE_EXTRA="-DGP_SANITIZE=ON"

# The Debian package of the server (CPack), left in $(BUILD_DIR)/ as guest-portal_VERSION_ARCH.deb.
package: build
	@cd $(BUILD_DIR) && cpack -G DEB

bench: build
	@bench/run $(BUILD_DIR)

format:
	@find src emulator tests bench -name '*.cpp' -o -name '*.hpp' | xargs clang-format -i

clean:
	rm -rf build build-sanitize build-fuzz build.cmake.log build-sanitize.cmake.log build-fuzz.cmake.log
