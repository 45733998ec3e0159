# Objects compiled from one model for different shapes, fixed and run-time (ranged), write the same
# weights file, and every one of them runs on one copy of it: each compile writes its own file,
# they must be byte-identical, then all but the first are deleted and each object's program runs
# its data sets against torch with HYDRA_WEIGHTS_DIR pointing at the one left. Run by ctest as
# `cmake -P`.
# Variables (-D): HYDRAC MODEL NAME WORK CC MODEL_MAIN INCLUDES LIBS (comma separated) LINK_FLAGS
#                 MADE_BY, COMPILES (their count) and for each i in 1..COMPILES: SHAPES_<i> (comma
#                 separated --shape values) and DATA_<i> (comma separated data set folders).
cmake_minimum_required(VERSION 3.25)
include(${CMAKE_CURRENT_LIST_DIR}/../step.cmake)

if(NOT EXISTS ${MODEL})
  message(FATAL_ERROR "${MODEL} does not exist; it is written by ${MADE_BY}")
endif()
file(REMOVE_RECURSE ${WORK})
file(MAKE_DIRECTORY ${WORK}/shared)
string(REPLACE "," ";" includes "${INCLUDES}")
string(REPLACE "," ";" libs "${LIBS}")
list(REMOVE_ITEM includes "")
list(TRANSFORM includes PREPEND -I)

foreach(i RANGE 1 ${COMPILES})
  set(dir ${WORK}/c${i})
  string(REPLACE "," ";" shapes "${SHAPES_${i}}")
  set(args)
  foreach(s ${shapes})
    list(APPEND args --shape ${s})
  endforeach()
  step("${NAME}: hydrac compile ${SHAPES_${i}}" ${HYDRAC} compile ${MODEL} --name ${NAME} ${args}
       --weights-file ${dir}/${NAME}.weights -o ${dir}/${NAME}.o)
  step("${NAME}: linking the object for ${SHAPES_${i}}" ${CC} -std=gnu11 -O1 -DHYDRA_MODEL_NAME=${NAME}
       -I${dir} ${includes} -include ${NAME}.h ${MODEL_MAIN} ${dir}/${NAME}.o ${libs}
       ${LINK_FLAGS} -o ${dir}/${NAME}_test)
  if(i EQUAL 1)
    continue()
  endif()
  execute_process(COMMAND ${CMAKE_COMMAND} -E compare_files ${WORK}/c1/${NAME}.weights
                          ${dir}/${NAME}.weights RESULT_VARIABLE differ)
  if(differ)
    message(FATAL_ERROR "${NAME}: the weights files for ${SHAPES_1} and ${SHAPES_${i}} differ")
  endif()
endforeach()

# One file for all: the program finds it through HYDRA_WEIGHTS_DIR (model.h's search order).
file(RENAME ${WORK}/c1/${NAME}.weights ${WORK}/shared/${NAME}.weights)
foreach(i RANGE 1 ${COMPILES})
  file(REMOVE ${WORK}/c${i}/${NAME}.weights)
  string(REPLACE "," ";" sets "${DATA_${i}}")
  foreach(d ${sets})
    step("${NAME}: the object for ${SHAPES_${i}} on ${d}" ${CMAKE_COMMAND} -E env
         HYDRA_WEIGHTS_DIR=${WORK}/shared ${WORK}/c${i}/${NAME}_test ${d} --rtol 1e-4 --atol 1e-4)
  endforeach()
endforeach()
message(STATUS "${NAME}: ${COMPILES} objects, one weights file")
