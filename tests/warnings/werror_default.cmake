# Run by ctest as `cmake -P`: warnings are errors where the project asks for it (scripts/test.sh,
# which .ci/run calls, and the sanitizer and fuzz scripts pass -DHYDRA_WERROR=ON), not in a user's
# own build: a fresh configure of SOURCE_DIR leaves HYDRA_WERROR off.
foreach(v SOURCE_DIR WORK)
  if(NOT DEFINED ${v})
    message(FATAL_ERROR "werror_default.cmake needs -D${v}=...")
  endif()
endforeach()
file(REMOVE_RECURSE ${WORK})
execute_process(COMMAND ${CMAKE_COMMAND} -S ${SOURCE_DIR} -B ${WORK} -DHYDRA_TESTS=OFF
                        -DHYDRA_EXAMPLES=OFF
                RESULT_VARIABLE rc OUTPUT_QUIET ERROR_VARIABLE err)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "configuring ${SOURCE_DIR} failed:\n${err}")
endif()
file(STRINGS ${WORK}/CMakeCache.txt werror REGEX "^HYDRA_WERROR:")
file(REMOVE_RECURSE ${WORK})
if(NOT werror STREQUAL "HYDRA_WERROR:BOOL=OFF")
  message(FATAL_ERROR "a user's build has warnings as errors (${werror}); want OFF by default")
endif()
foreach(script scripts/test.sh scripts/test_sanitizers.sh scripts/fuzz.sh)
  file(READ ${SOURCE_DIR}/${script} text)
  if(NOT text MATCHES "-DHYDRA_WERROR=ON")
    message(FATAL_ERROR "${script} does not configure with -DHYDRA_WERROR=ON")
  endif()
endforeach()
message(STATUS "HYDRA_WERROR is OFF by default and ON in the test scripts")
