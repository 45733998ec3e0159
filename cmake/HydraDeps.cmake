# Finds Hydra's system dependencies (Debian packages; scripts/bootstrap.sh installs them).
find_package(PkgConfig REQUIRED)

find_package(LLVM REQUIRED CONFIG PATHS /usr/lib/llvm-19/lib/cmake/llvm NO_DEFAULT_PATH)
if(NOT LLVM_VERSION_MAJOR EQUAL 19)
  message(FATAL_ERROR "Hydra needs LLVM 19, found ${LLVM_PACKAGE_VERSION}")
endif()
message(STATUS "LLVM ${LLVM_PACKAGE_VERSION} in ${LLVM_INSTALL_PREFIX}")

find_program(HYDRA_CLANG NAMES clang-19 PATHS ${LLVM_TOOLS_BINARY_DIR} REQUIRED)
find_program(HYDRA_LLVM_LINK NAMES llvm-link-19 llvm-link PATHS ${LLVM_TOOLS_BINARY_DIR} REQUIRED)
find_program(HYDRA_PROTOC_C NAMES protoc-c REQUIRED)
pkg_check_modules(PROTOBUF_C REQUIRED IMPORTED_TARGET libprotobuf-c)

# The ONNX schema of the system's ONNX dev package; bindings are generated from it at build time.
find_file(HYDRA_ONNX_PROTO onnx.proto PATHS /usr/include/onnx NO_DEFAULT_PATH REQUIRED)

find_package(Threads REQUIRED)

if(HYDRA_TESTS)
  pkg_check_modules(CRITERION REQUIRED IMPORTED_TARGET criterion)
endif()

set(HYDRA_PYTHON /usr/bin/python3 CACHE FILEPATH "Python with torch and onnx (Debian's)")
