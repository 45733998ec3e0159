# One model test, run by ctest as `cmake -P`: MODE=run checks `hydrac run` against torch's outputs;
# MODE=compile runs `hydrac compile`, links NAME.o into model_main.c and runs that program;
# MODE=dynamic does the same once with SHAPES giving ranges (run-time dims) and runs the program
# on each data set of DATA, a comma-separated list of them at different shapes;
# MODE=entry compiles with `--entry ENTRY` (E=OUT,...) and runs MODEL_MAIN (entry_main.c), which
# checks entry E against the default entry and torch; an ENTRY without '=' names an entry the unit
# has already (a merged model's), and MODEL may then list several models, NAME=FILE.onnx,...
# Variables (-D): MODE HYDRAC MODEL(.onnx) DATA(its data set dir) MADE_BY(the build step writing
#                 MODEL) NAME SHAPES(comma separated name=AxB) WORK COMPARE CC MODEL_MAIN
#                 INCLUDES LIBS (comma separated) ENTRY (MODE=entry) RTOL ATOL (the comparison's
#                 tolerance) LINK_FLAGS (the sanitizer's, or empty)
cmake_minimum_required(VERSION 3.25)

function(step what)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "${NAME}: ${what} failed (${rc}): ${ARGN}")
  endif()
endfunction()

# A model the build did not write (its exporter or its Python environment failed, or only some
# targets were built) is a failure that says which step makes it, never a skip.
string(REPLACE "," ";" models "${MODEL}")
set(model_files)
foreach(m ${models})
  string(REGEX REPLACE "^[^=/]*=" "" f "${m}")
  list(APPEND model_files ${f})
endforeach()
string(REPLACE "," ";" data_sets "${DATA}")
set(data_files)
foreach(d ${data_sets})
  list(APPEND data_files ${d}/input_0.pb ${d}/output_0.pb)
endforeach()
foreach(f ${model_files} ${data_files})
  if(NOT EXISTS ${f})
    message(FATAL_ERROR "${NAME}: ${f} does not exist; it is written by ${MADE_BY}: build it "
                        "(cmake --build with the default target) and read that step's error")
  endif()
endforeach()
if(NOT DEFINED RTOL)
  set(RTOL 1e-4)
endif()
if(NOT DEFINED ATOL)
  set(ATOL 1e-4)
endif()
file(REMOVE_RECURSE ${WORK})
file(MAKE_DIRECTORY ${WORK})
string(REPLACE "," ";" shapes "${SHAPES}")
set(shape_args)
foreach(s ${shapes})
  list(APPEND shape_args --shape ${s})
endforeach()

if(MODE STREQUAL "run")
  file(GLOB inputs ${DATA}/input_*.pb)
  list(SORT inputs COMPARE NATURAL)
  step("hydrac run" ${HYDRAC} run ${models} ${inputs} -o ${WORK})
  step("comparison with the expected outputs" ${COMPARE} ${WORK} ${DATA} --rtol ${RTOL} --atol ${ATOL})
elseif(MODE STREQUAL "compile" OR MODE STREQUAL "entry" OR MODE STREQUAL "dynamic")
  set(entry_args)
  set(entry_defs)
  if(MODE STREQUAL "entry")
    string(REGEX REPLACE "=.*" "" entry_name "${ENTRY}")
    if(NOT entry_name STREQUAL ENTRY)
      set(entry_args --entry ${ENTRY})
    endif()
    set(entry_defs -DHYDRA_ENTRY=${entry_name})
  endif()
  step("hydrac compile" ${HYDRAC} compile ${models} --name ${NAME} ${shape_args} ${entry_args}
       -o ${WORK}/${NAME}.o --header ${WORK}/${NAME}.h)
  string(REPLACE "," ";" includes "${INCLUDES}")
  string(REPLACE "," ";" libs "${LIBS}")
  list(REMOVE_ITEM includes "")
  list(TRANSFORM includes PREPEND -I)
  step("linking ${NAME}.o" ${CC} -std=gnu11 -O1 -DHYDRA_MODEL_NAME=${NAME} ${entry_defs}
       -I${WORK} ${includes}
       -include ${NAME}.h ${MODEL_MAIN} ${WORK}/${NAME}.o ${libs} ${LINK_FLAGS}
       -o ${WORK}/${NAME}_test)
  foreach(d ${data_sets})
    step("${NAME}_test on ${d}" ${WORK}/${NAME}_test ${d} --rtol ${RTOL} --atol ${ATOL})
  endforeach()
else()
  message(FATAL_ERROR "MODE must be run, compile, entry or dynamic")
endif()
