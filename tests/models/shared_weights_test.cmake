# Two objects compiled for run-time dims with different ranges write the same weights file: one
# file serves every shape. Run by ctest as `cmake -P`.
# Variables (-D): HYDRAC MODEL WORK RANGES_A RANGES_B (comma-separated --shape values)
cmake_minimum_required(VERSION 3.25)
if(NOT EXISTS ${MODEL})
  message(FATAL_ERROR "${MODEL} does not exist; it is written by the build step 'Exporting test "
                      "model mt_bert_small with torch' (target hydra_test_models)")
endif()
file(REMOVE_RECURSE ${WORK})
file(MAKE_DIRECTORY ${WORK})
foreach(which A B)
  string(REPLACE "," ";" shapes "${RANGES_${which}}")
  set(args)
  foreach(s ${shapes})
    list(APPEND args --shape ${s})
  endforeach()
  execute_process(COMMAND ${HYDRAC} compile ${MODEL} ${args} --weights file
                          -o ${WORK}/${which}.o RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "hydrac compile ${args} failed (${rc})")
  endif()
endforeach()
execute_process(COMMAND ${CMAKE_COMMAND} -E compare_files ${WORK}/A.weights ${WORK}/B.weights
                RESULT_VARIABLE same)
if(NOT same EQUAL 0)
  message(FATAL_ERROR "the weights files of ${RANGES_A} and ${RANGES_B} differ")
endif()
message(STATUS "one weights file for ${RANGES_A} and ${RANGES_B}")
