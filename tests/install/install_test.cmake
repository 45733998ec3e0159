# The install tests, run by ctest as `cmake -P` with MODE:
#   prefix       `cmake --install BUILD --prefix WORK/prefix`, checks what it installed, and
#                writes the tiny model (make_model.py) to WORK/tiny.onnx (the fixture of the two
#                below);
#   find_package configures tests/install/project against the prefix (find_package(Hydra),
#                hydra_add_model), builds it and runs its program;
#   pkg_config   compiles the model with the installed hydrac, builds main.c with
#                `pkg-config --cflags --libs hydra-runtime` (the shared libhydrart) and runs it.
cmake_minimum_required(VERSION 3.25) # policies: quoted "prefix" below is a string
foreach(v MODE BUILD WORK SOURCE_DIR LIBDIR PYTHON CC)
  if(NOT DEFINED ${v})
    message(FATAL_ERROR "install_test.cmake needs -D${v}=...")
  endif()
endforeach()
set(prefix ${WORK}/prefix)

include(${CMAKE_CURRENT_LIST_DIR}/../step.cmake)

if(MODE STREQUAL "prefix")
  file(REMOVE_RECURSE ${WORK})
  step("cmake --install" ${CMAKE_COMMAND} --install ${BUILD} --prefix ${prefix})
  foreach(f bin/hydrac ${LIBDIR}/libhydrart.a ${LIBDIR}/libhydrart.so include/hydra/model.h
          include/hydra/hydra.h ${LIBDIR}/cmake/Hydra/HydraConfig.cmake
          ${LIBDIR}/cmake/Hydra/HydraAddModel.cmake ${LIBDIR}/pkgconfig/hydra-runtime.pc)
    if(NOT EXISTS ${prefix}/${f})
      message(FATAL_ERROR "cmake --install did not install ${f}")
    endif()
  endforeach()
  step("make_model.py" ${PYTHON} ${SOURCE_DIR}/tests/install/make_model.py ${WORK}/tiny.onnx)
elseif(MODE STREQUAL "find_package")
  set(proj ${WORK}/project)
  file(REMOVE_RECURSE ${proj})
  step("configuring the out-of-tree project" ${CMAKE_COMMAND}
       -S ${SOURCE_DIR}/tests/install/project -B ${proj} -DCMAKE_PREFIX_PATH=${prefix}
       -DMODEL=${WORK}/tiny.onnx -DCMAKE_C_COMPILER=${CC})
  step("building it" ${CMAKE_COMMAND} --build ${proj})
  step("its program" ${proj}/tiny_app)
  message(STATUS "${step_out}")
elseif(MODE STREQUAL "pkg_config")
  set(pc ${WORK}/pkg_config)
  file(REMOVE_RECURSE ${pc})
  step("the installed hydrac" ${prefix}/bin/hydrac compile ${WORK}/tiny.onnx -o ${pc}/tiny.o
       --shape x=2x4 --entry head=y1)
  step("pkg-config" ${CMAKE_COMMAND} -E env PKG_CONFIG_PATH=${prefix}/${LIBDIR}/pkgconfig
       pkg-config --cflags --libs hydra-runtime)
  string(STRIP "${step_out}" flags)
  separate_arguments(flags UNIX_COMMAND "${flags}")
  step("cc with pkg-config's flags" ${CC} -I${pc} ${SOURCE_DIR}/tests/install/main.c ${pc}/tiny.o
       ${flags} -lm -o ${pc}/tiny_app)
  step("its program" ${CMAKE_COMMAND} -E env LD_LIBRARY_PATH=${prefix}/${LIBDIR} ${pc}/tiny_app)
  message(STATUS "${step_out}")
else()
  message(FATAL_ERROR "MODE must be prefix, find_package or pkg_config")
endif()
