# The aarch64 cross test, run by ctest as `cmake -P`: the runtime built alone for aarch64
# (`cmake -S runtime` with cmake/toolchains/aarch64-linux-gnu.cmake: Debian's
# gcc-aarch64-linux-gnu), a `hydrac compile --target aarch64-linux-gnu` object of the tiny model
# (tests/install/make_model.py) linked into tests/install/main.c, run under qemu-user; its outputs
# must match the same program's built for this machine (with this tree's runtime).
cmake_minimum_required(VERSION 3.25)
foreach(v HYDRAC RUNTIME_LIB WORK SOURCE_DIR PYTHON CC)
  if(NOT DEFINED ${v})
    message(FATAL_ERROR "cross_test.cmake needs -D${v}=...")
  endif()
endforeach()
foreach(tool aarch64-linux-gnu-gcc qemu-aarch64)
  find_program(found_${tool} ${tool})
  if(NOT found_${tool})
    message(FATAL_ERROR "${tool} is missing: scripts/bootstrap.sh installs gcc-aarch64-linux-gnu, "
                        "libc6-dev-arm64-cross and qemu-user")
  endif()
endforeach()

include(${CMAKE_CURRENT_LIST_DIR}/../step.cmake)

set(main ${SOURCE_DIR}/tests/install/main.c)
file(REMOVE_RECURSE ${WORK}/host ${WORK}/aarch64)
file(MAKE_DIRECTORY ${WORK}/host ${WORK}/aarch64)
step("make_model.py" ${PYTHON} ${SOURCE_DIR}/tests/install/make_model.py ${WORK}/tiny.onnx)

# This machine's outputs.
step("hydrac compile (host)" ${HYDRAC} compile ${WORK}/tiny.onnx -o ${WORK}/host/tiny.o
     --shape x=2x4 --entry head=y1)
step("cc (host)" ${CC} -I${WORK}/host -I${SOURCE_DIR}/runtime/include ${main} ${WORK}/host/tiny.o
     ${RUNTIME_LIB} -lm -lpthread -o ${WORK}/host/tiny_app)
step("the host program" ${WORK}/host/tiny_app --write ${WORK}/host/outputs.txt)

# The runtime alone for aarch64 (kept between runs: only what changed is rebuilt). Debug: the
# kernels the object runs were inlined into it by hydrac; the library's own code (sessions, the
# pool) needs no optimising here, and gcc -O3 takes many CPU minutes over the kernel files.
step("configuring the runtime alone for aarch64" ${CMAKE_COMMAND} -S ${SOURCE_DIR}/runtime
     -B ${WORK}/runtime-aarch64 -DCMAKE_BUILD_TYPE=Debug -DHYDRA_WERROR=ON
     -DCMAKE_TOOLCHAIN_FILE=${SOURCE_DIR}/cmake/toolchains/aarch64-linux-gnu.cmake)
step("building it" ${CMAKE_COMMAND} --build ${WORK}/runtime-aarch64 --target hydra_runtime)
step("hydrac compile --target aarch64-linux-gnu" ${HYDRAC} compile ${WORK}/tiny.onnx
     -o ${WORK}/aarch64/tiny.o --shape x=2x4 --entry head=y1 --target aarch64-linux-gnu)
step("aarch64-linux-gnu-gcc" aarch64-linux-gnu-gcc -I${WORK}/aarch64
     -I${SOURCE_DIR}/runtime/include ${main} ${WORK}/aarch64/tiny.o
     ${WORK}/runtime-aarch64/libhydrart.a -lm -lpthread -o ${WORK}/aarch64/tiny_app)
step("the aarch64 program under qemu" qemu-aarch64 -L /usr/aarch64-linux-gnu
     ${WORK}/aarch64/tiny_app --compare ${WORK}/host/outputs.txt)
message(STATUS "${step_out}")
